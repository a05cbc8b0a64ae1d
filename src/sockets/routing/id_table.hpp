#pragma once
// id_table — ROUTER's routing ids: byte strings (any bytes, libzmq allows 1..255 from the wire and any
// non-empty length from ZMQ_CONNECT_ROUTING_ID) mapped to the pipe that owns each, and auto ids for
// peers that announce none: 5 bytes, 0x00 then a uint32 big-endian counter from a random start (as
// libzmq), skipping ids still in use. Owned by a socket type; used under the socket lock only.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/pipe.hpp"

namespace zmx::detail {

class id_table {
public:
    id_table();                                      // the auto-id counter starts at a random value
    explicit id_table(std::uint32_t first_counter);  // ... at first_counter (tests)

    // The pipe owning id, or null.
    pipe* find(std::string_view id) const;
    // Makes p the owner of id (replacing any owner: the caller has decided the old one loses it).
    void assign(std::string_view id, pipe& p);
    // Forgets id if p owns it.
    void erase(std::string_view id, const pipe& p);
    // A fresh auto id that no pipe owns now.
    std::string next_auto_id();
    std::size_t size() const noexcept { return ids_.size(); }

    // Calls f(pipe&) for each owner until f returns true; returns whether one did.
    template <typename F>
    bool any_of(F&& f) const {
        for (const auto& [id, p] : ids_)
            if (f(*p)) return true;
        return false;
    }

private:
    struct hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    std::unordered_map<std::string, pipe*, hash, std::equal_to<>> ids_;
    std::uint32_t next_;
};

}  // namespace zmx::detail
