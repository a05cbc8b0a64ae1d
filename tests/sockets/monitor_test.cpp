// Monitor events: libzmq's sequence, numbers, values and endpoint strings, v1 and v2 formats.
#include "sockets/monitor_support.hpp"

using namespace zmx::test;

TEST_CASE("monitor: bind accept connect handshake and close events in order", "[monitor]") {
    zmx::context ctx;
    zmx::socket server = make_quick(ctx, zmx::socket_type::server);
    zmx::socket client = make_quick(ctx, zmx::socket_type::client);
    event_reader server_events(ctx, server);
    event_reader client_events(ctx, client);

    const std::string ep = bind_any(server);
    zmx::monitor_event ev = server_events.next();
    CHECK(ev.event == zmx::event::listening);
    CHECK(ev.endpoint == ep);
    CHECK(ev.value > 0);  // the listening fd

    client.connect(ep);
    ev = client_events.next();
    CHECK(ev.event == zmx::event::connect_delayed);
    CHECK(ev.endpoint == ep);
    ev = client_events.next();
    CHECK(ev.event == zmx::event::connected);
    CHECK(ev.endpoint == ep);
    CHECK(client_events.next().event == zmx::event::handshake_succeeded);

    ev = server_events.next();
    CHECK(ev.event == zmx::event::accepted);
    CHECK(ev.endpoint == ep);  // v1: the local end for bind-side events
    CHECK(server_events.next().event == zmx::event::handshake_succeeded);

    send_ok(client, "x");
    CHECK(recv_str(server) == "x");

    // The client goes away: the server sees its connection drop.
    client.close();
    CHECK(client_events.next().event == zmx::event::monitor_stopped);
    ev = server_events.next();
    CHECK(ev.event == zmx::event::disconnected);
    CHECK(ev.endpoint == ep);
    server.unbind(ep);
    CHECK(server_events.next().event == zmx::event::closed);
    server.close();
    CHECK(server_events.next().event == zmx::event::monitor_stopped);
}

TEST_CASE("monitor: version 2 events carry both endpoints and 64-bit values", "[monitor]") {
    zmx::context ctx;
    zmx::socket server = make_quick(ctx, zmx::socket_type::server);
    zmx::socket client = make_quick(ctx, zmx::socket_type::client);
    event_reader events(ctx, client, zmx::event::all, 2);
    const std::string ep = bind_any(server);
    client.connect(ep);
    const zmx::monitor_event ev = events.wait_for(zmx::event::connected);
    REQUIRE(ev.event == zmx::event::connected);
    CHECK(ev.remote == ep);
    CHECK(ev.local.rfind("tcp://127.0.0.1:", 0) == 0);
    CHECK(ev.local != ep);
}

TEST_CASE("monitor: the event mask filters events", "[monitor]") {
    zmx::context ctx;
    zmx::socket server = make_quick(ctx, zmx::socket_type::server);
    zmx::socket client = make_quick(ctx, zmx::socket_type::client);
    event_reader events(ctx, client, zmx::event::handshake_succeeded);
    client.connect(bind_any(server));
    CHECK(events.next().event == zmx::event::handshake_succeeded);
    send_ok(client, "x");
    CHECK(recv_str(server) == "x");
    CHECK(events.next(50).event == 0);  // nothing else was asked for
}

TEST_CASE("monitor: refused connects report retries with the interval", "[monitor]") {
    zmx::context ctx;
    zmx::socket client = make_quick(ctx, zmx::socket_type::client);
    client.set(zmx::sockopt::reconnect_ivl, 50);
    event_reader events(ctx, client);
    const std::string ep = local_ep(free_port());
    client.connect(ep);
    CHECK(events.wait_for(zmx::event::closed).endpoint == ep);
    const zmx::monitor_event ev = events.wait_for(zmx::event::connect_retried);
    CHECK(ev.endpoint == ep);
    CHECK(ev.value >= 50);
    CHECK(ev.value < 100);  // interval plus a jitter below the interval
}

TEST_CASE("monitor: a bind that fails reports BIND_FAILED with errno", "[monitor]") {
    zmx::context ctx;
    zmx::socket a = make_quick(ctx, zmx::socket_type::server);
    zmx::socket b = make_quick(ctx, zmx::socket_type::server);
    event_reader events(ctx, b);
    const std::string ep = bind_any(a);
    CHECK(error_of([&] { b.bind(ep); }) == EADDRINUSE);
    const zmx::monitor_event ev = events.next();
    CHECK(ev.event == zmx::event::bind_failed);
    CHECK(ev.value == EADDRINUSE);
    CHECK(ev.endpoint == ep);
}

TEST_CASE("monitor: a socket-type mismatch is a protocol handshake failure and stops the dialer", "[monitor]") {
    zmx::context ctx;
    zmx::socket server = make_quick(ctx, zmx::socket_type::server);
    zmx::socket peer = make_quick(ctx, zmx::socket_type::peer);
    event_reader events(ctx, peer);
    const std::string ep = bind_any(server);
    peer.connect(ep);
    const zmx::monitor_event ev = events.wait_for(zmx::event::handshake_failed_protocol);
    REQUIRE(ev.event == zmx::event::handshake_failed_protocol);
    CHECK(ev.endpoint == ep);
    CHECK(events.wait_for(zmx::event::connect_stopped).event == zmx::event::connect_stopped);
    const auto eps = peer.endpoints();
    REQUIRE(eps.size() == 1);
    CHECK(eps[0].state == zmx::endpoint_state::stopped);
}

TEST_CASE("monitor: errors EPROTONOSUPPORT EINVAL and restart on a new endpoint", "[monitor]") {
    zmx::context ctx;
    zmx::socket s = make_quick(ctx, zmx::socket_type::server);
    CHECK(error_of([&] { s.monitor("tcp://127.0.0.1:5555"); }) == EPROTONOSUPPORT);
    CHECK(error_of([&] { s.monitor("inproc://m", 0x10000, 1); }) == EINVAL);  // v1 has 16 bits
    CHECK(error_of([&] { s.monitor("inproc://m", zmx::event::all, 3); }) == EINVAL);
    CHECK(error_of([&] { s.monitor("inproc://m", zmx::event::all, 2, zmx::socket_type::server); }) == EINVAL);
    event_reader first(ctx, s);
    s.monitor("inproc://m2");  // replaces the first monitor, which says it stopped
    CHECK(first.next().event == zmx::event::monitor_stopped);
    s.monitor("");  // stops monitoring
    zmx::socket pair = make_quick(ctx, zmx::socket_type::pair);
    CHECK(error_of([&] { pair.connect("inproc://m2"); }) == 0);  // connect before a bind is allowed
}

TEST_CASE("monitor: closing a bound socket reports CLOSED before MONITOR_STOPPED", "[monitor]") {
    zmx::context ctx;
    zmx::socket server = make_quick(ctx, zmx::socket_type::server);
    event_reader events(ctx, server);
    const std::string ep = bind_any(server);
    CHECK(events.next().event == zmx::event::listening);
    server.close();
    const zmx::monitor_event ev = events.next();
    CHECK(ev.event == zmx::event::closed);
    CHECK(ev.endpoint == ep);
    CHECK(events.next().event == zmx::event::monitor_stopped);
}

TEST_CASE("monitor: a long HELLO_MSG reads back whole through the typed getter", "[monitor]") {
    zmx::context ctx;
    zmx::socket s = make_quick(ctx, zmx::socket_type::server);
    const std::string big(5000, 'h');
    s.set(zmx::sockopt::hello_msg, big);
    CHECK(s.get(zmx::sockopt::hello_msg) == big);
}
