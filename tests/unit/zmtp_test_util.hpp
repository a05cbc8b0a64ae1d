#pragma once
// Byte-building helpers shared by the ZMTP unit tests. Test-only; single-threaded.
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace zmx::test {

using bytes = std::vector<std::byte>;

// Fluent builder: b().u8(4).str("PING").u16(50).v
struct b {
    bytes v;
    b& u8(unsigned x) {
        v.push_back(static_cast<std::byte>(x));
        return *this;
    }
    b& u8s(std::initializer_list<unsigned> xs) {
        for (unsigned x : xs) u8(x);
        return *this;
    }
    b& u16(std::uint16_t x) { return u8(x >> 8).u8(x & 0xFF); }
    b& u32(std::uint32_t x) { return u8(x >> 24).u8((x >> 16) & 0xFF).u8((x >> 8) & 0xFF).u8(x & 0xFF); }
    b& str(std::string_view s) {
        for (char c : s) u8(static_cast<unsigned char>(c));
        return *this;
    }
    b& zeros(std::size_t n) {
        v.insert(v.end(), n, std::byte{0});
        return *this;
    }
    b& append(std::span<const std::byte> s) {
        v.insert(v.end(), s.begin(), s.end());
        return *this;
    }
    // A metadata property: name-len, name, u32 value-len, value.
    b& prop(std::string_view name, std::string_view value) {
        return u8(static_cast<unsigned>(name.size()))
            .str(name)
            .u32(static_cast<std::uint32_t>(value.size()))
            .str(value);
    }
    operator bytes() const { return v; }
};

inline bytes to_bytes(std::span<const std::byte> s) {
    return {s.begin(), s.end()};
}
inline std::string to_string(std::span<const std::byte> s) {
    return {reinterpret_cast<const char*>(s.data()), s.size()};
}

// A peer greeting as libzmq 4.3.x sends it (padding = 1, version 3.minor, as-server 0).
inline bytes zmtp_greeting(std::string_view mech = "NULL", unsigned major = 3, unsigned minor = 1) {
    b g;
    g.u8s({0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F}).u8(major).u8(minor).str(mech).zeros(20 - mech.size());
    g.zeros(32);
    return g;
}

}  // namespace zmx::test
