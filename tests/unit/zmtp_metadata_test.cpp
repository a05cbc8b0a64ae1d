// ZMTP metadata encoding and libzmq-compatible parsing.
#include <catch2/catch.hpp>

#include <random>

#include "zmtp/metadata_codec.hpp"
#include "zmtp_test_util.hpp"

using namespace zmx::detail::zmtp;
using zmx::detail::property_list;
using zmx::test::b;
using zmx::test::bytes;

TEST_CASE("metadata: encodes libzmq's DEALER properties", "[zmtp][metadata]") {
    const property_list props{{"Socket-Type", "DEALER"}, {"Identity", ""}};
    const bytes expected = b().prop("Socket-Type", "DEALER").prop("Identity", "");
    REQUIRE(expected.size() == 35);
    CHECK(metadata_size(props) == 35);
    bytes out = b().u8(0xAA);  // appends after existing content
    REQUIRE(append_metadata(out, props));
    CHECK(bytes(out.begin() + 1, out.end()) == expected);
    std::string s;
    REQUIRE(append_metadata(s, props));
    CHECK(s == zmx::test::to_string(expected));
}

TEST_CASE("metadata: refuses names it must not send", "[zmtp][metadata]") {
    bytes out;
    CHECK_FALSE(append_metadata(out, property_list{{"", "x"}}));
    CHECK_FALSE(append_metadata(out, property_list{{"ok", "x"}, {std::string(256, 'n'), "x"}}));
    CHECK(out.empty());
    CHECK(append_metadata(out, property_list{{std::string(255, 'n'), "x"}}));
    CHECK(out.size() == 1 + 255 + 4 + 1);
    CHECK(append_metadata(out, property_list{}));
}

TEST_CASE("metadata: parse round trip, order and duplicates kept", "[zmtp][metadata]") {
    const property_list props{
        {"Socket-Type", "PEER"}, {"X-Foo", "bar"}, {"X-Foo", "second"}, {"Bin", std::string("\0\xff", 2)}};
    bytes enc;
    REQUIRE(append_metadata(enc, props));
    property_list got{{"stale", "entry"}};
    REQUIRE(parse_metadata(enc, got));
    CHECK(got == props);
}

TEST_CASE("metadata: libzmq acceptance rules", "[zmtp][metadata]") {
    property_list got;
    CHECK(parse_metadata({}, got));
    CHECK(got.empty());
    // zero-length name: libzmq's parser accepts it
    CHECK(parse_metadata(bytes(b().u8(0).u32(1).str("v")), got));
    REQUIRE(got.size() == 1);
    CHECK(got[0].first.empty());
    // a single trailing byte is an error
    CHECK_FALSE(parse_metadata(bytes(b().prop("A", "1").u8(0)), got));
    CHECK_FALSE(parse_metadata(bytes(b().u8(0)), got));
    // value length far beyond the block: rejected, nothing allocated for it
    CHECK_FALSE(parse_metadata(bytes(b().u8(1).str("A").u32(0xFFFFFFFF).str("xyz")), got));
    // name length beyond the block
    CHECK_FALSE(parse_metadata(bytes(b().u8(200).str("short")), got));
}

TEST_CASE("metadata: every truncation fails except at property boundaries", "[zmtp][metadata]") {
    const bytes enc = b().prop("Socket-Type", "ROUTER").prop("Identity", "ABC").prop("X-Empty", "");
    const std::size_t boundaries[] = {0, 1 + 11 + 4 + 6, 1 + 11 + 4 + 6 + 1 + 8 + 4 + 3, enc.size()};
    for (std::size_t cut = 0; cut <= enc.size(); ++cut) {
        property_list got;
        const bool at_boundary = std::find(std::begin(boundaries), std::end(boundaries), cut) != std::end(boundaries);
        CHECK(parse_metadata(std::span<const std::byte>(enc.data(), cut), got) == at_boundary);
    }
}

TEST_CASE("metadata: random bytes never crash", "[zmtp][metadata][robustness]") {
    std::mt19937 rng(777);
    int ok = 0;
    for (int iter = 0; iter < 5000; ++iter) {
        bytes data(rng() % 64);
        for (auto& x : data) x = std::byte(rng() % ((iter & 1) ? 256 : 8));
        property_list got;
        if (parse_metadata(data, got)) {
            ++ok;
            bytes again;
            if (append_metadata(again, got)) CHECK(again == data);
        }
    }
    CHECK(ok > 0);
}
