// PEER (RFC 51) over tcp: connect_peer ids known before the link exists, per-id routing, ids that
// survive reconnects, connect_peer's error codes, single-part rule, received metadata, large messages.
#include "support.hpp"

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

using namespace zmx::test;

namespace {

zmx::socket make_peer(zmx::context& ctx) {
    zmx::socket s(ctx, zmx::socket_type::peer);
    set_timeouts(s);
    return s;
}

}  // namespace

TEST_CASE("peer: connect_peer returns an id before any listener exists and queued messages arrive in order",
          "[peer][tcp]") {
    zmx::context ctx;
    const int port = free_port();
    const std::string ep = local_ep(port);

    zmx::socket a = make_peer(ctx);
    const std::uint32_t id = a.connect_peer(ep);
    REQUIRE(id != 0);
    send_to_ok(a, id, "one");
    send_to_ok(a, id, "two");
    send_to_ok(a, id, "three");

    zmx::socket b = make_peer(ctx);
    bind_retry(b, ep);

    zmx::message m1 = recv_msg(b);
    zmx::message m2 = recv_msg(b);
    zmx::message m3 = recv_msg(b);
    CHECK(m1.str() == "one");
    CHECK(m2.str() == "two");
    CHECK(m3.str() == "three");
    const std::uint32_t from = m1.routing_id();
    CHECK(from != 0);
    CHECK(m2.routing_id() == from);
    CHECK(m3.routing_id() == from);

    send_to_ok(b, from, "r1");
    send_to_ok(b, from, "r2");
    zmx::message r1 = recv_msg(a);
    zmx::message r2 = recv_msg(a);
    CHECK(r1.str() == "r1");
    CHECK(r2.str() == "r2");
    CHECK(r1.routing_id() == id);
    CHECK(r2.routing_id() == id);
}

TEST_CASE("peer: two connect_peer calls give distinct ids that route separately", "[peer][tcp]") {
    zmx::context ctx;
    zmx::socket b1 = make_peer(ctx);
    zmx::socket b2 = make_peer(ctx);
    const std::string ep1 = bind_any(b1);
    const std::string ep2 = bind_any(b2);

    zmx::socket a = make_peer(ctx);
    const std::uint32_t id1 = a.connect_peer(ep1);
    const std::uint32_t id2 = a.connect_peer(ep2);
    REQUIRE(id1 != 0);
    REQUIRE(id2 != 0);
    REQUIRE(id1 != id2);

    for (int i = 0; i < 5; ++i) {
        send_to_ok(a, id1, "to-b1-" + std::to_string(i));
        send_to_ok(a, id2, "to-b2-" + std::to_string(i));
    }
    std::uint32_t b1_sees = 0;
    std::uint32_t b2_sees = 0;
    for (int i = 0; i < 5; ++i) {
        zmx::message m = recv_msg(b1);
        CHECK(m.str() == "to-b1-" + std::to_string(i));
        if (i == 0) b1_sees = m.routing_id();
        CHECK(m.routing_id() == b1_sees);
        zmx::message n = recv_msg(b2);
        CHECK(n.str() == "to-b2-" + std::to_string(i));
        if (i == 0) b2_sees = n.routing_id();
        CHECK(n.routing_id() == b2_sees);
    }
    zmx::message extra;
    CHECK_FALSE(b1.recv(extra, zmx::recv_flags::dontwait).has_value());
    CHECK_FALSE(b2.recv(extra, zmx::recv_flags::dontwait).has_value());

    send_to_ok(b1, b1_sees, "from-b1");
    send_to_ok(b2, b2_sees, "from-b2");
    std::set<std::pair<std::uint32_t, std::string>> got;
    for (int i = 0; i < 2; ++i) {
        zmx::message m = recv_msg(a);
        got.emplace(m.routing_id(), std::string(m.str()));
    }
    CHECK(got == std::set<std::pair<std::uint32_t, std::string>>{{id1, "from-b1"}, {id2, "from-b2"}});
}

TEST_CASE("peer: sending to an unknown routing id fails with EHOSTUNREACH", "[peer]") {
    zmx::context ctx;
    zmx::socket a = make_peer(ctx);
    CHECK(error_of([&] { a.send_to(12345, "x"); }) == EHOSTUNREACH);
    CHECK(error_of([&] { a.send_to(0, "x"); }) == EHOSTUNREACH);
    CHECK(error_of([&] { a.send("no id"); }) == EHOSTUNREACH);

    // A live id works, and a made-up one next to it still does not.
    zmx::socket b = make_peer(ctx);
    const std::uint32_t id = a.connect_peer(bind_any(b));
    send_to_ok(a, id, "hi");
    CHECK(recv_str(b) == "hi");
    CHECK(error_of([&] { a.send_to(id + 1, "x"); }) == EHOSTUNREACH);
}

TEST_CASE("peer: multipart sends (SNDMORE) are rejected with EINVAL", "[peer]") {
    zmx::context ctx;
    zmx::socket b = make_peer(ctx);
    zmx::socket a = make_peer(ctx);
    const std::uint32_t id = a.connect_peer(bind_any(b));
    CHECK(error_of([&] { a.send_to(id, "part", zmx::send_flags::sndmore); }) == EINVAL);
    CHECK(error_of([&] { a.send_to(id, "part", zmx::send_flags::sndmore | zmx::send_flags::dontwait); }) == EINVAL);
    // Nothing of the rejected frames leaks out: the next single-part message is the first to arrive.
    send_to_ok(a, id, "whole");
    CHECK(recv_str(b) == "whole");
    zmx::message extra;
    CHECK_FALSE(b.recv(extra, zmx::recv_flags::dontwait).has_value());
}

TEST_CASE("peer: connect_peer on SERVER and CLIENT sockets fails with ENOTSUP", "[peer]") {
    zmx::context ctx;
    zmx::socket server(ctx, zmx::socket_type::server);
    zmx::socket client(ctx, zmx::socket_type::client);
    CHECK(error_of([&] { server.connect_peer("tcp://127.0.0.1:5555"); }) == ENOTSUP);
    CHECK(error_of([&] { client.connect_peer("tcp://127.0.0.1:5555"); }) == ENOTSUP);
}

TEST_CASE("peer: connect_peer with ZMQ_IMMEDIATE set fails with EFAULT", "[peer]") {
    zmx::context ctx;
    zmx::socket a = make_peer(ctx);
    a.set(zmx::sockopt::immediate, 1);
    CHECK(error_of([&] { a.connect_peer("tcp://127.0.0.1:5555"); }) == EFAULT);
    a.set(zmx::sockopt::immediate, 0);
    zmx::socket b = make_peer(ctx);
    CHECK(a.connect_peer(bind_any(b)) != 0);
}

TEST_CASE("peer: connect_peer endpoint errors EINVAL EPROTONOSUPPORT ENOCOMPATPROTO", "[peer]") {
    zmx::context ctx;
    zmx::socket a = make_peer(ctx);
    a.set(zmx::sockopt::linger, 0);
    CHECK(error_of([&] { a.connect_peer("tcp://127.0.0.1"); }) == EINVAL);
    CHECK(error_of([&] { a.connect_peer("nonsense"); }) == EINVAL);
    CHECK(error_of([&] { a.connect_peer("tcp://"); }) == EINVAL);
    CHECK(error_of([&] { a.connect_peer("tcp://127.0.0.1:notaport"); }) == EINVAL);
    // tipc is a libzmq transport that zmx does not build; foo is no transport at all.
    CHECK(error_of([&] { a.connect_peer("tipc://x"); }) == EPROTONOSUPPORT);
    CHECK(error_of([&] { a.connect_peer("foo://x"); }) == EPROTONOSUPPORT);
    CHECK(error_of([&] { a.connect_peer("udp://127.0.0.1:5555"); }) == zmx::enocompatproto);
    // Failed calls leave the socket usable.
    zmx::socket b = make_peer(ctx);
    const std::uint32_t id = a.connect_peer(bind_any(b));
    REQUIRE(id != 0);
    send_to_ok(a, id, "still works");
    CHECK(recv_str(b) == "still works");
}

TEST_CASE("peer: a connect_peer id survives a reconnect to a new listener on the same port", "[peer][tcp]") {
    zmx::context ctx;
    const std::string ep = local_ep(free_port());

    auto b1 = std::make_unique<zmx::socket>(make_peer(ctx));
    bind_retry(*b1, ep);
    zmx::socket a = make_peer(ctx);
    a.set(zmx::sockopt::linger, 0);
    const std::uint32_t id = a.connect_peer(ep);
    REQUIRE(id != 0);
    send_to_ok(a, id, "before");
    zmx::message m = recv_msg(*b1);
    CHECK(m.str() == "before");
    send_to_ok(*b1, m.routing_id(), "reply-before");
    zmx::message r = recv_msg(a);
    CHECK(r.str() == "reply-before");
    CHECK(r.routing_id() == id);

    b1->close();
    b1.reset();

    zmx::socket b2 = make_peer(ctx);
    bind_retry(b2, ep);
    // A message written into the old connection before `a` noticed it died may be lost (as in libzmq),
    // so keep sending to the same id until one reaches the new listener.
    b2.set(zmx::sockopt::rcvtimeo, 100);
    std::optional<std::uint32_t> b2_sees;
    std::string first;
    const bool arrived = wait_until([&] {
        send_to_ok(a, id, "after");
        zmx::message x;
        if (!b2.recv(x).has_value()) return false;
        b2_sees = x.routing_id();
        first = std::string(x.str());
        return true;
    });
    REQUIRE(arrived);
    CHECK(first == "after");
    REQUIRE(b2_sees.has_value());
    CHECK(*b2_sees != 0);

    send_to_ok(b2, *b2_sees, "reply-after");
    zmx::message reply = recv_msg(a);
    CHECK(reply.str() == "reply-after");
    CHECK(reply.routing_id() == id);

    // The link is up for good now: further messages arrive in order.
    b2.set(zmx::sockopt::rcvtimeo, timeout_ms);
    send_to_ok(a, id, "seq-0");
    send_to_ok(a, id, "seq-1");
    std::vector<std::string> seen;
    wait_until([&] {
        std::string s = recv_str(b2);
        if (s != "after") seen.push_back(s);
        return seen.size() == 2;
    });
    CHECK(seen == std::vector<std::string>{"seq-0", "seq-1"});
}

TEST_CASE("peer: the binding side gives each connection one non-zero routing id", "[peer][tcp]") {
    zmx::context ctx;
    zmx::socket b = make_peer(ctx);
    const std::string ep = bind_any(b);
    zmx::socket c1 = make_peer(ctx);
    zmx::socket c2 = make_peer(ctx);
    const std::uint32_t to1 = c1.connect_peer(ep);
    const std::uint32_t to2 = c2.connect_peer(ep);

    for (int i = 0; i < 3; ++i) {
        send_to_ok(c1, to1, "c1");
        send_to_ok(c2, to2, "c2");
    }
    std::set<std::uint32_t> ids_c1;
    std::set<std::uint32_t> ids_c2;
    for (int i = 0; i < 6; ++i) {
        zmx::message m = recv_msg(b);
        CHECK(m.routing_id() != 0);
        (m.str() == "c1" ? ids_c1 : ids_c2).insert(m.routing_id());
    }
    REQUIRE(ids_c1.size() == 1);
    REQUIRE(ids_c2.size() == 1);
    CHECK(*ids_c1.begin() != *ids_c2.begin());

    // Replies to those ids reach the right connector.
    send_to_ok(b, *ids_c1.begin(), "for-c1");
    send_to_ok(b, *ids_c2.begin(), "for-c2");
    CHECK(recv_str(c1) == "for-c1");
    CHECK(recv_str(c2) == "for-c2");
}

TEST_CASE("peer: received messages carry Socket-Type and Peer-Address metadata", "[peer][tcp]") {
    zmx::context ctx;
    zmx::socket b = make_peer(ctx);
    zmx::socket a = make_peer(ctx);
    const std::uint32_t id = a.connect_peer(bind_any(b));
    send_to_ok(a, id, "meta");
    zmx::message m = recv_msg(b);
    REQUIRE(m.property("Socket-Type") != nullptr);
    CHECK(std::string(m.property("Socket-Type")) == "PEER");
    REQUIRE(m.property("Peer-Address") != nullptr);
    CHECK(std::string(m.property("Peer-Address")) == "127.0.0.1");
    CHECK(m.property("No-Such-Property") == nullptr);

    // The connector sees the binder's metadata too.
    send_to_ok(b, m.routing_id(), "back");
    zmx::message r = recv_msg(a);
    REQUIRE(r.property("Socket-Type") != nullptr);
    CHECK(std::string(r.property("Socket-Type")) == "PEER");
    REQUIRE(r.property("Peer-Address") != nullptr);
    CHECK(std::string(r.property("Peer-Address")) == "127.0.0.1");
}

TEST_CASE("peer: messages from 0 B to 8 MiB round-trip intact over tcp", "[peer][tcp]") {
    zmx::context ctx;
    zmx::socket b = make_peer(ctx);
    zmx::socket a = make_peer(ctx);
    const std::uint32_t id = a.connect_peer(bind_any(b));

    const std::size_t sizes[] = {0, 1, 40, 41, 255, 256, 64 * 1024, 1024 * 1024, 8 * 1024 * 1024};
    for (const std::size_t size : sizes) {
        INFO("size " << size);
        std::vector<std::uint8_t> data(size);
        for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<std::uint8_t>((i * 7 + size + i / 251) & 0xFF);

        zmx::message out(data.data(), data.size());
        out.set_routing_id(id);
        REQUIRE(a.send(out).has_value());

        zmx::message in = recv_msg(b);
        REQUIRE(in.size() == size);
        CHECK((size == 0 || std::memcmp(in.data(), data.data(), size) == 0));

        // Echo the received message itself back: it still carries the sender's routing id.
        REQUIRE(b.send(in).has_value());
        zmx::message echo = recv_msg(a);
        CHECK(echo.routing_id() == id);
        REQUIRE(echo.size() == size);
        CHECK((size == 0 || std::memcmp(echo.data(), data.data(), size) == 0));
    }
}

TEST_CASE("peer: once a connector closes the binder's id for it becomes unreachable", "[peer][tcp]") {
    zmx::context ctx;
    zmx::socket b = make_peer(ctx);
    const std::string ep = bind_any(b);
    auto a = std::make_unique<zmx::socket>(make_peer(ctx));
    const std::uint32_t id = a->connect_peer(ep);
    send_to_ok(*a, id, "hi");
    zmx::message m = recv_msg(b);
    const std::uint32_t back = m.routing_id();
    send_to_ok(b, back, "hello");
    CHECK(recv_str(*a) == "hello");

    a->close();
    a.reset();
    CHECK(wait_until(
        [&] { return error_of([&] { b.send_to(back, "gone?", zmx::send_flags::dontwait); }) == EHOSTUNREACH; }));
}
