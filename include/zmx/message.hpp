#pragma once
// zmx::message — one frame of a ZeroMQ message, laid out in exactly 64 bytes so that a zmq_msg_t can
// hold one. Bodies up to max_inline bytes live inside the object; larger ones are reference-counted
// and shared by copy(); user buffers can be adopted with a free function. A message belongs to one
// thread at a time; only the shared body's reference count is atomic.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace zmx {

namespace detail {
struct msg_content;  // refcounted large body
struct metadata;     // refcounted peer properties (Socket-Type, Peer-Address, ...)
struct msg_group;    // refcounted group name (RADIO/DISH)
}  // namespace detail

// Free function for adopted buffers: called once with (data, hint) when the last reference goes.
using free_fn = void(void* data, void* hint);

class message {
public:
    static constexpr std::size_t max_inline = 40;

    // Flags carried with the frame.
    static constexpr std::uint8_t flag_more = 0x01;     // another frame follows
    static constexpr std::uint8_t flag_command = 0x02;  // ZMTP command frame
    // A subscription (body 0x01|topic) or cancel (0x00|topic) from (X)SUB: the engine sends it as a
    // SUBSCRIBE/CANCEL command to ZMTP 3.1 peers and as the message itself to 3.0 peers, and flags the
    // ones it receives as commands.
    static constexpr std::uint8_t flag_subscribe = 0x04;
    static constexpr std::uint8_t flag_cancel = 0x08;
    // The peer's routing id (its ZMTP Identity), the first message of each connection towards a
    // socket that addresses peers by it (ROUTER); other types skip such messages.
    static constexpr std::uint8_t flag_routing_id = 0x10;

    message() noexcept { init_empty(); }
    explicit message(std::size_t size);                 // body of size bytes, contents unspecified
    message(const void* data, std::size_t size);        // copies data
    explicit message(std::string_view s) : message(s.data(), s.size()) {}
    message(void* data, std::size_t size, free_fn* ffn, void* hint);  // adopts data (ffn may be null)
    static message from_const(const void* data, std::size_t size);    // refers to data, never freed

    message(message&& o) noexcept {
        std::memcpy(static_cast<void*>(this), &o, sizeof(message));
        o.init_empty();
    }
    message& operator=(message&& o) noexcept {
        if (this != &o) {
            release();
            std::memcpy(static_cast<void*>(this), &o, sizeof(message));
            o.init_empty();
        }
        return *this;
    }
    message(const message&) = delete;
    message& operator=(const message&) = delete;
    ~message() { release(); }

    // A second message sharing this one's body (inline bodies are copied), flags, id, group, metadata.
    message copy() const;

    void* data() noexcept;
    const void* data() const noexcept { return const_cast<message*>(this)->data(); }
    std::size_t size() const noexcept;
    std::span<const std::byte> bytes() const noexcept {
        return {static_cast<const std::byte*>(data()), size()};
    }
    std::string_view str() const noexcept { return {static_cast<const char*>(data()), size()}; }

    std::uint8_t flags() const noexcept { return flags_; }
    void set_flags(std::uint8_t f) noexcept { flags_ = f; }
    bool more() const noexcept { return (flags_ & flag_more) != 0; }
    void set_more(bool on) noexcept { flags_ = on ? (flags_ | flag_more) : (flags_ & ~flag_more); }
    bool is_command() const noexcept { return (flags_ & flag_command) != 0; }

    // Routing id for SERVER/PEER (0 = none).
    std::uint32_t routing_id() const noexcept { return routing_id_; }
    void set_routing_id(std::uint32_t id) noexcept { routing_id_ = id; }

    // Group for RADIO/DISH: at most 255 bytes, no NUL. set_group returns false if too long.
    const char* group() const noexcept;
    bool set_group(std::string_view g);

    // Peer property received with the message (Socket-Type, Peer-Address, X-...), or null.
    const char* property(std::string_view name) const noexcept;
    void set_metadata(detail::metadata* m) noexcept;    // takes a new reference
    void adopt_metadata(detail::metadata* m) noexcept;  // takes over a reference the caller holds
    detail::metadata* metadata() const noexcept { return meta_; }

    // True when the body is shared with another message, or is a constant one (ZMQ_SHARED).
    bool is_shared() const noexcept;

    // Back to an empty message (releases body, metadata and group).
    void clear() noexcept {
        release();
        init_empty();
    }

private:
    enum kind_t : std::uint8_t { k_inline = 0, k_large = 1, k_const = 2 };

    void init_empty() noexcept {
        inline_size_ = 0;
        kind_ = k_inline;
        flags_ = 0;
        routing_id_ = 0;
        meta_ = nullptr;
        group_ = nullptr;
    }
    void release() noexcept {
        if (kind_ != k_inline || meta_ != nullptr || group_ != nullptr) release_slow();
    }
    void release_slow() noexcept;

    union {
        unsigned char inline_data[max_inline];
        struct {
            detail::msg_content* content;
            void* data;
            std::size_t size;
        } large;
        struct {
            const void* data;
            std::size_t size;
        } cnst;
    } u_;
    detail::metadata* meta_;
    detail::msg_group* group_;
    std::uint32_t routing_id_;
    std::uint8_t inline_size_;
    std::uint8_t kind_;
    std::uint8_t flags_;
    std::uint8_t reserved_ = 0;
};

static_assert(sizeof(message) == 64, "zmx::message must fit zmq_msg_t");
static_assert(alignof(message) == 8, "zmx::message must align like zmq_msg_t");

inline void* message::data() noexcept {
    switch (kind_) {
    case k_inline: return u_.inline_data;
    case k_large: return u_.large.data;
    default: return const_cast<void*>(u_.cnst.data);
    }
}

inline std::size_t message::size() const noexcept {
    switch (kind_) {
    case k_inline: return inline_size_;
    case k_large: return u_.large.size;
    default: return u_.cnst.size;
    }
}

}  // namespace zmx
