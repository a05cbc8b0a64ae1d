// cppzmq (Debian's cppzmq-dev, header-only) on zmx: PEER, SERVER/CLIENT and poller_t through the
// binding's own API, compiled against zmx's zmq.h and linked against zmx only. Exit 0 = passed.
#define ZMQ_BUILD_DRAFT_API
#include <zmq.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#ifndef ZMQ_HICCUP_MSG
#error "zmq.hpp picked up a zmq.h that is not zmx's (zmx's defines ZMQ_HICCUP_MSG)"
#endif

namespace {
int failures = 0;
void check(bool ok, const char* what) {
    if (ok) return;
    std::fprintf(stderr, "FAIL: %s\n", what);
    ++failures;
}
}  // namespace

int main() {
    try {
        zmq::context_t ctx;
        zmq::socket_t server(ctx, zmq::socket_type::server);
        zmq::socket_t client(ctx, zmq::socket_type::client);
        for (auto* s : {&server, &client}) {
            s->set(zmq::sockopt::linger, 0);
            s->set(zmq::sockopt::rcvtimeo, 5000);
        }
        server.bind("tcp://127.0.0.1:*");
        client.connect(server.get(zmq::sockopt::last_endpoint));
        check(client.send(zmq::str_buffer("hello"), zmq::send_flags::none).value_or(0) == 5, "client send");
        zmq::message_t m;
        check(server.recv(m).value_or(0) == 5 && m.to_string() == "hello", "server recv");
        check(m.routing_id() != 0, "routing id");
        check(std::string(m.gets("Socket-Type")) == "CLIENT", "Socket-Type property");
        check(server.send(m, zmq::send_flags::none).has_value(), "server reply");
        zmq::message_t r;
        check(client.recv(r).has_value() && r.to_string() == "hello", "client recv");

        zmq::socket_t a(ctx, zmq::socket_type::peer);
        zmq::socket_t b(ctx, zmq::socket_type::peer);
        for (auto* s : {&a, &b}) s->set(zmq::sockopt::linger, 0);
        b.bind("inproc://cppzmq");
        const uint32_t id = zmq_connect_peer(a.handle(), "inproc://cppzmq");
        check(id != 0, "connect_peer");
        zmq::poller_t<> poller;
        poller.add(b, zmq::event_flags::pollin);
        std::vector<zmq::poller_event<>> events(1);
        check(poller.wait_all(events, std::chrono::milliseconds(0)) == 0, "idle poller");
        zmq::message_t x("ping", 4);
        x.set_routing_id(id);
        check(a.send(x, zmq::send_flags::none).has_value(), "peer send");
        check(poller.wait_all(events, std::chrono::milliseconds(5000)) == 1, "poller sees the message");
        zmq::message_t y;
        check(b.recv(y, zmq::recv_flags::dontwait).has_value() && y.to_string() == "ping", "peer recv");
    } catch (const zmq::error_t& e) {
        std::fprintf(stderr, "FAIL: zmq::error_t %d %s\n", e.num(), e.what());
        return 1;
    }
    if (failures == 0) std::printf("cppzmq on zmx: all checks passed\n");
    return failures == 0 ? 0 : 1;
}
