// ZMTP command builders and parsers, against bytes libzmq puts on the wire.
#include <catch2/catch.hpp>

#include <random>
#include <stdexcept>

#include "zmtp/commands.hpp"
#include "zmtp/frame.hpp"
#include "zmtp_test_util.hpp"

using namespace zmx::detail::zmtp;
using zmx::message;
using zmx::detail::property_list;
using zmx::test::b;
using zmx::test::bytes;

namespace {
// The message as a frame on the wire.
bytes wire(const message& m) {
    std::byte h[max_frame_header];
    const std::size_t n = encode_frame_header(m.flags(), m.size(), h);
    return b().append({h, n}).append(m.bytes());
}
}  // namespace

TEST_CASE("command_name validates the length prefix", "[zmtp][commands]") {
    CHECK(command_name({}).empty());
    CHECK(command_name(bytes(b().u8(0).str("READY"))).empty());
    CHECK(command_name(bytes(b().u8(6).str("READY"))).empty());  // runs past the body
    CHECK(command_name(bytes(b().u8(5).str("READY"))) == "READY");
    CHECK(command_name(bytes(b().u8(4).str("PINGxx"))) == "PING");
    CHECK(command_data(bytes(b().u8(4).str("PINGxx"))).size() == 2);
    CHECK_FALSE(is_command(bytes(b().u8(5).str("ready")), "READY"));  // case-sensitive
}

TEST_CASE("PING/PONG match libzmq bytes", "[zmtp][commands]") {
    const message ping = make_ping(50);
    CHECK(ping.is_command());
    CHECK(wire(ping) == bytes(b().u8s({0x04, 0x07, 0x04}).str("PING").u8s({0x00, 0x32})));
    ping_command pc;
    REQUIRE(parse_ping(ping.bytes(), pc));
    CHECK(pc.ttl_ds == 50);
    CHECK(pc.context.empty());

    const bytes ctx = b().str("0123456789abcdefXYZ");  // 19 bytes: cut to 16
    const message ping2 = make_ping(0xBEEF, ctx);
    REQUIRE(parse_ping(ping2.bytes(), pc));
    CHECK(pc.ttl_ds == 0xBEEF);
    CHECK(zmx::test::to_string(pc.context) == "0123456789abcdef");

    const message pong = make_pong(ctx);
    CHECK(wire(pong) == bytes(b().u8s({0x04, 21, 4}).str("PONG0123456789abcdef")));
    std::span<const std::byte> pctx;
    REQUIRE(parse_pong(pong.bytes(), pctx));
    CHECK(pctx.size() == 16);

    // a PING too short for its TTL is malformed; a long context is handed over whole
    CHECK_FALSE(parse_ping(bytes(b().u8(4).str("PING").u8(0)), pc));
    REQUIRE(parse_ping(bytes(b().u8(4).str("PING").u16(1).zeros(40)), pc));
    CHECK(pc.context.size() == 40);
    CHECK_FALSE(parse_ping(pong.bytes(), pc));
}

TEST_CASE("PING TTL conversions: deciseconds to ms without uint16 overflow", "[zmtp][commands][heartbeat]") {
    STATIC_REQUIRE(ping_ttl_ms(0) == 0);
    CHECK(ping_ttl_ms(1) == 100);
    CHECK(ping_ttl_ms(50) == 5000);
    CHECK(ping_ttl_ms(655) == 65500);
    // libzmq computes TTL*100 in uint16: 656 ds would give 64 ms and 65535 ds 65436 ms.
    CHECK(ping_ttl_ms(656) == 65600);
    CHECK(ping_ttl_ms(700) == 70000);
    CHECK(ping_ttl_ms(0xFFFF) == 6553500);
    // From a received PING, through the parser.
    ping_command pc;
    const message ping = make_ping(656);
    REQUIRE(parse_ping(ping.bytes(), pc));
    CHECK(ping_ttl_ms(pc.ttl_ds) == 65600);

    // ZMQ_HEARTBEAT_TTL (ms) to the wire: whole deciseconds, clamped to 16 bits.
    CHECK(ping_ttl_ds(0) == 0);
    CHECK(ping_ttl_ds(-1) == 0);
    CHECK(ping_ttl_ds(99) == 0);
    CHECK(ping_ttl_ds(100) == 1);
    CHECK(ping_ttl_ds(5000) == 50);
    CHECK(ping_ttl_ds(65600) == 656);
    CHECK(ping_ttl_ds(6553500) == 0xFFFF);
    CHECK(ping_ttl_ds(6553599) == 0xFFFF);
    CHECK(ping_ttl_ds(std::int64_t{1} << 40) == 0xFFFF);
    for (std::uint16_t ds : {std::uint16_t{1}, std::uint16_t{655}, std::uint16_t{656}, std::uint16_t{0xFFFF}})
        CHECK(ping_ttl_ds(ping_ttl_ms(ds)) == ds);
    const message wire_ping = make_ping(ping_ttl_ds(5000));
    CHECK(wire(wire_ping) == bytes(b().u8s({0x04, 0x07, 0x04}).str("PING").u8s({0x00, 0x32})));
}

TEST_CASE("SUBSCRIBE/CANCEL/JOIN/LEAVE match libzmq bytes", "[zmtp][commands]") {
    const message sub = make_subscribe(as_bytes("topic"));
    CHECK(wire(sub) == bytes(b().u8s({0x04, 0x0f, 0x09}).str("SUBSCRIBEtopic")));
    std::span<const std::byte> topic;
    REQUIRE(parse_subscribe(sub.bytes(), topic));
    CHECK(zmx::test::to_string(topic) == "topic");
    CHECK_FALSE(parse_cancel(sub.bytes(), topic));

    const message cancel = make_cancel({});
    CHECK(wire(cancel) == bytes(b().u8s({0x04, 0x07, 0x06}).str("CANCEL")));
    REQUIRE(parse_cancel(cancel.bytes(), topic));
    CHECK(topic.empty());

    const message join = make_join("grp");
    CHECK(wire(join) == bytes(b().u8s({0x04, 0x08, 0x04}).str("JOINgrp")));
    std::string_view group;
    REQUIRE(parse_join(join.bytes(), group));
    CHECK(group == "grp");
    const message leave = make_leave("grp");
    CHECK(wire(leave) == bytes(b().u8s({0x04, 0x09, 0x05}).str("LEAVEgrp")));
    REQUIRE(parse_leave(leave.bytes(), group));
    CHECK(group == "grp");
    // a group longer than ZMQ_GROUP_MAX_LENGTH is refused
    const message long_join = make_join(std::string(256, 'g'));
    CHECK_FALSE(parse_join(long_join.bytes(), group));
    CHECK(parse_join(make_join(std::string(255, 'g')).bytes(), group));
}

TEST_CASE("ERROR builder and parser", "[zmtp][commands]") {
    const message err = make_error("400");
    CHECK(wire(err) == bytes(b().u8s({0x04, 0x0a, 0x05}).str("ERROR").u8(3).str("400")));
    std::string reason;
    REQUIRE(parse_error(err.bytes(), reason));
    CHECK(reason == "400");
    const message long_err = make_error(std::string(300, 'r'));
    REQUIRE(parse_error(long_err.bytes(), reason));
    CHECK(reason.size() == 255);
    // reason running past the body / missing length byte
    CHECK_FALSE(parse_error(bytes(b().u8(5).str("ERROR").u8(4).str("400")), reason));
    CHECK_FALSE(parse_error(bytes(b().u8(5).str("ERROR")), reason));
    // trailing bytes after the reason are ignored (libzmq)
    CHECK(parse_error(bytes(b().u8(5).str("ERROR").u8(1).str("xjunk")), reason));
    CHECK(reason == "x");
}

TEST_CASE("READY builder matches libzmq DEALER and PEER", "[zmtp][commands]") {
    const message dealer = make_ready({{"Socket-Type", "DEALER"}, {"Identity", ""}});
    const bytes golden = b().u8s({0x04, 0x29, 0x05})
                             .str("READY")
                             .u8(0x0b)
                             .str("Socket-Type")
                             .u32(6)
                             .str("DEALER")
                             .u8(8)
                             .str("Identity")
                             .u32(0);
    REQUIRE(golden.size() == 43);
    CHECK(wire(dealer) == golden);
    const message peer = make_ready({{"Socket-Type", "PEER"}, {"X-Foo", "bar"}});
    CHECK(wire(peer) ==
          bytes(b().u8s({0x04, 0x27, 0x05}).str("READY").prop("Socket-Type", "PEER").prop("X-Foo", "bar")));
    property_list props;
    REQUIRE(parse_ready(peer.bytes(), props));
    CHECK(props == property_list{{"Socket-Type", "PEER"}, {"X-Foo", "bar"}});
    CHECK_FALSE(parse_ready(bytes(b().u8(5).str("READY").u8(3)), props));
    CHECK_THROWS_AS(make_ready({{"", "x"}}), std::invalid_argument);
    CHECK_THROWS_AS(make_command("", {}), std::invalid_argument);
}

TEST_CASE("command parsers never crash on random bodies", "[zmtp][commands][robustness]") {
    std::mt19937 rng(4242);
    const char* names[] = {"READY", "ERROR", "PING", "PONG", "SUBSCRIBE", "CANCEL", "JOIN", "LEAVE"};
    for (int iter = 0; iter < 4000; ++iter) {
        b body;
        if (iter & 1) {
            const std::string_view n = names[rng() % 8];
            body.u8(static_cast<unsigned>(n.size())).str(n);
        }
        const std::size_t extra = rng() % 40;
        for (std::size_t i = 0; i < extra; ++i) body.u8(rng() % ((iter & 2) ? 256 : 8));
        property_list props;
        std::string reason;
        ping_command pc;
        std::span<const std::byte> rest;
        std::string_view group;
        (void)command_name(body.v);
        (void)command_data(body.v);
        (void)parse_ready(body.v, props);
        (void)parse_error(body.v, reason);
        (void)parse_ping(body.v, pc);
        (void)parse_pong(body.v, rest);
        (void)parse_subscribe(body.v, rest);
        (void)parse_cancel(body.v, rest);
        (void)parse_join(body.v, group);
        (void)parse_leave(body.v, group);
    }
    SUCCEED();
}
