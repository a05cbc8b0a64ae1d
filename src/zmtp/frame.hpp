#pragma once
// ZMTP 3.x frame header encoding and an incremental, sans-I/O frame decoder.
// A frame_decoder is owned by one connection engine (or handshake) and used only by the thread that
// owns that engine; encode_frame_header is a pure function, callable from any thread.
// Nothing here blocks; malformed input yields result::error, never an assert or exception.
#include <zmx/message.hpp>

#include <cstddef>
#include <cstdint>
#include <span>

namespace zmx::detail::zmtp {

// Wire flag bits of the first frame byte (RFC 23/37).
inline constexpr std::uint8_t wire_more = 0x01;
inline constexpr std::uint8_t wire_long = 0x02;
inline constexpr std::uint8_t wire_command = 0x04;

// Largest header encode_frame_header writes: flags + 8-byte size.
inline constexpr std::size_t max_frame_header = 9;

// Writes the header of a frame carrying `size` body bytes into out (room for max_frame_header
// bytes) and returns its length (2 or 9). msg_flags are zmx::message flags: flag_more becomes MORE,
// flag_command becomes COMMAND, other bits are ignored. LONG is set iff size > 255.
inline std::size_t encode_frame_header(std::uint8_t msg_flags, std::uint64_t size, std::byte* out) noexcept {
    static_assert(message::flag_more == wire_more && message::flag_command << 1 == wire_command);
    auto f = static_cast<std::uint8_t>((msg_flags & message::flag_more) | ((msg_flags & message::flag_command) << 1));
    if (size <= 0xFF) {
        out[0] = std::byte{f};
        out[1] = static_cast<std::byte>(size);
        return 2;
    }
    out[0] = std::byte{static_cast<std::uint8_t>(f | wire_long)};
    for (int i = 0; i < 8; ++i) out[1 + i] = static_cast<std::byte>(size >> (56 - 8 * i));
    return 9;
}

// Cuts a byte stream into frames. Small bodies (<= message::max_inline) are assembled inline;
// larger ones are allocated once, at full size, when their header is complete, then filled either
// by decode() or by the caller reading straight into direct_buffer() and calling advance().
// Like libzmq it ignores reserved flag bits, accepts LONG with a small size and does not check MORE
// on commands. It also reads libzmq 4.3.4's mis-encoded SUBSCRIBE/CANCEL for 246..255-byte topics (an
// 8-byte size without the LONG flag); an empty command frame, which that looks like, is otherwise an
// error (EPROTO). After an error the decoder stays failed.
class frame_decoder {
public:
    enum class result { need_more, frame, error };

    // maxmsgsize < 0: unlimited (ZMQ_MAXMSGSIZE semantics, checked per frame).
    explicit frame_decoder(std::int64_t maxmsgsize = -1) noexcept
        : limit_(maxmsgsize < 0 ? ~std::uint64_t{0} : static_cast<std::uint64_t>(maxmsgsize)) {}

    // Consumes bytes from the front of `in` (advancing it) until one frame is complete (returns
    // frame; `out` holds it with flag_more/flag_command set from the wire) or `in` is exhausted
    // (need_more). Call again with the rest of `in` to get the next frame.
    result decode(std::span<const std::byte>& in, message& out);

    // While a large body (> message::max_inline) is being filled: its still-missing bytes, into
    // which the caller may read directly. Empty otherwise.
    std::span<std::byte> direct_buffer() noexcept {
        if (stage_ != stage::body || body_size_ <= message::max_inline) return {};
        return {static_cast<std::byte*>(body_.data()) + body_have_, body_size_ - body_have_};
    }

    // Records that n bytes were written at the start of direct_buffer(). Returns frame (out holds
    // it) when the body is now complete, need_more otherwise, error if n exceeds direct_buffer().
    result advance(std::size_t n, message& out);

    // errno-style cause of the last error: EMSGSIZE (over maxmsgsize or not addressable), ENOMEM
    // (body allocation failed), EINVAL (advance() misuse), EPROTO (an empty command frame). 0 if none.
    int error_code() const noexcept { return error_; }

    bool failed() const noexcept { return stage_ == stage::failed; }

private:
    enum class stage : std::uint8_t { flags, size, body, failed };

    result start_body(std::uint64_t size, message& out);
    result finish(message& out);
    result fail(int err) noexcept;

    std::uint64_t limit_;
    std::size_t body_size_ = 0;
    std::size_t body_have_ = 0;
    message body_;
    int error_ = 0;
    stage stage_ = stage::flags;
    std::uint8_t wire_flags_ = 0;
    std::uint8_t size_have_ = 0;
    std::uint8_t size_need_ = 0;
    std::uint8_t size_buf_[8] = {};
    bool misencoded_ = false;  // reading the 8-byte size of a libzmq 4.3.4 short-flagged command
};

// zmx::message flags for a frame whose first wire byte is wire_flags.
inline std::uint8_t message_flags_from_wire(std::uint8_t wire_flags) noexcept {
    return static_cast<std::uint8_t>((wire_flags & wire_more) | ((wire_flags & wire_command) >> 1));
}

}  // namespace zmx::detail::zmtp
