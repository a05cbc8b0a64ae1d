#pragma once
// Peer properties (Socket-Type, Identity, X-..., Peer-Address) shared by every message received on one
// connection. Immutable after construction; reference-counted (atomic) because messages carrying it may
// be read on any thread. Created by the engine when a handshake completes.
#include <atomic>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace zmx::detail {

using property_list = std::vector<std::pair<std::string, std::string>>;

struct metadata {
    explicit metadata(property_list p) : props(std::move(p)) {}

    // Value of a property (case-sensitive, like libzmq), or null. "Identity" falls back to "Routing-Id".
    const char* get(std::string_view name) const noexcept {
        const std::string* v = value(name);
        return v != nullptr ? v->c_str() : nullptr;
    }
    // The same, whole (values may hold NUL bytes).
    const std::string* value(std::string_view name) const noexcept {
        for (const auto& [k, v] : props)
            if (k == name) return &v;
        return name == "Identity" ? value("Routing-Id") : nullptr;
    }
    void add_ref(int n = 1) noexcept { refs.fetch_add(n, std::memory_order_relaxed); }
    void release(int n = 1) noexcept {
        if (refs.fetch_sub(n, std::memory_order_acq_rel) == n) delete this;
    }

    std::atomic<int> refs{1};
    const property_list props;
};

}  // namespace zmx::detail
