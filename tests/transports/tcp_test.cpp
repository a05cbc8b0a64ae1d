// tcp:// transport: wildcard binds and ZMQ_LAST_ENDPOINT, EADDRINUSE, IPv6 loopback, host names,
// unbind/disconnect, and bad input from raw TCP peers (garbage, incompatible Socket-Type, oversized
// frames), which must close only that one connection.
#include "../sockets/support.hpp"

#include <algorithm>
#include <cstdint>
#include <string>

using namespace zmx::test;

namespace {

zmx::socket make(zmx::context& ctx, zmx::socket_type t) {
    zmx::socket s(ctx, t);
    set_timeouts(s);
    return s;
}

// A CLIENT/SERVER round trip proving the server still serves well-behaved clients.
void check_round_trip(zmx::socket& client, zmx::socket& server, const std::string& text) {
    send_ok(client, text);
    zmx::message m = recv_msg(server);
    CHECK(m.str() == text);
    send_to_ok(server, m.routing_id(), "re: " + text);
    CHECK(recv_str(client) == "re: " + text);
}

// Reads a zmx greeting (sent at once on accept, before anything arrives from the peer).
bool read_greeting(raw_client& raw) {
    auto g = raw.read_exact(64);
    return g && (*g)[0] == 0xFF && (*g)[9] == 0x7F && (*g)[10] == 3 && (*g)[11] == 1;
}

// Reads the server's greeting and its READY command; returns false if either is missing or wrong.
bool read_server_handshake(raw_client& raw) {
    auto greeting = raw.read_exact(64);
    if (!greeting || (*greeting)[0] != 0xFF || (*greeting)[9] != 0x7F || (*greeting)[10] != 3) return false;
    auto ready = raw.read_frame();
    if (!ready || (ready->first & 0x04) == 0) return false;
    const bytes& b = ready->second;
    return b.size() >= 6 && b[0] == 5 && std::string(b.begin() + 1, b.begin() + 6) == "READY";
}

}  // namespace

TEST_CASE("tcp: bind to 127.0.0.1:* reports the real port in last_endpoint", "[tcp]") {
    zmx::context ctx;
    zmx::socket s(ctx, zmx::socket_type::server);
    s.bind("tcp://127.0.0.1:*");
    const std::string ep = s.get(zmx::sockopt::last_endpoint);
    CHECK(ep.rfind("tcp://127.0.0.1:", 0) == 0);
    const int port = port_of(ep);
    CHECK(port > 0);
    CHECK(port <= 65535);
    CHECK(ep == local_ep(port));
    // The port really is listening.
    raw_client probe(port);
    CHECK(read_greeting(probe));
}

TEST_CASE("tcp: bind to *:* reports tcp://0.0.0.0:<port> and accepts loopback connections", "[tcp]") {
    zmx::context ctx;
    zmx::socket server = make(ctx, zmx::socket_type::server);
    server.bind("tcp://*:*");
    const std::string ep = server.get(zmx::sockopt::last_endpoint);
    CHECK(ep.rfind("tcp://0.0.0.0:", 0) == 0);
    const int port = port_of(ep);
    REQUIRE(port > 0);
    zmx::socket client = make(ctx, zmx::socket_type::client);
    client.connect(local_ep(port));
    check_round_trip(client, server, "wildcard");
}

TEST_CASE("tcp: binding an endpoint that is already bound fails with EADDRINUSE", "[tcp]") {
    zmx::context ctx;
    zmx::socket a(ctx, zmx::socket_type::server);
    zmx::socket b(ctx, zmx::socket_type::server);
    const std::string ep = bind_any(a);
    CHECK(error_of([&] { b.bind(ep); }) == EADDRINUSE);
    CHECK(error_of([&] { a.bind(ep); }) == EADDRINUSE);
    // The failed binds did not disturb the first one or change last_endpoint.
    CHECK(a.get(zmx::sockopt::last_endpoint) == ep);
    raw_client probe(port_of(ep));
    CHECK(read_greeting(probe));
}

TEST_CASE("tcp: malformed bind endpoints fail with EINVAL or ENODEV", "[tcp]") {
    zmx::context ctx;
    zmx::socket s(ctx, zmx::socket_type::server);
    CHECK(error_of([&] { s.bind("tcp://127.0.0.1"); }) == EINVAL);
    CHECK(error_of([&] { s.bind("tcp://127.0.0.1:99999"); }) == EINVAL);
    CHECK(error_of([&] { s.bind("tcp://127.0.0.1:abc"); }) == EINVAL);
    CHECK(error_of([&] { s.bind("nonsense"); }) == EINVAL);
    CHECK(error_of([&] { s.bind("foo://127.0.0.1:1"); }) == EPROTONOSUPPORT);
    CHECK(error_of([&] { s.bind("tcp://no-such-interface-zmx:*"); }) == ENODEV);
}

TEST_CASE("tcp: IPv6 loopback bind with ipv6=1 and a PEER connects to it", "[tcp][ipv6]") {
    if (!have_ipv6_loopback()) {
        WARN("no IPv6 loopback on this machine: skipping");
        return;
    }
    zmx::context ctx;
    zmx::socket b(ctx, zmx::socket_type::peer);
    set_timeouts(b);
    b.set(zmx::sockopt::ipv6, 1);
    b.bind("tcp://[::1]:*");
    const std::string ep = b.get(zmx::sockopt::last_endpoint);
    CHECK(ep.rfind("tcp://[::1]:", 0) == 0);
    REQUIRE(port_of(ep) > 0);

    zmx::socket a(ctx, zmx::socket_type::peer);
    set_timeouts(a);
    a.set(zmx::sockopt::ipv6, 1);
    const std::uint32_t id = a.connect_peer(ep);
    REQUIRE(id != 0);
    send_to_ok(a, id, "over ipv6");
    zmx::message m = recv_msg(b);
    CHECK(m.str() == "over ipv6");
    REQUIRE(m.property("Peer-Address") != nullptr);
    CHECK(std::string(m.property("Peer-Address")) == "::1");
    send_to_ok(b, m.routing_id(), "back over ipv6");
    zmx::message r = recv_msg(a);
    CHECK(r.str() == "back over ipv6");
    CHECK(r.routing_id() == id);
}

TEST_CASE("tcp: connecting by host name (localhost) works", "[tcp]") {
    zmx::context ctx;
    zmx::socket server = make(ctx, zmx::socket_type::server);
    const int port = port_of(bind_any(server));
    zmx::socket client = make(ctx, zmx::socket_type::client);
    client.connect("tcp://localhost:" + std::to_string(port));
    check_round_trip(client, server, "by name");

    zmx::socket peer_server = make(ctx, zmx::socket_type::peer);
    const int peer_port = port_of(bind_any(peer_server));
    zmx::socket peer = make(ctx, zmx::socket_type::peer);
    const std::uint32_t id = peer.connect_peer("tcp://localhost:" + std::to_string(peer_port));
    REQUIRE(id != 0);
    send_to_ok(peer, id, "peer by name");
    CHECK(recv_str(peer_server) == "peer by name");
}

TEST_CASE("tcp: a garbage-sending peer is disconnected while other connections keep working", "[tcp][bad-input]") {
    zmx::context ctx;
    zmx::socket server = make(ctx, zmx::socket_type::server);
    const std::string ep = bind_any(server);
    zmx::socket client = make(ctx, zmx::socket_type::client);
    client.connect(ep);
    check_round_trip(client, server, "before garbage");

    raw_client garbage(port_of(ep));
    REQUIRE(garbage.write(bytes(64, 0xAB)));
    CHECK(garbage.wait_closed());

    check_round_trip(client, server, "after garbage");
    zmx::message extra;
    CHECK_FALSE(server.recv(extra, zmx::recv_flags::dontwait).has_value());

    // Several more garbage connections in a row change nothing either.
    for (int i = 0; i < 5; ++i) {
        raw_client g(port_of(ep));
        bytes junk(1 + static_cast<std::size_t>(i) * 37, static_cast<std::uint8_t>(i * 51));
        junk[0] = static_cast<std::uint8_t>(i == 0 ? 0x00 : 0x01);  // never a valid 0xFF signature start
        REQUIRE(g.write(junk));
        CHECK(g.wait_closed());
    }
    check_round_trip(client, server, "after more garbage");
}

TEST_CASE("tcp: a raw peer announcing an incompatible Socket-Type (DEALER) to a SERVER is dropped",
          "[tcp][bad-input]") {
    zmx::context ctx;
    zmx::socket server = make(ctx, zmx::socket_type::server);
    const std::string ep = bind_any(server);

    raw_client dealer(port_of(ep));
    bytes hello = zmtp_greeting();
    const bytes ready = zmtp_ready("DEALER");
    hello.insert(hello.end(), ready.begin(), ready.end());
    const bytes frame = zmtp_frame("hello");
    hello.insert(hello.end(), frame.begin(), frame.end());
    REQUIRE(dealer.write(hello));
    CHECK(dealer.wait_closed());

    // Its message never reaches the application.
    zmx::message m;
    server.set(zmx::sockopt::rcvtimeo, 100);
    CHECK_FALSE(server.recv(m).has_value());

    // A good client still works.
    server.set(zmx::sockopt::rcvtimeo, timeout_ms);
    zmx::socket client = make(ctx, zmx::socket_type::client);
    client.connect(ep);
    check_round_trip(client, server, "compatible");
}

TEST_CASE("tcp: a raw peer with a hand-written CLIENT handshake talks to a SERVER", "[tcp][raw]") {
    zmx::context ctx;
    zmx::socket server = make(ctx, zmx::socket_type::server);
    const std::string ep = bind_any(server);

    raw_client raw(port_of(ep));
    // Greeting, READY and the first message in one write: the server must handle all of it.
    bytes out = zmtp_greeting();
    const bytes ready = zmtp_ready("CLIENT");
    REQUIRE(ready.size() == 30);
    REQUIRE(ready[1] == 0x1C);
    out.insert(out.end(), ready.begin(), ready.end());
    const bytes frame = zmtp_frame("hello");
    REQUIRE(frame == bytes{0x00, 0x05, 'h', 'e', 'l', 'l', 'o'});
    out.insert(out.end(), frame.begin(), frame.end());
    REQUIRE(raw.write(out));

    REQUIRE(read_server_handshake(raw));
    zmx::message m = recv_msg(server);
    CHECK(m.str() == "hello");
    REQUIRE(m.routing_id() != 0);
    REQUIRE(m.property("Socket-Type") != nullptr);
    CHECK(std::string(m.property("Socket-Type")) == "CLIENT");

    // The reply comes back as a plain short frame.
    send_to_ok(server, m.routing_id(), "world");
    auto reply = raw.read_frame();
    REQUIRE(reply.has_value());
    CHECK(reply->first == 0x00);
    CHECK(std::string(reply->second.begin(), reply->second.end()) == "world");

    // A second frame, sent on its own, arrives too.
    REQUIRE(raw.write(zmtp_frame("again")));
    zmx::message m2 = recv_msg(server);
    CHECK(m2.str() == "again");
    CHECK(m2.routing_id() == m.routing_id());
}

TEST_CASE("tcp: a frame over ZMQ_MAXMSGSIZE closes only that connection", "[tcp][bad-input]") {
    zmx::context ctx;
    zmx::socket server = make(ctx, zmx::socket_type::server);
    server.set(zmx::sockopt::maxmsgsize, std::int64_t{100});
    const std::string ep = bind_any(server);
    zmx::socket client = make(ctx, zmx::socket_type::client);
    client.connect(ep);
    check_round_trip(client, server, "small");
    send_ok(client, std::string(100, 'm'));  // exactly the limit is fine
    CHECK(recv_msg(server).size() == 100);

    raw_client raw(port_of(ep));
    bytes out = zmtp_greeting();
    const bytes ready = zmtp_ready("CLIENT");
    out.insert(out.end(), ready.begin(), ready.end());
    const bytes ok = zmtp_frame("fits");
    out.insert(out.end(), ok.begin(), ok.end());
    REQUIRE(raw.write(out));
    REQUIRE(read_server_handshake(raw));
    CHECK(recv_str(server) == "fits");

    bytes big = {0x02, 0, 0, 0, 0, 0, 0, 0x03, 0xE8};  // LONG frame of 1000 bytes
    big.insert(big.end(), 1000, 0x5A);
    raw.write(big);  // may fail part-way once the server has closed: that is the point
    CHECK(raw.wait_closed());

    zmx::message extra;
    server.set(zmx::sockopt::rcvtimeo, 100);
    CHECK_FALSE(server.recv(extra).has_value());
    server.set(zmx::sockopt::rcvtimeo, timeout_ms);
    check_round_trip(client, server, "still fine");
}

TEST_CASE("tcp: a peer that never completes the handshake is dropped after ZMQ_HANDSHAKE_IVL", "[tcp][bad-input]") {
    zmx::context ctx;
    zmx::socket server = make(ctx, zmx::socket_type::server);
    server.set(zmx::sockopt::handshake_ivl, 100);
    const std::string ep = bind_any(server);

    raw_client silent(port_of(ep));  // connects and says nothing
    raw_client half(port_of(ep));    // sends half a greeting
    bytes g = zmtp_greeting();
    g.resize(32);
    REQUIRE(half.write(g));
    CHECK(silent.wait_closed());
    CHECK(half.wait_closed());

    zmx::socket client = make(ctx, zmx::socket_type::client);
    client.connect(ep);
    check_round_trip(client, server, "handshakes in time");
}

TEST_CASE("tcp: a raw peer with a different security mechanism (PLAIN) is dropped", "[tcp][bad-input]") {
    zmx::context ctx;
    zmx::socket server = make(ctx, zmx::socket_type::server);
    const std::string ep = bind_any(server);
    raw_client raw(port_of(ep));
    bytes g = zmtp_greeting();
    const char plain[] = "PLAIN";
    std::copy(plain, plain + 5, g.begin() + 12);
    REQUIRE(raw.write(g));
    CHECK(raw.wait_closed());

    zmx::socket client = make(ctx, zmx::socket_type::client);
    client.connect(ep);
    check_round_trip(client, server, "NULL still fine");
}

TEST_CASE("tcp: unbind stops listening and unbinding again fails with ENOENT", "[tcp]") {
    zmx::context ctx;
    zmx::socket server = make(ctx, zmx::socket_type::server);
    const std::string ep = bind_any(server);
    const int port = port_of(ep);
    CHECK_FALSE(tcp_connect_refused(port));
    zmx::socket early = make(ctx, zmx::socket_type::client);
    early.set(zmx::sockopt::linger, 0);
    early.connect(ep);
    send_ok(early, "connected before unbind");
    zmx::message m = recv_msg(server);
    const std::uint32_t early_id = m.routing_id();

    CHECK(error_of([&] { server.unbind(ep); }) == 0);
    CHECK(error_of([&] { server.unbind(ep); }) == ENOENT);
    CHECK(error_of([&] { server.unbind("tcp://127.0.0.1:1"); }) == ENOENT);
    // The listener closes in the background: new connections are refused soon...
    CHECK(wait_until([&] { return tcp_connect_refused(port); }));
    // ...and, as in libzmq, the connections it accepted are closed with it.
    CHECK(wait_until(
        [&] { return error_of([&] { server.send_to(early_id, "x", zmx::send_flags::dontwait); }) == EHOSTUNREACH; }));

    // The socket can bind again (the same port, once free) and serve.
    bind_retry(server, ep);
    zmx::socket client = make(ctx, zmx::socket_type::client);
    client.connect(ep);
    check_round_trip(client, server, "rebound");
}

TEST_CASE("tcp: disconnect of a connected endpoint succeeds and of an unknown one fails with ENOENT", "[tcp]") {
    zmx::context ctx;
    zmx::socket server = make(ctx, zmx::socket_type::server);
    const std::string ep = bind_any(server);
    zmx::socket client = make(ctx, zmx::socket_type::client);
    client.set(zmx::sockopt::linger, 0);
    client.connect(ep);
    send_ok(client, "connected");
    zmx::message m = recv_msg(server);
    CHECK(m.str() == "connected");
    const std::uint32_t id = m.routing_id();
    send_to_ok(server, id, "ack");
    CHECK(recv_str(client) == "ack");

    CHECK(error_of([&] { client.disconnect(ep); }) == 0);
    CHECK(error_of([&] { client.disconnect(ep); }) == ENOENT);
    CHECK(error_of([&] { client.disconnect("tcp://127.0.0.1:1"); }) == ENOENT);
    // disconnect is for connected endpoints, unbind for bound ones.
    CHECK(error_of([&] { server.disconnect(ep); }) == ENOENT);
    CHECK(error_of([&] { client.unbind(ep); }) == ENOENT);

    // The connection really goes away: the server forgets the client's routing id...
    CHECK(wait_until([&] {
        return error_of([&] { server.send_to(id, "still there?", zmx::send_flags::dontwait); }) == EHOSTUNREACH;
    }));
    // ...and the client has no peer left to send to.
    CHECK_FALSE(client.send("nobody", zmx::send_flags::dontwait).has_value());

    // Connecting again works, with a new routing id on the server.
    client.connect(ep);
    send_ok(client, "back");
    zmx::message again;
    REQUIRE(wait_until([&] {
        again = recv_msg(server);
        return again.str() == "back";
    }));
    CHECK(again.routing_id() != id);
    send_to_ok(server, again.routing_id(), "welcome back");
    CHECK(recv_str(client) == "welcome back");
}
