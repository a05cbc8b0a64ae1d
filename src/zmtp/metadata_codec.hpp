#pragma once
// ZMTP metadata (READY/INITIATE properties) encoding and parsing: each property is
// name-len (u8) | name | value-len (u32 BE) | value, concatenated. Pure functions, any thread.
// The parser accepts exactly what libzmq's parse_metadata accepts (digest §1.6).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/metadata.hpp"

namespace zmx::detail::zmtp {

inline constexpr std::size_t max_property_name = 255;
inline constexpr std::size_t max_property_value = 0x7FFFFFFF;

// True if every name is 1..255 bytes and every value at most 2^31-1 bytes.
bool metadata_valid(const property_list& props) noexcept;

// Encoded size of props (assumes metadata_valid).
std::size_t metadata_size(const property_list& props) noexcept;

// Writes props at out (metadata_size(props) bytes, assumes metadata_valid) and returns the end.
std::byte* write_metadata(const property_list& props, std::byte* out) noexcept;

// Appends the encoding of props; returns false (appending nothing) if !metadata_valid(props).
bool append_metadata(std::vector<std::byte>& out, const property_list& props);
bool append_metadata(std::string& out, const property_list& props);

// Parses a whole metadata block into out (cleared first; properties in wire order, duplicates
// kept). Returns false on any truncation or trailing garbage. Like libzmq, a zero-length name is
// accepted and values are not length-limited beyond the block itself.
bool parse_metadata(std::span<const std::byte> in, property_list& out);

}  // namespace zmx::detail::zmtp
