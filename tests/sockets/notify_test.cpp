// Peer notifications: ZMQ_DISCONNECT_MSG, ZMQ_HICCUP_MSG (delivered locally), which types take them,
// and disconnect_peer for SERVER and PEER.
#include "sockets/monitor_support.hpp"

using namespace zmx::test;

TEST_CASE("notify: DISCONNECT_MSG arrives with the routing id of the accepted peer that left", "[notify]") {
    zmx::context ctx;
    zmx::socket server = make_quick(ctx, zmx::socket_type::server);
    server.set(zmx::sockopt::disconnect_msg, std::string("gone"));
    zmx::socket client = make_quick(ctx, zmx::socket_type::client);
    client.connect(bind_any(server));
    send_ok(client, "hello");
    zmx::message m = recv_msg(server);
    const std::uint32_t id = m.routing_id();
    client.close();
    m = recv_msg(server);
    CHECK(m.str() == "gone");
    CHECK(m.routing_id() == id);
}

TEST_CASE("notify: HICCUP_MSG arrives when a connected peer drops and the link comes back", "[notify]") {
    zmx::context ctx;
    zmx::socket a = make_quick(ctx, zmx::socket_type::peer);
    a.set(zmx::sockopt::hiccup_msg, std::string("hiccup"));
    a.set(zmx::sockopt::reconnect_ivl, 20);
    auto b = std::make_unique<zmx::socket>(make_quick(ctx, zmx::socket_type::peer));
    const std::string ep = bind_any(*b);
    const std::uint32_t id = a.connect_peer(ep);
    send_to_ok(a, id, "one");
    CHECK(recv_str(*b) == "one");
    b.reset();  // the peer goes away
    zmx::message m = recv_msg(a);
    CHECK(m.str() == "hiccup");
    CHECK(m.routing_id() == id);
    zmx::socket b2 = make_quick(ctx, zmx::socket_type::peer);
    bind_retry(b2, ep);
    send_to_ok(a, id, "two");  // the same id reaches the new peer
    CHECK(recv_str(b2) == "two");
}

TEST_CASE("notify: a closing socket gets no notification and other types refuse the options", "[notify]") {
    zmx::context ctx;
    zmx::socket client = make_quick(ctx, zmx::socket_type::client);
    zmx::socket server = make_quick(ctx, zmx::socket_type::server);
    zmx::socket pair = make_quick(ctx, zmx::socket_type::pair);
    CHECK(error_of([&] { client.set(zmx::sockopt::disconnect_msg, std::string("x")); }) == EINVAL);
    CHECK(error_of([&] { server.set(zmx::sockopt::hiccup_msg, std::string("x")); }) == EINVAL);
    CHECK(error_of([&] { pair.set(zmx::sockopt::hello_msg, std::string("x")); }) == EINVAL);
    CHECK(error_of([&] { client.set(zmx::sockopt::hello_msg, std::string("x")); }) == 0);
    CHECK(error_of([&] { server.set(zmx::sockopt::hello_msg, std::string()); }) == 0);  // empty = none
}

TEST_CASE("notify: disconnect_peer drops a SERVER's peer and unknown ids fail", "[notify]") {
    zmx::context ctx;
    zmx::socket server = make_quick(ctx, zmx::socket_type::server);
    zmx::socket client = make_quick(ctx, zmx::socket_type::client);
    client.set(zmx::sockopt::reconnect_ivl, 20);
    event_reader client_events(ctx, client);
    client.connect(bind_any(server));
    send_ok(client, "hi");
    const std::uint32_t id = recv_msg(server).routing_id();
    server.disconnect_peer(id);
    CHECK(error_of([&] { server.disconnect_peer(id); }) == EHOSTUNREACH);
    CHECK(error_of([&] { server.send_to(id, "late"); }) == EHOSTUNREACH);
    CHECK(client_events.wait_for(zmx::event::disconnected).event == zmx::event::disconnected);
    // The client reconnects as a new peer with a new id.
    send_ok(client, "again");
    zmx::message m = recv_msg(server);
    CHECK(m.str() == "again");
    CHECK(m.routing_id() != id);
    CHECK(error_of([&] { client.disconnect_peer(1); }) == ENOTSUP);
}

TEST_CASE("notify: disconnect_peer on a PEER's connect_peer link stops that dialer", "[notify]") {
    zmx::context ctx;
    zmx::socket a = make_quick(ctx, zmx::socket_type::peer);
    zmx::socket b = make_quick(ctx, zmx::socket_type::peer);
    const std::string ep = bind_any(b);
    const std::uint32_t id = a.connect_peer(ep);
    send_to_ok(a, id, "x");
    CHECK(recv_str(b) == "x");
    a.disconnect_peer(id);
    CHECK(error_of([&] { a.send_to(id, "y"); }) == EHOSTUNREACH);
    CHECK(wait_until([&] {
        const auto eps = a.endpoints();
        return eps.size() == 1 && eps[0].state == zmx::endpoint_state::stopped;
    }));
}
