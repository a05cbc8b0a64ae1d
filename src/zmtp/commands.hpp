#pragma once
// ZMTP command bodies (name-length | name | data): builders returning command messages and
// parsers over received bodies. Pure functions, any thread; parsers never trust the input and
// return false / empty on malformation. Parsers look at the body only, not at message flags.
#include <zmx/message.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/metadata.hpp"

namespace zmx::detail::zmtp {

inline constexpr std::size_t max_error_reason = 255;
inline constexpr std::size_t max_ping_context = 16;
inline constexpr std::size_t max_group = 255;  // ZMQ_GROUP_MAX_LENGTH

// The command name of a body, or empty if the name-length prefix is missing, zero, or runs past
// the body. Names are compared case-sensitively, as libzmq does.
std::string_view command_name(std::span<const std::byte> body) noexcept;

// The bytes after the name (valid only if command_name(body) is non-empty).
std::span<const std::byte> command_data(std::span<const std::byte> body) noexcept;

// True if body is the command `name` (exact, case-sensitive).
bool is_command(std::span<const std::byte> body, std::string_view name) noexcept;

// Generic builder: flag_command set, body = len(name) name data. name must be 1..255 bytes.
message make_command(std::string_view name, std::span<const std::byte> data);

// READY with metadata. Throws std::invalid_argument unless metadata_valid(props).
message make_ready(const property_list& props);
// ERROR; the reason is cut to 255 bytes.
message make_error(std::string_view reason);
// PING with TTL in deciseconds; context cut to 16 bytes.
message make_ping(std::uint16_t ttl_ds, std::span<const std::byte> context = {});

// PING TTLs: the wire carries deciseconds in 16 bits (0..65535 = 0..6553.5 s); options carry ms.
// The milliseconds a received TTL stands for, in 64 bits: libzmq multiplies in uint16 and so waits
// (TTL*100 mod 65536) ms for any TTL above 655 ds; zmx waits the full time.
constexpr std::int64_t ping_ttl_ms(std::uint16_t ttl_ds) noexcept {
    return std::int64_t{ttl_ds} * 100;
}
// The TTL to announce for a ZMQ_HEARTBEAT_TTL of ttl_ms: whole deciseconds, clamped to 0..65535.
constexpr std::uint16_t ping_ttl_ds(std::int64_t ttl_ms) noexcept {
    if (ttl_ms <= 0) return 0;
    return ttl_ms / 100 >= 0xFFFF ? std::uint16_t{0xFFFF} : static_cast<std::uint16_t>(ttl_ms / 100);
}
// PONG echoing a context, cut to 16 bytes.
message make_pong(std::span<const std::byte> context);
message make_subscribe(std::span<const std::byte> topic);
message make_cancel(std::span<const std::byte> topic);
message make_join(std::string_view group);  // group should be <= 255 bytes
message make_leave(std::string_view group);

// READY: parses the metadata after the name. False if not READY or metadata malformed.
bool parse_ready(std::span<const std::byte> body, property_list& props);
// ERROR: reason = the len-prefixed reason. False if not ERROR or the reason runs past the body;
// bytes after the reason are ignored (libzmq does too).
bool parse_error(std::span<const std::byte> body, std::string& reason);

struct ping_command {
    std::uint16_t ttl_ds = 0;            // deciseconds
    std::span<const std::byte> context;  // as received (may exceed 16; PONG truncates)
};
// PING: false if not PING or shorter than the 2-byte TTL.
bool parse_ping(std::span<const std::byte> body, ping_command& out) noexcept;
// PONG: context = rest of body.
bool parse_pong(std::span<const std::byte> body, std::span<const std::byte>& context) noexcept;
// SUBSCRIBE / CANCEL: topic = rest of body.
bool parse_subscribe(std::span<const std::byte> body, std::span<const std::byte>& topic) noexcept;
bool parse_cancel(std::span<const std::byte> body, std::span<const std::byte>& topic) noexcept;
// JOIN / LEAVE: group = rest of body; false if the group exceeds 255 bytes.
bool parse_join(std::span<const std::byte> body, std::string_view& group) noexcept;
bool parse_leave(std::span<const std::byte> body, std::string_view& group) noexcept;

inline std::span<const std::byte> as_bytes(std::string_view s) noexcept {
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

}  // namespace zmx::detail::zmtp
