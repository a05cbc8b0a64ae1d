// ZMTP metadata encoder and parser.
#include "zmtp/metadata_codec.hpp"

#include <cstring>

namespace zmx::detail::zmtp {

bool metadata_valid(const property_list& props) noexcept {
    for (const auto& [name, value] : props)
        if (name.empty() || name.size() > max_property_name || value.size() > max_property_value) return false;
    return true;
}

std::size_t metadata_size(const property_list& props) noexcept {
    std::size_t n = 0;
    for (const auto& [name, value] : props) n += 1 + name.size() + 4 + value.size();
    return n;
}

std::byte* write_metadata(const property_list& props, std::byte* out) noexcept {
    for (const auto& [name, value] : props) {
        *out++ = static_cast<std::byte>(name.size());
        std::memcpy(out, name.data(), name.size());
        out += name.size();
        const auto len = static_cast<std::uint32_t>(value.size());
        for (int i = 0; i < 4; ++i) *out++ = static_cast<std::byte>(len >> (24 - 8 * i));
        if (!value.empty()) std::memcpy(out, value.data(), value.size());
        out += value.size();
    }
    return out;
}

namespace {
template <typename Container>
bool append_impl(Container& out, const property_list& props) {
    if (!metadata_valid(props)) return false;
    const std::size_t old = out.size();
    out.resize(old + metadata_size(props));
    write_metadata(props, reinterpret_cast<std::byte*>(out.data()) + old);
    return true;
}
}  // namespace

bool append_metadata(std::vector<std::byte>& out, const property_list& props) {
    return append_impl(out, props);
}

bool append_metadata(std::string& out, const property_list& props) {
    return append_impl(out, props);
}

bool parse_metadata(std::span<const std::byte> in, property_list& out) {
    out.clear();
    const auto* p = reinterpret_cast<const char*>(in.data());
    std::size_t left = in.size();
    while (left > 0) {
        const auto name_len = static_cast<unsigned char>(*p);
        ++p;
        --left;
        if (left < name_len) return false;
        std::string_view name(p, name_len);
        p += name_len;
        left -= name_len;
        if (left < 4) return false;
        std::uint32_t value_len = 0;
        for (int i = 0; i < 4; ++i) value_len = (value_len << 8) | static_cast<unsigned char>(p[i]);
        p += 4;
        left -= 4;
        if (left < value_len) return false;
        out.emplace_back(std::string(name), std::string(p, value_len));
        p += value_len;
        left -= value_len;
    }
    return true;
}

}  // namespace zmx::detail::zmtp
