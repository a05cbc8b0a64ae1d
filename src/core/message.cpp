// zmx::message out-of-line parts: large/adopted bodies, copies, groups and metadata.
#include <zmx/message.hpp>

#include <atomic>
#include <cstdlib>
#include <new>

#include "core/metadata.hpp"
#include "util/body_pool.hpp"

namespace zmx {
namespace detail {

// Header of a refcounted body. For bodies allocated by zmx the bytes follow the header in the same
// allocation from body_pool (ffn == nullptr); adopted buffers keep the user's pointer and free function.
struct msg_content {
    std::atomic<std::uint32_t> refs;
    free_fn* ffn;
    void* hint;
    void* user_data;
};

struct msg_group {
    std::atomic<std::uint32_t> refs{1};
    std::uint8_t len = 0;
    char name[256];
};

}  // namespace detail

message::message(std::size_t size) {
    init_empty();
    if (size <= max_inline) {
        inline_size_ = static_cast<std::uint8_t>(size);
        return;
    }
    void* mem = detail::body_pool::allocate(sizeof(detail::msg_content) + size);
    if (mem == nullptr) throw std::bad_alloc();
    auto* c = new (mem) detail::msg_content{{1}, nullptr, nullptr, nullptr};
    kind_ = k_large;
    u_.large.content = c;
    u_.large.data = static_cast<unsigned char*>(mem) + sizeof(detail::msg_content);
    u_.large.size = size;
}

message::message(const void* data, std::size_t size) : message(size) {
    if (size != 0) std::memcpy(this->data(), data, size);
}

message::message(void* data, std::size_t size, free_fn* ffn, void* hint) {
    init_empty();
    if (ffn == nullptr) {  // nothing to free: refer to the buffer like a constant one
        kind_ = k_const;
        u_.cnst.data = data;
        u_.cnst.size = size;
        return;
    }
    auto* c = new detail::msg_content{{1}, ffn, hint, data};
    kind_ = k_large;
    u_.large.content = c;
    u_.large.data = data;
    u_.large.size = size;
}

message message::from_const(const void* data, std::size_t size) {
    message m;
    m.kind_ = k_const;
    m.u_.cnst.data = data;
    m.u_.cnst.size = size;
    return m;
}

message message::copy() const {
    message m;
    std::memcpy(static_cast<void*>(&m), this, sizeof(message));
    if (kind_ == k_large) u_.large.content->refs.fetch_add(1, std::memory_order_relaxed);
    if (meta_ != nullptr) meta_->add_ref();
    if (group_ != nullptr) group_->refs.fetch_add(1, std::memory_order_relaxed);
    return m;
}

bool message::is_shared() const noexcept {
    // A constant body is the caller's and may be shared with anything (libzmq says so too).
    return kind_ == k_const || (kind_ == k_large && u_.large.content->refs.load(std::memory_order_acquire) > 1);
}

void message::release_slow() noexcept {
    if (kind_ == k_large) {
        detail::msg_content* c = u_.large.content;
        if (c->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            if (c->ffn != nullptr) {
                c->ffn(c->user_data, c->hint);
                delete c;
            } else {
                c->~msg_content();
                detail::body_pool::deallocate(c);
            }
        }
    }
    if (meta_ != nullptr) meta_->release();
    if (group_ != nullptr && group_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete group_;
    kind_ = k_inline;
    meta_ = nullptr;
    group_ = nullptr;
}

const char* message::group() const noexcept { return group_ != nullptr ? group_->name : ""; }

bool message::set_group(std::string_view g) {
    if (g.size() > 255 || g.find('\0') != std::string_view::npos) return false;
    auto* ng = new detail::msg_group;
    ng->len = static_cast<std::uint8_t>(g.size());
    std::memcpy(ng->name, g.data(), g.size());
    ng->name[g.size()] = '\0';
    if (group_ != nullptr && group_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete group_;
    group_ = ng;
    return true;
}

const char* message::property(std::string_view name) const noexcept {
    return meta_ != nullptr ? meta_->get(name) : nullptr;
}

void message::set_metadata(detail::metadata* m) noexcept {
    if (m != nullptr) m->add_ref();
    adopt_metadata(m);
}

void message::adopt_metadata(detail::metadata* m) noexcept {
    if (meta_ != nullptr) meta_->release();
    meta_ = m;
}

}  // namespace zmx
