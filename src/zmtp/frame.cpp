// ZMTP 3.x frame decoder: header state machine, one allocation per large body.
#include "zmtp/frame.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>
#include <utility>

namespace zmx::detail::zmtp {

namespace {
// No body can exceed the user address space of any 64-bit platform we run on; refusing such sizes
// up front keeps absurd headers away from the allocator.
constexpr std::uint64_t max_addressable = std::uint64_t{1} << 48;

// libzmq 4.3.4 sends a SUBSCRIBE/CANCEL command whose body is 256..265 bytes (a 246..255-byte topic)
// with an 8-byte size but without the LONG flag (fixed in 4.3.5). Read as sent, that is an empty
// command — never valid, a command has a name — followed by the size's other 7 bytes. So an empty
// command header is read on as an 8-byte size, and accepted when it is one of those sizes.
bool is_misencoded_command(std::uint8_t wire_flags, std::uint8_t short_size) noexcept {
    return (wire_flags & (wire_command | wire_long)) == wire_command && short_size == 0;
}
constexpr std::uint64_t misencoded_min = 256;
constexpr std::uint64_t misencoded_max = 1 + 9 + 255;  // name-length, "SUBSCRIBE", topic

// A frame size as sent: n bytes, most significant first.
std::uint64_t big_endian(const std::uint8_t* p, std::size_t n) noexcept {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
    return v;
}
}  // namespace

frame_decoder::result frame_decoder::decode(std::span<const std::byte>& in, message& out) {
    // Fast path: a whole frame at the front of the input.
    if (stage_ == stage::flags && in.size() >= 2) {
        const auto* p = reinterpret_cast<const std::uint8_t*>(in.data());
        const std::uint8_t wf = p[0];
        const bool is_long = (wf & wire_long) != 0;
        const std::size_t header = is_long ? 9 : 2;
        // All of the header is here, and it is not libzmq 4.3.4's mis-encoded one (see above).
        const bool header_whole = in.size() >= header && (is_long || !is_misencoded_command(wf, p[1]));
        const std::uint64_t n = !header_whole ? 0 : is_long ? big_endian(p + 1, 8) : p[1];
        if (header_whole && in.size() - header >= n && n <= limit_) {
            try {
                out = message(in.data() + header, static_cast<std::size_t>(n));
            } catch (const std::bad_alloc&) {
                return fail(ENOMEM);
            }
            out.set_flags(message_flags_from_wire(wf));
            in = in.subspan(header + static_cast<std::size_t>(n));
            return result::frame;
        }
    }

    while (!in.empty()) {
        switch (stage_) {
            case stage::flags:
                wire_flags_ = static_cast<std::uint8_t>(in[0]);
                in = in.subspan(1);
                size_need_ = (wire_flags_ & wire_long) != 0 ? 8 : 1;
                size_have_ = 0;
                stage_ = stage::size;
                break;
            case stage::size: {
                const std::size_t take = std::min<std::size_t>(in.size(), size_need_ - size_have_);
                std::memcpy(size_buf_ + size_have_, in.data(), take);
                size_have_ = static_cast<std::uint8_t>(size_have_ + take);
                in = in.subspan(take);
                if (size_have_ < size_need_) return result::need_more;
                if (size_need_ == 1 && is_misencoded_command(wire_flags_, size_buf_[0])) {
                    size_need_ = 8;  // read the rest of libzmq 4.3.4's 8-byte size
                    misencoded_ = true;
                    break;
                }
                const std::uint64_t size = big_endian(size_buf_, size_need_);
                if (std::exchange(misencoded_, false) && (size < misencoded_min || size > misencoded_max))
                    return fail(EPROTO);  // an empty command after all: not ZMTP
                const result r = start_body(size, out);
                if (r != result::need_more) return r;
                break;
            }
            case stage::body: {
                const std::size_t take = std::min(in.size(), body_size_ - body_have_);
                std::memcpy(static_cast<std::byte*>(body_.data()) + body_have_, in.data(), take);
                body_have_ += take;
                in = in.subspan(take);
                return body_have_ == body_size_ ? finish(out) : result::need_more;
            }
            case stage::failed:
                return result::error;
        }
    }
    return stage_ == stage::failed ? result::error : result::need_more;
}

frame_decoder::result frame_decoder::advance(std::size_t n, message& out) {
    if (stage_ == stage::failed) return result::error;
    if (n > direct_buffer().size()) return fail(EINVAL);
    if (n == 0) return result::need_more;
    body_have_ += n;
    return body_have_ == body_size_ ? finish(out) : result::need_more;
}

frame_decoder::result frame_decoder::start_body(std::uint64_t size, message& out) {
    // Every check happens before any allocation.
    if (size > limit_) return fail(EMSGSIZE);
    if (size >= max_addressable) return fail(EMSGSIZE);  // also covers the top bit
    try {
        body_ = message(static_cast<std::size_t>(size));
    } catch (const std::bad_alloc&) {
        return fail(ENOMEM);
    }
    body_size_ = static_cast<std::size_t>(size);
    body_have_ = 0;
    if (size == 0) return finish(out);
    stage_ = stage::body;
    return result::need_more;
}

frame_decoder::result frame_decoder::finish(message& out) {
    out = std::move(body_);
    out.set_flags(message_flags_from_wire(wire_flags_));
    stage_ = stage::flags;
    return result::frame;
}

frame_decoder::result frame_decoder::fail(int err) noexcept {
    stage_ = stage::failed;
    error_ = err;
    body_.clear();
    return result::error;
}

}  // namespace zmx::detail::zmtp
