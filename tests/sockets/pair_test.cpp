// PAIR (RFC 31, exclusive pair) over tcp and inproc: one peer at a time, multipart messages passed
// whole, EAGAIN when there is no peer, both directions over tcp.
#include "support.hpp"

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

using namespace zmx::test;

namespace {

// Linger 0: a refused second PAIR must not hold up the context's destruction with its queue.
zmx::socket make_pair(zmx::context& ctx) { return make_quick(ctx, zmx::socket_type::pair); }

// True if nothing arrives on s within ms.
bool nothing_within(zmx::socket& s, int ms = 100) {
    s.set(zmx::sockopt::rcvtimeo, ms);
    zmx::message m;
    const bool got = s.recv(m).has_value();
    s.set(zmx::sockopt::rcvtimeo, timeout_ms);
    if (got) UNSCOPED_INFO("unexpected message: " << m.str());
    return !got;
}

// Binds s on the transport under test and returns the endpoint to connect to.
std::string bind_on(zmx::socket& s, bool tcp) {
    if (tcp) return bind_any(s);
    const std::string ep = unique_inproc("pair-bound");
    s.bind(ep);
    return ep;
}

}  // namespace

TEST_CASE("pair: a second PAIR gets nothing through while the first is attached", "[pair][inproc][tcp]") {
    for (const bool tcp : {false, true}) {
        INFO((tcp ? "tcp" : "inproc"));
        zmx::context ctx;
        zmx::socket binder = make_pair(ctx);
        const std::string ep = bind_on(binder, tcp);
        zmx::socket first = make_pair(ctx);
        first.connect(ep);
        send_ok(first, "first-1");
        REQUIRE(recv_str(binder) == "first-1");  // the first is attached now
        send_ok(binder, "to-first-1");
        REQUIRE(recv_str(first) == "to-first-1");

        zmx::socket second = make_pair(ctx);
        second.connect(ep);
        // Whether the send is accepted into the second's own pipe does not matter: it must not arrive.
        second.send("intruder", zmx::send_flags::dontwait);
        if (tcp) REQUIRE(io_barrier(ctx));  // the second's connection has been made and handled by now

        send_ok(first, "first-2");
        CHECK(recv_str(binder) == "first-2");
        CHECK(nothing_within(binder, 100));

        send_ok(binder, "to-first-2");
        CHECK(recv_str(first) == "to-first-2");
        CHECK(nothing_within(second, 100));

        // The first stays the peer: more traffic still flows between the two.
        for (int i = 0; i < 5; ++i) send_ok(first, "more" + std::to_string(i));
        for (int i = 0; i < 5; ++i) CHECK(recv_str(binder) == "more" + std::to_string(i));
        CHECK(nothing_within(binder, 20));
    }
}

TEST_CASE("pair: multipart messages arrive whole with more() on every part but the last", "[pair][inproc][tcp]") {
    for (const bool tcp : {false, true}) {
        INFO((tcp ? "tcp" : "inproc"));
        zmx::context ctx;
        zmx::socket a = make_pair(ctx);
        const std::string ep = bind_on(a, tcp);
        zmx::socket b = make_pair(ctx);
        b.connect(ep);

        const std::vector<std::string> parts = {"one", "", std::string(300, 'x'), "last"};
        for (std::size_t i = 0; i + 1 < parts.size(); ++i)
            REQUIRE(b.send(parts[i], zmx::send_flags::sndmore).has_value());
        // Nothing is visible before the last part is sent.
        CHECK(nothing_within(a, 50));
        send_ok(b, parts.back());
        for (std::size_t i = 0; i < parts.size(); ++i) {
            INFO("part " << i);
            zmx::message m = recv_msg(a);
            CHECK(m.str() == parts[i]);
            CHECK(m.more() == (i + 1 < parts.size()));
        }
        zmx::message extra;
        CHECK_FALSE(a.recv(extra, zmx::recv_flags::dontwait).has_value());

        // The other way, and two multipart messages back to back keep their boundaries.
        for (int msg = 0; msg < 2; ++msg) {
            REQUIRE(a.send("h" + std::to_string(msg), zmx::send_flags::sndmore).has_value());
            send_ok(a, "t" + std::to_string(msg));
        }
        for (int msg = 0; msg < 2; ++msg) {
            zmx::message h = recv_msg(b);
            CHECK(h.str() == "h" + std::to_string(msg));
            CHECK(h.more());
            zmx::message t = recv_msg(b);
            CHECK(t.str() == "t" + std::to_string(msg));
            CHECK_FALSE(t.more());
        }
    }
}

TEST_CASE("pair: send with no peer returns empty at once with DONTWAIT and after SNDTIMEO otherwise", "[pair]") {
    zmx::context ctx;
    zmx::socket s(ctx, zmx::socket_type::pair);
    s.set(zmx::sockopt::linger, 0);
    CHECK_FALSE(s.send("nobody", zmx::send_flags::dontwait).has_value());

    s.set(zmx::sockopt::sndtimeo, 50);
    const auto start = clock_type::now();
    const auto r = s.send("nobody");
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start);
    CHECK_FALSE(r.has_value());
    INFO("took " << took.count() << " ms");
    CHECK(took >= 45ms);
    CHECK(took < 2000ms);

    // A bound PAIR with no peer yet behaves the same.
    s.bind("tcp://127.0.0.1:*");
    CHECK_FALSE(s.send("nobody", zmx::send_flags::dontwait).has_value());
    CHECK_FALSE(s.send("nobody").has_value());
}

TEST_CASE("pair: tcp in both directions with either side binding", "[pair][tcp]") {
    for (const bool connector_first : {false, true}) {
        INFO("connect before bind: " << connector_first);
        zmx::context ctx;
        zmx::socket binder = make_pair(ctx);
        zmx::socket connector = make_pair(ctx);
        std::string ep;
        if (connector_first) {
            ep = local_ep(free_port());
            connector.connect(ep);
            send_ok(connector, "early");  // queued until the listener exists
            bind_retry(binder, ep);
            CHECK(recv_str(binder) == "early");
        } else {
            ep = bind_any(binder);
            connector.connect(ep);
        }
        for (int round = 0; round < 3; ++round) {
            for (int i = 0; i < 10; ++i) send_ok(connector, "c" + std::to_string(round) + "-" + std::to_string(i));
            for (int i = 0; i < 10; ++i)
                CHECK(recv_str(binder) == "c" + std::to_string(round) + "-" + std::to_string(i));
            for (int i = 0; i < 10; ++i) send_ok(binder, "b" + std::to_string(round) + "-" + std::to_string(i));
            for (int i = 0; i < 10; ++i)
                CHECK(recv_str(connector) == "b" + std::to_string(round) + "-" + std::to_string(i));
        }
        // A large message too.
        const std::string big(1 << 20, 'z');
        send_ok(connector, big);
        CHECK(recv_msg(binder).size() == big.size());
        send_ok(binder, big);
        CHECK(recv_str(connector) == big);
    }
}
