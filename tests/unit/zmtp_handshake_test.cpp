// ZMTP handshake: greeting validation, NULL exchange, byte-exact stop, libzmq's staged greeting.
#include <catch2/catch.hpp>

#include <cerrno>
#include <random>

#include "mechanisms/null.hpp"
#include "zmtp/commands.hpp"
#include "zmtp/handshake.hpp"
#include "zmtp_test_util.hpp"

using namespace zmx::detail;
using namespace zmx::detail::zmtp;
using zmx::message;
using zmx::test::b;
using zmx::test::bytes;
namespace perr = zmx::detail::protocol_errors;
using hs_state = handshake::state;

namespace {
bool compat(std::string_view own, std::string_view peer) {
    if (own == "DEALER") return peer == "REP" || peer == "DEALER" || peer == "ROUTER";
    if (own == "ROUTER") return peer == "REQ" || peer == "DEALER" || peer == "ROUTER";
    if (own == "PUSH") return peer == "PULL";
    if (own == "PULL") return peer == "PUSH";
    return false;
}

std::unique_ptr<handshake> make(std::string type, property_list extra = {}, std::int64_t max = -1) {
    auto mech = std::make_unique<null_mechanism>(mechanism_config{std::move(type), std::move(extra), compat});
    return std::make_unique<handshake>(std::move(mech), max);
}

bytes take_output(handshake& h) {
    bytes out = zmx::test::to_bytes(h.output());
    h.consume_output(out.size());
    return out;
}

const bytes libzmq_dealer_ready = b().u8s({0x04, 0x29, 0x05})
                                      .str("READY")
                                      .u8(0x0b)
                                      .str("Socket-Type")
                                      .u32(6)
                                      .str("DEALER")
                                      .u8(8)
                                      .str("Identity")
                                      .u32(0);

// Moves bytes both ways in random-sized chunks until neither side has anything left to say.
// Bytes a side did not consume stay queued for it (traffic after the handshake).
void drive(handshake& a, handshake& z, std::mt19937& rng, bytes& a_left, bytes& z_left) {
    bytes to_a, to_z;
    for (int round = 0; round < 10000; ++round) {
        bool progress = false;
        for (auto [from, to, buf] : {std::tuple{&a, &z, &to_z}, std::tuple{&z, &a, &to_a}}) {
            auto out = from->output();
            if (!out.empty()) {
                const std::size_t n = std::min<std::size_t>(out.size(), 1 + rng() % 20);
                buf->insert(buf->end(), out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n));
                from->consume_output(n);
                progress = true;
            }
            if (!buf->empty() && to->status() == hs_state::in_progress) {
                const std::size_t n = std::min<std::size_t>(buf->size(), 1 + rng() % 30);
                const std::size_t used = to->input({buf->data(), n});
                REQUIRE(used <= n);
                buf->erase(buf->begin(), buf->begin() + static_cast<std::ptrdiff_t>(used));
                progress = progress || used > 0;
            }
        }
        if (!progress) break;
    }
    a_left = to_a;
    z_left = to_z;
}
}  // namespace

TEST_CASE("handshake: greeting is 64 bytes, sent at once", "[zmtp][handshake]") {
    auto h = make("DEALER");
    const bytes expected = b().u8s({0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 3, 1}).str("NULL").zeros(16).u8(0).zeros(31);
    REQUIRE(expected.size() == 64);
    CHECK(zmx::test::to_bytes(h->output()) == expected);
    CHECK(expected == zmx::test::zmtp_greeting());
    h->consume_output(10);
    CHECK(h->output().size() == 54);
    h->consume_output(54);
    CHECK(h->output().empty());
    CHECK(h->status() == hs_state::in_progress);
}

TEST_CASE("handshake: two zmx peers in memory, random chunking", "[zmtp][handshake]") {
    for (unsigned seed = 1; seed <= 40; ++seed) {
        std::mt19937 rng(seed);
        auto dealer = make("DEALER", {{"Identity", "D1"}, {"X-Name", "left"}});
        auto router = make("ROUTER", {{"Identity", ""}});
        bytes to_dealer, to_router;
        drive(*dealer, *router, rng, to_dealer, to_router);
        REQUIRE(dealer->status() == hs_state::done);
        REQUIRE(router->status() == hs_state::done);
        CHECK(to_dealer.empty());
        CHECK(to_router.empty());
        CHECK(dealer->output().empty());
        CHECK(router->output().empty());
        CHECK(router->peer_properties() ==
              property_list{{"Socket-Type", "DEALER"}, {"Identity", "D1"}, {"X-Name", "left"}});
        CHECK(dealer->peer_properties() == property_list{{"Socket-Type", "ROUTER"}, {"Identity", ""}});
        CHECK(dealer->peer_minor() == 1);
        CHECK(dealer->peer_major() == 3);
        auto mech = dealer->release_mechanism();
        REQUIRE(mech);
        CHECK(mech->state() == mechanism::status::ready);
        CHECK(mech->name() == "NULL");
    }
}

TEST_CASE("handshake: incompatible socket types fail on both sides", "[zmtp][handshake]") {
    std::mt19937 rng(99);
    auto a = make("PUSH");
    auto z = make("PUSH");
    bytes la, lz;
    drive(*a, *z, rng, la, lz);
    for (handshake* h : {a.get(), z.get()}) {
        CHECK(h->status() == hs_state::failed);
        CHECK(h->error() == EPROTO);
        CHECK(h->protocol_error() == perr::zmtp_invalid_metadata);
        CHECK_FALSE(h->reason().empty());
        CHECK(h->input(bytes(b().u8(0))) == 0);
    }
}

TEST_CASE("handshake: mechanism mismatch", "[zmtp][handshake]") {
    auto h = make("PULL");
    const bytes g = zmx::test::zmtp_greeting("PLAIN");
    CHECK(h->input(g) <= g.size());
    CHECK(h->status() == hs_state::failed);
    CHECK(h->protocol_error() == perr::zmtp_mechanism_mismatch);
    CHECK(h->error() == EPROTO);
    // compared over all 20 bytes: "NULL" followed by garbage padding is a mismatch too
    auto h2 = make("PULL");
    bytes g2 = zmx::test::zmtp_greeting();
    g2[12 + 19] = std::byte{'x'};
    h2->input(g2);
    CHECK(h2->protocol_error() == perr::zmtp_mechanism_mismatch);
}

TEST_CASE("handshake: libzmq staged greeting (10, 1, 53) then READY", "[zmtp][handshake]") {
    auto h = make("PULL");
    const bytes g = zmx::test::zmtp_greeting();
    // our whole greeting is ready before we hear anything: libzmq needs >= 11 bytes to proceed
    CHECK(h->output().size() == 64);
    take_output(*h);
    CHECK(h->input({g.data(), 10}) == 10);
    CHECK(h->input({g.data() + 10, 1}) == 1);
    CHECK(h->output().empty());
    CHECK(h->input({g.data() + 11, 53}) == 53);
    // greeting complete: our READY goes out without waiting for theirs
    const bytes ready = take_output(*h);
    CHECK(ready == bytes(b().u8s({0x04, 0x1a, 0x05}).str("READY").prop("Socket-Type", "PULL")));
    CHECK(h->status() == hs_state::in_progress);
    const bytes peer_ready = b().u8s({0x04, 0x1a, 0x05}).str("READY").prop("Socket-Type", "PUSH");
    CHECK(h->input(peer_ready) == peer_ready.size());
    CHECK(h->status() == hs_state::done);
    CHECK(h->peer_properties() == property_list{{"Socket-Type", "PUSH"}});
}

TEST_CASE("handshake: everything at once, traffic left unconsumed", "[zmtp][handshake]") {
    auto h = make("ROUTER", {{"Identity", ""}});
    const bytes traffic = b().u8s({0x01, 0x00}).u8s({0x00, 0x05}).str("hello");
    const bytes all = b().append(zmx::test::zmtp_greeting()).append(libzmq_dealer_ready).append(traffic);
    const std::size_t used = h->input(all);
    CHECK(used == 64 + 43);
    REQUIRE(h->status() == hs_state::done);
    CHECK(h->peer_properties() == property_list{{"Socket-Type", "DEALER"}, {"Identity", ""}});
    // our greeting and READY are still waiting to be written
    CHECK(h->output().size() == 64 + 2 + 35 + 6);
    // the leftover decodes as traffic
    frame_decoder d;
    std::span<const std::byte> rest(all.data() + used, all.size() - used);
    message m;
    REQUIRE(d.decode(rest, m) == frame_decoder::result::frame);
    CHECK(m.more());
    REQUIRE(d.decode(rest, m) == frame_decoder::result::frame);
    CHECK(m.str() == "hello");
    CHECK(h->input(traffic) == 0);
}

TEST_CASE("handshake: byte at a time stops exactly at the end", "[zmtp][handshake]") {
    auto h = make("DEALER");
    const bytes all = b().append(zmx::test::zmtp_greeting("NULL", 3, 0)).append(libzmq_dealer_ready).u8s({0, 0});
    std::size_t i = 0;
    for (; i < all.size() && h->status() == hs_state::in_progress; ++i) REQUIRE(h->input({&all[i], 1}) == 1);
    CHECK(i == 64 + 43);
    CHECK(h->status() == hs_state::done);
    CHECK(h->peer_minor() == 0);  // ZMTP 3.0 peer
}

TEST_CASE("handshake: versions", "[zmtp][handshake]") {
    SECTION("unversioned peer fails at the first byte") {
        auto h = make("DEALER");
        CHECK(h->input(bytes(b().u8s({0x01, 0x00}))) >= 1);
        CHECK(h->status() == hs_state::failed);
        CHECK(h->error() == EPROTO);
    }
    SECTION("ZMTP 1.0 (byte 9 bit 0 clear) fails after 10 bytes") {
        auto h = make("DEALER");
        const bytes g = b().u8s({0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7E});
        h->input({g.data(), 9});
        CHECK(h->status() == hs_state::in_progress);
        h->input({g.data() + 9, 1});
        CHECK(h->status() == hs_state::failed);
    }
    SECTION("ZMTP 2.0 (revision 1) fails without waiting for 64 bytes") {
        auto h = make("DEALER");
        h->input(bytes(b().u8s({0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 0x01, 0x05})));
        CHECK(h->status() == hs_state::failed);
        CHECK(h->reason().find("2.0") != std::string::npos);
    }
    SECTION("revision 0 is ZMTP 1.0") {
        auto h = make("DEALER");
        h->input(bytes(b().u8s({0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 0x00})));
        CHECK(h->status() == hs_state::failed);
    }
    SECTION("newer majors count as 3.1; as-server and filler ignored") {
        auto h = make("DEALER");
        bytes g = zmx::test::zmtp_greeting("NULL", 4, 0);
        g[32] = std::byte{1};
        g[40] = std::byte{0xEE};
        g[3] = std::byte{0x55};  // padding ignored
        h->input(g);
        CHECK(h->status() == hs_state::in_progress);
        CHECK(h->peer_major() == 4);
        CHECK(h->peer_minor() == 1);
    }
}

TEST_CASE("handshake: peer errors", "[zmtp][handshake]") {
    auto h = make("DEALER");
    h->input(zmx::test::zmtp_greeting());
    SECTION("ERROR 400") {
        const message err = make_error("400");
        const bytes wire = b().u8s({0x04, static_cast<unsigned>(err.size())}).append(err.bytes());
        h->input(wire);
        CHECK(h->status() == hs_state::failed);
        CHECK(h->auth_status() == 400);
        CHECK(h->error() == EPROTO);
    }
    SECTION("unexpected command") {
        h->input(bytes(b().u8s({0x04, 0x07, 0x04}).str("PING").u16(50)));
        CHECK(h->status() == hs_state::failed);
        CHECK(h->protocol_error() == perr::zmtp_unexpected_command);
    }
    SECTION("frame over maxmsgsize") {
        auto small = make("DEALER", {}, 16);
        small->input(zmx::test::zmtp_greeting());
        small->input(libzmq_dealer_ready);
        CHECK(small->status() == hs_state::failed);
        CHECK(small->error() == EMSGSIZE);
    }
}

TEST_CASE("handshake: random and mutated input never crashes", "[zmtp][handshake][robustness]") {
    std::mt19937 rng(2024);
    const bytes good = b().append(zmx::test::zmtp_greeting()).append(libzmq_dealer_ready).u8s({0, 1}).str("x");
    int done = 0, failed = 0;
    for (int iter = 0; iter < 4000; ++iter) {
        bytes data;
        switch (iter % 3) {
            case 0:  // pure noise
                data.resize(rng() % 200);
                for (auto& x : data) x = std::byte(rng() & 0xFF);
                break;
            case 1:  // valid greeting, then noise
                data = zmx::test::zmtp_greeting();
                for (std::size_t i = rng() % 200; i > 0; --i) data.push_back(std::byte(rng() % 16));
                break;
            default:  // a valid stream with a few bytes flipped
                data = good;
                for (int k = 0; k < 3; ++k) data[rng() % data.size()] = std::byte(rng() & 0xFF);
        }
        auto h = make("ROUTER", {}, 1 << 16);
        std::span<const std::byte> in(data);
        while (!in.empty() && h->status() == hs_state::in_progress) {
            const std::size_t n = std::min<std::size_t>(in.size(), 1 + rng() % 40);
            const std::size_t used = h->input(in.first(n));
            REQUIRE(used <= n);
            in = in.subspan(used);
            h->consume_output(rng() % 50);
            if (used < n) break;
        }
        done += h->status() == hs_state::done;
        failed += h->status() == hs_state::failed;
        if (h->status() == hs_state::failed) CHECK(h->protocol_error() != 0);
    }
    CHECK(done > 0);
    CHECK(failed > 0);
}
