// NULL mechanism state machine: READY out, READY/ERROR in, libzmq's acceptance rules.
#include <catch2/catch.hpp>

#include <cerrno>

#include "mechanisms/null.hpp"
#include "zmtp/commands.hpp"
#include "zmtp_test_util.hpp"

using namespace zmx::detail;
using zmx::message;
using zmx::test::b;
using zmx::test::bytes;
namespace perr = zmx::detail::protocol_errors;

namespace {
bool compat(std::string_view own, std::string_view peer) {
    if (own == "DEALER") return peer == "REP" || peer == "DEALER" || peer == "ROUTER";
    if (own == "ROUTER") return peer == "REQ" || peer == "DEALER" || peer == "ROUTER";
    if (own == "PUSH") return peer == "PULL";
    if (own == "PEER") return peer == "PEER";
    return false;
}

null_mechanism make(std::string type, property_list extra = {}) {
    return null_mechanism(mechanism_config{std::move(type), std::move(extra), compat});
}

message cmd(const bytes& body) {
    message m(body.data(), body.size());
    m.set_flags(message::flag_command);
    return m;
}

bytes ready_body(std::initializer_list<std::pair<std::string_view, std::string_view>> props) {
    b body;
    body.u8(5).str("READY");
    for (auto [k, v] : props) body.prop(k, v);
    return body;
}
}  // namespace

TEST_CASE("NULL: sends libzmq's READY once", "[mechanism][null]") {
    auto m = make("DEALER", {{"Identity", ""}});
    CHECK(m.name() == "NULL");
    CHECK(m.state() == mechanism::status::handshaking);
    message out;
    REQUIRE(m.next_handshake_command(out) == 0);
    CHECK(out.is_command());
    CHECK(zmx::test::to_bytes(out.bytes()) == ready_body({{"Socket-Type", "DEALER"}, {"Identity", ""}}));
    CHECK(out.size() == 41);
    message again;
    CHECK(m.next_handshake_command(again) == EAGAIN);
    CHECK(m.state() == mechanism::status::handshaking);

    auto peer = make("PEER", {{"X-Foo", "bar"}});
    REQUIRE(peer.next_handshake_command(out) == 0);
    CHECK(out.size() == 0x27);
}

TEST_CASE("NULL: accepts a compatible READY and keeps the properties", "[mechanism][null]") {
    auto m = make("ROUTER");
    message out;
    REQUIRE(m.next_handshake_command(out) == 0);
    message in = cmd(ready_body({{"Socket-Type", "DEALER"}, {"Identity", "ABC"}, {"X-Foo", "bar"}}));
    REQUIRE(m.process_handshake_command(in) == 0);
    CHECK(m.state() == mechanism::status::ready);
    CHECK(m.peer_properties() == property_list{{"Socket-Type", "DEALER"}, {"Identity", "ABC"}, {"X-Foo", "bar"}});
    CHECK(m.protocol_error() == 0);
    CHECK(m.encode(out) == 0);
    CHECK(m.decode(out) == 0);
}

TEST_CASE("NULL: READY received before READY sent", "[mechanism][null]") {
    auto m = make("PUSH");
    message in = cmd(ready_body({{"Socket-Type", "PULL"}}));
    REQUIRE(m.process_handshake_command(in) == 0);
    CHECK(m.state() == mechanism::status::handshaking);
    message out;
    REQUIRE(m.next_handshake_command(out) == 0);
    CHECK(m.state() == mechanism::status::ready);
}

TEST_CASE("NULL: libzmq's lenient metadata rules", "[mechanism][null]") {
    message out;
    SECTION("missing Socket-Type is accepted") {
        auto m = make("PUSH");
        m.next_handshake_command(out);
        message in = cmd(ready_body({}));
        CHECK(m.process_handshake_command(in) == 0);
        CHECK(m.state() == mechanism::status::ready);
    }
    SECTION("names are case-sensitive: socket-type is just a property") {
        auto m = make("PUSH");
        m.next_handshake_command(out);
        message in = cmd(ready_body({{"socket-type", "PUSH"}}));
        CHECK(m.process_handshake_command(in) == 0);
        CHECK(m.peer_properties().at(0).first == "socket-type");
    }
    SECTION("no compatibility callback accepts anything") {
        null_mechanism m(mechanism_config{"PUSH", {}, {}});
        message in = cmd(ready_body({{"Socket-Type", "PUSH"}}));
        CHECK(m.process_handshake_command(in) == 0);
    }
}

TEST_CASE("NULL: failures", "[mechanism][null]") {
    message out;
    auto m = make("PUSH");
    REQUIRE(m.next_handshake_command(out) == 0);
    SECTION("incompatible Socket-Type") {
        message in = cmd(ready_body({{"Socket-Type", "PUSH"}}));
        CHECK(m.process_handshake_command(in) == EPROTO);
        CHECK(m.protocol_error() == perr::zmtp_invalid_metadata);
        CHECK(m.state() == mechanism::status::error);
        CHECK_FALSE(m.failure_reason().empty());
    }
    SECTION("Socket-Type compared exactly") {
        message in = cmd(ready_body({{"Socket-Type", "pull"}}));
        CHECK(m.process_handshake_command(in) == EPROTO);
    }
    SECTION("malformed metadata") {
        message in = cmd(b().u8(5).str("READY").u8(11).str("Socket-Type").u32(100).str("PULL"));
        CHECK(m.process_handshake_command(in) == EPROTO);
        CHECK(m.protocol_error() == perr::zmtp_invalid_metadata);
    }
    SECTION("second READY") {
        message in = cmd(ready_body({{"Socket-Type", "PULL"}}));
        REQUIRE(m.process_handshake_command(in) == 0);
        message in2 = cmd(ready_body({{"Socket-Type", "PULL"}}));
        CHECK(m.process_handshake_command(in2) == EPROTO);
        CHECK(m.protocol_error() == perr::zmtp_unexpected_command);
        CHECK(m.state() == mechanism::status::error);
    }
    SECTION("ERROR with a ZAP status") {
        message in = zmx::detail::zmtp::make_error("400");
        CHECK(m.process_handshake_command(in) == EPROTO);
        CHECK(m.state() == mechanism::status::error);
        CHECK(m.peer_error_reason() == "400");
        CHECK(m.auth_status() == 400);
    }
    SECTION("ERROR with another reason") {
        message in = zmx::detail::zmtp::make_error("go away");
        CHECK(m.process_handshake_command(in) == EPROTO);
        CHECK(m.peer_error_reason() == "go away");
        CHECK(m.auth_status() == 0);
    }
    SECTION("malformed ERROR") {
        message in = cmd(b().u8(5).str("ERROR").u8(9).str("40"));
        CHECK(m.process_handshake_command(in) == EPROTO);
        CHECK(m.protocol_error() == perr::zmtp_malformed_command_error);
    }
    SECTION("other commands") {
        message in = zmx::detail::zmtp::make_ping(10);
        CHECK(m.process_handshake_command(in) == EPROTO);
        CHECK(m.protocol_error() == perr::zmtp_unexpected_command);
    }
    SECTION("empty and garbage bodies") {
        message empty;
        CHECK(m.process_handshake_command(empty) == EPROTO);
        CHECK(m.protocol_error() == perr::zmtp_unexpected_command);
    }
    message later;
    CHECK(m.next_handshake_command(later) != 0);
}

TEST_CASE("NULL: invalid local properties are refused, not sent", "[mechanism][null]") {
    auto m = make("PUSH", {{std::string(256, 'x'), "v"}});
    message out;
    CHECK(m.next_handshake_command(out) == EINVAL);
    CHECK(m.state() == mechanism::status::error);
}
