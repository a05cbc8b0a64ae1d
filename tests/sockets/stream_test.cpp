// STREAM: raw TCP peers without ZMTP. Plain POSIX sockets play the other side (clients connecting to a
// bound STREAM, listeners a STREAM connects to): routing-id framing, connect/disconnect notifications
// (ZMQ_STREAM_NOTIFY), closing by an empty frame, distinct 5-byte ids, ZMQ_CONNECT_ROUTING_ID, large
// data, EHOSTUNREACH and the SNDMORE rules, Peer-Address metadata, ipc, monitor events.
#include "monitor_support.hpp"
#include "support.hpp"

#include <fcntl.h>
#include <sys/un.h>

#include <cstdint>
#include <string>
#include <utility>

using namespace zmx::test;

namespace {

struct frames {
    std::string id;
    std::string data;
};

// One STREAM message: [routing id (MORE)][data].
frames recv_frames(zmx::socket& s) {
    zmx::message id = recv_msg(s);
    REQUIRE(id.more());
    zmx::message data = recv_msg(s);
    REQUIRE_FALSE(data.more());
    return {std::string(id.str()), std::string(data.str())};
}

void send_frames(zmx::socket& s, const std::string& id, std::string_view data) {
    REQUIRE(s.send(id, zmx::send_flags::sndmore).has_value());
    REQUIRE(s.send(data).has_value());
}

std::string str(const bytes& b) { return {b.begin(), b.end()}; }
bytes to_bytes(std::string_view s) { return {s.begin(), s.end()}; }

// The uint32 of an automatic routing id (0x00 + big-endian counter).
std::uint32_t id_number(const std::string& id) {
    REQUIRE(id.size() == 5);
    REQUIRE(id[0] == '\0');
    std::uint32_t n = 0;
    for (int i = 1; i < 5; ++i) n = n << 8 | static_cast<std::uint8_t>(id[static_cast<std::size_t>(i)]);
    return n;
}

// Receives data from id until `want` bytes have come (TCP may cut them anywhere).
std::string recv_data_from(zmx::socket& s, const std::string& id, std::size_t want) {
    std::string got;
    while (got.size() < want) {
        frames f = recv_frames(s);
        REQUIRE(f.id == id);
        REQUIRE_FALSE(f.data.empty());
        got += f.data;
    }
    return got;
}

zmx::socket make_stream(zmx::context& ctx) { return make_quick(ctx, zmx::socket_type::stream); }

}  // namespace

TEST_CASE("stream: a plain TCP client talks to a bound STREAM", "[stream][tcp]") {
    zmx::context ctx;
    zmx::socket server = make_stream(ctx);
    raw_client client(port_of(bind_any(server)));

    zmx::message id = recv_msg(server);  // the connect notification: [id][""]
    REQUIRE(id.more());
    const std::string peer(id.str());
    (void)id_number(peer);  // 5 bytes, 0x00 first
    zmx::message empty = recv_msg(server);
    CHECK(empty.size() == 0);
    CHECK_FALSE(empty.more());
    REQUIRE(id.property("Peer-Address") != nullptr);
    CHECK(std::string(id.property("Peer-Address")) == "127.0.0.1");
    REQUIRE(empty.property("Peer-Address") != nullptr);
    CHECK(std::string(empty.property("Peer-Address")) == "127.0.0.1");

    REQUIRE(client.write(to_bytes("hello")));
    CHECK(recv_data_from(server, peer, 5) == "hello");

    send_frames(server, peer, "world");
    auto reply = client.read_exact(5);
    REQUIRE(reply);
    CHECK(str(*reply) == "world");
    CHECK(client.quiet_for(50ms));  // nothing else: no ZMTP greeting, no framing
}

TEST_CASE("stream: a STREAM connects to a plain TCP listener", "[stream][tcp]") {
    zmx::context ctx;
    tcp_listener listener;
    zmx::socket s = make_stream(ctx);
    s.connect(listener.endpoint());
    const std::string id = s.get(zmx::sockopt::routing_id);  // the new connection's id, at once
    (void)id_number(id);  // an automatic id
    auto peer = listener.accept();

    frames hello = recv_frames(s);  // connected
    CHECK(hello.id == id);
    CHECK(hello.data.empty());

    send_frames(s, id, "ping");
    auto got = peer->read_exact(4);
    REQUIRE(got);
    CHECK(str(*got) == "ping");
    REQUIRE(peer->write(to_bytes("pong")));
    CHECK(recv_data_from(s, id, 4) == "pong");

    // The listener's side closes: disconnected. A connect reconnects with the same id (the listener
    // is still there, so the kernel completes the new connection) and says so again.
    peer->close();
    frames bye = recv_frames(s);
    CHECK(bye.id == id);
    CHECK(bye.data.empty());
    auto again = listener.accept();
    frames back = recv_frames(s);
    CHECK(back.id == id);
    CHECK(back.data.empty());
    send_frames(s, id, "again");
    got = again->read_exact(5);
    REQUIRE(got);
    CHECK(str(*got) == "again");
}

TEST_CASE("stream: connect and disconnect notifications follow ZMQ_STREAM_NOTIFY", "[stream][tcp]") {
    zmx::context ctx;
    zmx::socket server = make_stream(ctx);
    const int port = port_of(bind_any(server));
    zmx::message m;

    SECTION("on by default") {
        auto c = std::make_unique<raw_client>(port);
        frames up = recv_frames(server);
        CHECK(up.data.empty());
        c->close();
        frames down = recv_frames(server);
        CHECK(down.id == up.id);
        CHECK(down.data.empty());
        CHECK_FALSE(server.recv(m, zmx::recv_flags::dontwait).has_value());
    }
    SECTION("a reset is a disconnection too") {
        auto c = std::make_unique<raw_client>(port);
        frames up = recv_frames(server);
        c->reset();
        frames down = recv_frames(server);
        CHECK(down.id == up.id);
        CHECK(down.data.empty());
    }
    SECTION("off") {
        server.set(zmx::sockopt::stream_notify, 0);
        auto c1 = std::make_unique<raw_client>(port);
        REQUIRE(c1->write(to_bytes("x")));
        frames first = recv_frames(server);  // the data, with no notification before it
        CHECK(first.data == "x");
        c1->close();
        raw_client c2(port);
        REQUIRE(c2.write(to_bytes("y")));
        frames second = recv_frames(server);  // c2's data, with no notification of c1's end before it
        CHECK(second.data == "y");
        CHECK(second.id != first.id);
    }
    SECTION("bad values") {
        const int two = 2;
        CHECK(error_of([&] { server.set(73, &two, sizeof two); }) == EINVAL);
        const char byte = 1;
        CHECK(error_of([&] { server.set(73, &byte, 1); }) == EINVAL);
    }
}

TEST_CASE("stream: an empty frame closes the connection after what was sent before", "[stream][tcp]") {
    zmx::context ctx;
    zmx::socket server = make_stream(ctx);
    const int port = port_of(bind_any(server));
    raw_client client(port);
    const std::string id = recv_frames(server).id;

    send_frames(server, id, "bye");
    send_frames(server, id, "");
    auto got = client.read_exact(3);
    REQUIRE(got);
    CHECK(str(*got) == "bye");
    CHECK(client.wait_closed());
    // The id is gone at once.
    CHECK(error_of([&] { (void)server.send(id, zmx::send_flags::sndmore); }) == EHOSTUNREACH);

    // No disconnect notification for a connection the application closed (as libzmq): the next
    // thing the socket delivers is the next client's.
    raw_client next(port);
    REQUIRE(next.write(to_bytes("n")));
    frames up = recv_frames(server);
    CHECK(up.id != id);
    CHECK(up.data.empty());
    CHECK(recv_data_from(server, up.id, 1) == "n");
}

TEST_CASE("stream: two clients get distinct consecutive 5-byte ids and their own replies", "[stream][tcp]") {
    zmx::context ctx;
    zmx::socket server = make_stream(ctx);
    server.set(zmx::sockopt::stream_notify, 0);
    const int port = port_of(bind_any(server));
    raw_client c1(port);
    REQUIRE(c1.write(to_bytes("one")));
    raw_client c2(port);
    REQUIRE(c2.write(to_bytes("two")));

    std::string id1;
    std::string id2;
    while (id1.empty() || id2.empty()) {
        frames f = recv_frames(server);
        REQUIRE((f.data == "one" || f.data == "two"));
        (f.data == "one" ? id1 : id2) = f.id;
    }
    CHECK(id1 != id2);
    CHECK(id_number(id1) + 1 == id_number(id2));  // accepted in order, numbered in order
    CHECK(server.get(zmx::sockopt::routing_id) == id2);  // as libzmq: the last id assigned

    send_frames(server, id2, "for two");
    send_frames(server, id1, "for one");
    auto r1 = c1.read_exact(7);
    auto r2 = c2.read_exact(7);
    REQUIRE(r1);
    REQUIRE(r2);
    CHECK(str(*r1) == "for one");
    CHECK(str(*r2) == "for two");
}

TEST_CASE("stream: an HTTP-like request gets its response and the end of the connection", "[stream][tcp]") {
    zmx::context ctx;
    zmx::socket server = make_stream(ctx);
    server.set(zmx::sockopt::stream_notify, 0);
    raw_client client(port_of(bind_any(server)));
    const std::string request = "GET /index.html HTTP/1.0\r\nHost: localhost\r\n\r\n";
    REQUIRE(client.write(to_bytes(request)));

    std::string id;
    std::string got;
    while (got.find("\r\n\r\n") == std::string::npos) {
        frames f = recv_frames(server);
        if (id.empty()) id = f.id;
        REQUIRE(f.id == id);
        got += f.data;
    }
    CHECK(got == request);
    const std::string response =
        "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n\r\nHello world!";
    send_frames(server, id, response);
    send_frames(server, id, "");

    std::string reply;
    const auto deadline = clock_type::now() + timeout;
    for (;;) {
        pollfd p{client.fd(), POLLIN, 0};
        REQUIRE(::poll(&p, 1, timeout_ms) == 1);
        char buf[4096];
        const auto n = ::recv(client.fd(), buf, sizeof buf, 0);
        if (n <= 0) break;  // the server closed: the response is complete
        reply.append(buf, static_cast<std::size_t>(n));
        REQUIRE(clock_type::now() < deadline);
    }
    CHECK(reply == response);
}

TEST_CASE("stream: CONNECT_ROUTING_ID names the next connect only", "[stream][tcp]") {
    zmx::context ctx;
    tcp_listener l1;
    tcp_listener l2;
    zmx::socket s = make_stream(ctx);
    s.set(zmx::sockopt::stream_notify, 0);
    s.set(zmx::sockopt::connect_routing_id, std::string("conn-A"));
    s.connect(l1.endpoint());
    send_frames(s, "conn-A", "early");  // the pipe exists already: this waits for the connection
    s.connect(l2.endpoint());
    const std::string auto_id = s.get(zmx::sockopt::routing_id);
    (void)id_number(auto_id);  // an automatic id
    send_frames(s, auto_id, "to two");

    auto p1 = l1.accept();
    auto p2 = l2.accept();
    auto got1 = p1->read_exact(5);
    auto got2 = p2->read_exact(6);
    REQUIRE(got1);
    REQUIRE(got2);
    CHECK(str(*got1) == "early");
    CHECK(str(*got2) == "to two");
    REQUIRE(p1->write(to_bytes("from one")));
    CHECK(recv_data_from(s, "conn-A", 8) == "from one");

    CHECK(error_of([&] { s.set(61, "", 0); }) == EINVAL);
    CHECK(error_of([&] { (void)s.get(zmx::sockopt::connect_routing_id); }) == EINVAL);  // write-only
}

TEST_CASE("stream: a STREAM connected to a STREAM exchanges raw bytes", "[stream][tcp]") {
    zmx::context ctx;
    zmx::socket a = make_stream(ctx);
    zmx::socket b = make_stream(ctx);
    b.set(zmx::sockopt::connect_routing_id, std::string("to-a"));
    b.connect(bind_any(a));
    frames b_up = recv_frames(b);
    CHECK(b_up.id == "to-a");
    CHECK(b_up.data.empty());
    const std::string b_on_a = recv_frames(a).id;
    send_frames(b, "to-a", "raw bytes");
    CHECK(recv_data_from(a, b_on_a, 9) == "raw bytes");
    send_frames(a, b_on_a, "back");
    CHECK(recv_data_from(b, "to-a", 4) == "back");
}

TEST_CASE("stream: one MiB sent by a client comes back intact", "[stream][tcp][large]") {
    zmx::context ctx;
    zmx::socket server = make_stream(ctx);
    server.set(zmx::sockopt::stream_notify, 0);
    raw_client client(port_of(bind_any(server)));
    constexpr std::size_t size = 1 << 20;
    bytes data(size);
    for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<std::uint8_t>((i * 7919) >> 3 ^ i);
    // The engine reads into the socket's queue whatever the application does, so this never stalls.
    REQUIRE(client.write(data));

    std::size_t echoed = 0;
    std::string id;
    int chunks = 0;
    while (echoed < size) {
        zmx::message idm = recv_msg(server);
        REQUIRE(idm.more());
        if (id.empty()) id = std::string(idm.str());
        REQUIRE(std::string(idm.str()) == id);
        zmx::message chunk = recv_msg(server);
        REQUIRE(chunk.size() > 0);
        echoed += chunk.size();
        ++chunks;
        REQUIRE(server.send(id, zmx::send_flags::sndmore).has_value());
        REQUIRE(server.send(chunk).has_value());
    }
    CHECK(echoed == size);
    CHECK(chunks > 1);  // one message per read, not one per connection
    auto back = client.read_exact(size);
    REQUIRE(back);
    CHECK((*back == data));
}

TEST_CASE("stream: routing errors and the SNDMORE rules are libzmq's", "[stream][tcp]") {
    zmx::context ctx;
    zmx::socket server = make_stream(ctx);
    server.set(zmx::sockopt::stream_notify, 0);
    raw_client client(port_of(bind_any(server)));
    REQUIRE(client.write(to_bytes("?")));
    const std::string id = recv_frames(server).id;

    std::string other = id;
    other[4] = static_cast<char>(other[4] ^ 0x55);
    CHECK(error_of([&] { (void)server.send(other, zmx::send_flags::sndmore); }) == EHOSTUNREACH);
    CHECK(error_of([&] { (void)server.send(std::string("nobody"), zmx::send_flags::sndmore); }) == EHOSTUNREACH);

    // After an EHOSTUNREACH the next frame is a routing id again.
    send_frames(server, id, "a");
    // A routing-id frame without SNDMORE is swallowed, and so is the frame after it.
    REQUIRE(server.send(id).has_value());
    REQUIRE(server.send(std::string("lost")).has_value());
    // SNDMORE on a data frame is ignored: the message ends there.
    REQUIRE(server.send(id, zmx::send_flags::sndmore).has_value());
    REQUIRE(server.send(std::string("b"), zmx::send_flags::sndmore).has_value());
    send_frames(server, id, "c");
    auto got = client.read_exact(3);
    REQUIRE(got);
    CHECK(str(*got) == "abc");
    CHECK(client.quiet_for(50ms));
}

TEST_CASE("stream: a STREAM serves an ipc client", "[stream][ipc]") {
    zmx::context ctx;
    zmx::socket server = make_stream(ctx);
    server.bind("ipc://*");
    std::string path = server.get(zmx::sockopt::last_endpoint).substr(6);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    raw_fd client(fd);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    REQUIRE(path.size() < sizeof a.sun_path);
    std::memcpy(a.sun_path, path.data(), path.size());
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);

    frames up = recv_frames(server);
    CHECK(up.data.empty());
    REQUIRE(client.write(to_bytes("over ipc")));
    CHECK(recv_data_from(server, up.id, 8) == "over ipc");
    send_frames(server, up.id, "ok");
    auto got = client.read_exact(2);
    REQUIRE(got);
    CHECK(str(*got) == "ok");
}

TEST_CASE("stream: the monitor sees connections but no handshake", "[stream][tcp][monitor]") {
    zmx::context ctx;
    zmx::socket server = make_stream(ctx);
    event_reader events(ctx, server);
    const int port = port_of(bind_any(server));
    CHECK(events.next().event == zmx::event::listening);
    auto client = std::make_unique<raw_client>(port);
    CHECK(events.next().event == zmx::event::accepted);
    (void)recv_frames(server);  // connected
    client->close();
    (void)recv_frames(server);  // disconnected
    // As libzmq: a raw connection has no handshake, so the next event is its end.
    CHECK(events.next().event == zmx::event::disconnected);
}

TEST_CASE("stream: data sent just before close is written within ZMQ_LINGER", "[stream][tcp][linger]") {
    zmx::context ctx;
    auto server = std::make_unique<zmx::socket>(make_stream(ctx));
    server->set(zmx::sockopt::linger, 2000);
    raw_client client(port_of(bind_any(*server)));
    const std::string id = recv_frames(*server).id;
    send_frames(*server, id, "last words");
    server.reset();  // closed at once; its connection lingers until the data is out
    auto got = client.read_exact(10);
    REQUIRE(got);
    CHECK(str(*got) == "last words");
    CHECK(client.wait_closed());
}
