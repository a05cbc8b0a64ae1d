// ZMTP command builders and parsers.
#include "zmtp/commands.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "zmtp/metadata_codec.hpp"

namespace zmx::detail::zmtp {

namespace {

// A command message of 1 + name + extra bytes with the name written; returns the data pointer.
std::byte* start_command(message& m, std::string_view name, std::size_t extra) {
    m = message(1 + name.size() + extra);
    m.set_flags(message::flag_command);
    auto* p = static_cast<std::byte*>(m.data());
    p[0] = static_cast<std::byte>(name.size());
    std::memcpy(p + 1, name.data(), name.size());
    return p + 1 + name.size();
}

bool rest_of(std::span<const std::byte> body, std::string_view name, std::span<const std::byte>& rest) noexcept {
    if (!is_command(body, name)) return false;
    rest = body.subspan(1 + name.size());
    return true;
}

}  // namespace

std::string_view command_name(std::span<const std::byte> body) noexcept {
    if (body.empty()) return {};
    const auto len = static_cast<std::size_t>(body[0]);
    if (len == 0 || body.size() - 1 < len) return {};
    return {reinterpret_cast<const char*>(body.data()) + 1, len};
}

std::span<const std::byte> command_data(std::span<const std::byte> body) noexcept {
    const std::string_view name = command_name(body);
    if (name.empty()) return {};
    return body.subspan(1 + name.size());
}

bool is_command(std::span<const std::byte> body, std::string_view name) noexcept {
    return !name.empty() && command_name(body) == name;
}

message make_command(std::string_view name, std::span<const std::byte> data) {
    if (name.empty() || name.size() > 255) throw std::invalid_argument("zmtp command name");
    message m;
    std::byte* p = start_command(m, name, data.size());
    if (!data.empty()) std::memcpy(p, data.data(), data.size());
    return m;
}

message make_ready(const property_list& props) {
    if (!metadata_valid(props)) throw std::invalid_argument("zmtp metadata");
    message m;
    write_metadata(props, start_command(m, "READY", metadata_size(props)));
    return m;
}

message make_error(std::string_view reason) {
    reason = reason.substr(0, max_error_reason);
    message m;
    std::byte* p = start_command(m, "ERROR", 1 + reason.size());
    p[0] = static_cast<std::byte>(reason.size());
    if (!reason.empty()) std::memcpy(p + 1, reason.data(), reason.size());
    return m;
}

message make_ping(std::uint16_t ttl_ds, std::span<const std::byte> context) {
    context = context.first(std::min(context.size(), max_ping_context));
    message m;
    std::byte* p = start_command(m, "PING", 2 + context.size());
    p[0] = static_cast<std::byte>(ttl_ds >> 8);
    p[1] = static_cast<std::byte>(ttl_ds & 0xFF);
    if (!context.empty()) std::memcpy(p + 2, context.data(), context.size());
    return m;
}

message make_pong(std::span<const std::byte> context) {
    return make_command("PONG", context.first(std::min(context.size(), max_ping_context)));
}

message make_subscribe(std::span<const std::byte> topic) {
    return make_command("SUBSCRIBE", topic);
}
message make_cancel(std::span<const std::byte> topic) {
    return make_command("CANCEL", topic);
}
message make_join(std::string_view group) {
    return make_command("JOIN", as_bytes(group));
}
message make_leave(std::string_view group) {
    return make_command("LEAVE", as_bytes(group));
}

bool parse_ready(std::span<const std::byte> body, property_list& props) {
    std::span<const std::byte> rest;
    return rest_of(body, "READY", rest) && parse_metadata(rest, props);
}

bool parse_error(std::span<const std::byte> body, std::string& reason) {
    std::span<const std::byte> rest;
    if (!rest_of(body, "ERROR", rest) || rest.empty()) return false;
    const auto len = static_cast<std::size_t>(rest[0]);
    if (rest.size() - 1 < len) return false;
    reason.assign(reinterpret_cast<const char*>(rest.data()) + 1, len);
    return true;
}

bool parse_ping(std::span<const std::byte> body, ping_command& out) noexcept {
    std::span<const std::byte> rest;
    if (!rest_of(body, "PING", rest) || rest.size() < 2) return false;
    out.ttl_ds = static_cast<std::uint16_t>((static_cast<unsigned>(rest[0]) << 8) | static_cast<unsigned>(rest[1]));
    out.context = rest.subspan(2);
    return true;
}

bool parse_pong(std::span<const std::byte> body, std::span<const std::byte>& context) noexcept {
    return rest_of(body, "PONG", context);
}

bool parse_subscribe(std::span<const std::byte> body, std::span<const std::byte>& topic) noexcept {
    return rest_of(body, "SUBSCRIBE", topic);
}

bool parse_cancel(std::span<const std::byte> body, std::span<const std::byte>& topic) noexcept {
    return rest_of(body, "CANCEL", topic);
}

namespace {
bool parse_group(std::span<const std::byte> body, std::string_view name, std::string_view& group) noexcept {
    std::span<const std::byte> rest;
    if (!rest_of(body, name, rest) || rest.size() > max_group) return false;
    group = {reinterpret_cast<const char*>(rest.data()), rest.size()};
    return true;
}
}  // namespace

bool parse_join(std::span<const std::byte> body, std::string_view& group) noexcept {
    return parse_group(body, "JOIN", group);
}

bool parse_leave(std::span<const std::byte> body, std::string_view& group) noexcept {
    return parse_group(body, "LEAVE", group);
}

}  // namespace zmx::detail::zmtp
