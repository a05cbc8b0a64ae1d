// DEALER and ROUTER (RFC 28) over tcp, ipc and inproc: ZMQ_ROUTING_ID as the ROUTER sees it, auto ids,
// ROUTER-ROUTER with ZMQ_CONNECT_ROUTING_ID, ROUTER_MANDATORY, ROUTER_HANDOVER, ROUTER_NOTIFY,
// PROBE_ROUTER, HELLO/DISCONNECT_MSG envelopes, DEALER round robin and blocking at the HWM without
// loss, reconnects (same id again, a kept pipe re-keyed) and a peer dying in the middle of a message.
#include <poll.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "sockets/monitor_support.hpp"

using namespace zmx::test;

namespace {

using frames = std::vector<std::string>;

constexpr int pollout = 2;

std::uint32_t be32(std::string_view s) {
    std::uint32_t v = 0;
    for (char c : s) v = v << 8 | static_cast<unsigned char>(c);
    return v;
}

// A ZMTP READY command with Socket-Type and Identity, as a DEALER with that ZMQ_ROUTING_ID sends it.
bytes zmtp_ready_identity(std::string_view type, std::string_view identity) {
    bytes body = {0x05};
    append(body, "READY");
    const auto prop = [&](std::string_view name, std::string_view value) {
        body.push_back(static_cast<std::uint8_t>(name.size()));
        append(body, name);
        const auto n = static_cast<std::uint32_t>(value.size());
        for (int shift = 24; shift >= 0; shift -= 8) body.push_back(static_cast<std::uint8_t>(n >> shift));
        append(body, value);
    };
    prop("Socket-Type", type);
    prop("Identity", identity);
    // Header prepended in place (GCC 12 -Warray-bounds misfires on inserting into a 2-byte vector).
    const auto size = static_cast<std::uint8_t>(body.size());
    body.insert(body.begin(), size);
    body.insert(body.begin(), std::uint8_t{0x04});
    return body;
}

bytes zmtp_more_frame(std::string_view body) {
    bytes f = zmtp_frame(body);
    f[0] = 0x01;
    return f;
}

}  // namespace

TEST_CASE("dealer/router: the router sees the dealer's ZMQ_ROUTING_ID and routes replies by it",
          "[router][dealer][tcp][ipc][inproc]") {
    for (const char* tr : transports) {
        INFO("transport " << tr);
        zmx::context ctx;
        zmx::socket router = make_quick(ctx, zmx::socket_type::router);
        const std::string ep = bind_ep(router, tr);
        zmx::socket d1 = make_quick(ctx, zmx::socket_type::dealer);
        zmx::socket d2 = make_quick(ctx, zmx::socket_type::dealer);
        const std::string id1("\x00\xffid-1", 6);  // any bytes, a leading 0 included
        d1.set(zmx::sockopt::routing_id, id1);
        d2.set(zmx::sockopt::routing_id, std::string("dealer two"));
        d1.connect(ep);
        d2.connect(ep);
        send_multipart(d1, {"a", "b"});
        send_ok(d2, "c");
        std::set<frames> got{recv_multipart(router), recv_multipart(router)};
        CHECK(got == std::set<frames>{{id1, "a", "b"}, {"dealer two", "c"}});
        send_multipart(router, {"dealer two", "for", "d2"});
        send_multipart(router, {id1, "for d1"});
        CHECK(recv_multipart(d2) == frames{"for", "d2"});
        CHECK(recv_multipart(d1) == frames{"for d1"});
    }
}

TEST_CASE("dealer/router: peers without an id get 5-byte auto ids 0x00 + a counter", "[router][tcp][inproc]") {
    for (const char* tr : {"tcp", "inproc"}) {
        INFO("transport " << tr);
        zmx::context ctx;
        zmx::socket router = make_quick(ctx, zmx::socket_type::router);
        const std::string ep = bind_ep(router, tr);
        zmx::socket d1 = make_quick(ctx, zmx::socket_type::dealer);
        zmx::socket d2 = make_quick(ctx, zmx::socket_type::dealer);
        d1.connect(ep);
        d2.connect(ep);
        send_ok(d1, "one");
        send_ok(d2, "two");
        std::string ids[2];
        for (int i = 0; i < 2; ++i) {
            const frames f = recv_multipart(router);
            REQUIRE(f.size() == 2);
            REQUIRE(f[0].size() == 5);
            CHECK(f[0][0] == '\0');
            ids[f[1] == "one" ? 0 : 1] = f[0];
        }
        const std::uint32_t a = be32(std::string_view(ids[0]).substr(1));
        const std::uint32_t b = be32(std::string_view(ids[1]).substr(1));
        CHECK((a + 1 == b || b + 1 == a));  // one counter, in the order the peers were identified
        send_multipart(router, {ids[1], "to two"});
        send_multipart(router, {ids[0], "to one"});
        CHECK(recv_str(d1) == "to one");
        CHECK(recv_str(d2) == "to two");
    }
}

TEST_CASE("dealer/router: a dealer that connects before the inproc bind is known by its id", "[router][inproc]") {
    zmx::context ctx;
    zmx::socket dealer = make_quick(ctx, zmx::socket_type::dealer);
    dealer.set(zmx::sockopt::routing_id, std::string("early"));
    const std::string ep = unique_inproc("early");
    dealer.connect(ep);
    send_ok(dealer, "queued");
    zmx::socket router = make_quick(ctx, zmx::socket_type::router);
    router.bind(ep);
    CHECK(recv_multipart(router) == frames{"early", "queued"});
    send_multipart(router, {"early", "back"});
    CHECK(recv_str(dealer) == "back");
}

TEST_CASE("dealer/router: router to router with CONNECT_ROUTING_ID and ROUTING_ID", "[router][tcp][inproc]") {
    for (const char* tr : {"tcp", "inproc"}) {
        for (const bool named : {true, false}) {
            INFO("transport " << tr << (named ? " named" : " unnamed"));
            zmx::context ctx;
            zmx::socket binder = make_quick(ctx, zmx::socket_type::router);
            zmx::socket connector = make_quick(ctx, zmx::socket_type::router);
            if (named) {
                binder.set(zmx::sockopt::routing_id, std::string("X"));
                connector.set(zmx::sockopt::routing_id, std::string("Y"));
            }
            const std::string ep = bind_ep(binder, tr);
            connector.set(zmx::sockopt::connect_routing_id, std::string("the binder"));
            connector.connect(ep);
            // The connector knows its peer's id before the connection exists: the message waits for it.
            send_multipart(connector, {"the binder", "hi"});
            const frames f = recv_multipart(binder);
            REQUIRE(f.size() == 2);
            CHECK(f[1] == "hi");
            if (named) CHECK(f[0] == "Y");
            else CHECK((f[0].size() == 5 && f[0][0] == '\0'));
            send_multipart(binder, {f[0], "ok"});
            // The binder's own ROUTING_ID ("X") does not replace the id the connector chose.
            CHECK(recv_multipart(connector) == frames{"the binder", "ok"});
        }
    }
}

TEST_CASE("dealer/router: CONNECT_ROUTING_ID names only the next connect", "[router][tcp]") {
    zmx::context ctx;
    zmx::socket x = make_quick(ctx, zmx::socket_type::router);
    zmx::socket z = make_quick(ctx, zmx::socket_type::router);
    zmx::socket y = make_quick(ctx, zmx::socket_type::router);
    x.set(zmx::sockopt::routing_id, std::string("X"));
    z.set(zmx::sockopt::routing_id, std::string("Z"));
    y.set(zmx::sockopt::routing_id, std::string("Y"));
    const std::string ex = bind_any(x);
    const std::string ez = bind_any(z);
    y.set(zmx::sockopt::connect_routing_id, std::string("xx"));
    y.connect(ex);
    send_multipart(y, {"xx", "y to x"});
    CHECK(recv_multipart(x) == frames{"Y", "y to x"});
    // x sets a connect id while y's connection (accepted, not its own connect) is up: only x's next
    // connect takes it.
    x.set(zmx::sockopt::connect_routing_id, std::string("zz"));
    x.connect(ez);
    send_multipart(x, {"zz", "x to z"});
    CHECK(recv_multipart(z) == frames{"X", "x to z"});
    send_multipart(x, {"Y", "x to y"});
    CHECK(recv_multipart(y) == frames{"xx", "x to y"});
    // y connects again without a connect id: that peer is known by its Identity once it has sent it.
    y.set(zmx::sockopt::router_mandatory, 1);
    y.connect(ez);
    CHECK(wait_until([&] { return error_of([&] { y.send("Z", zmx::send_flags::sndmore); }) == 0; }));
    send_ok(y, "y to z");
    CHECK(recv_multipart(z) == frames{"Y", "y to z"});
}

TEST_CASE("dealer/router: CONNECT_ROUTING_ID values and a duplicate one", "[router][inproc]") {
    zmx::context ctx;
    zmx::socket router = make_quick(ctx, zmx::socket_type::router);
    zmx::socket dealer = make_quick(ctx, zmx::socket_type::dealer);
    CHECK(error_of([&] { router.set(zmx::sockopt::connect_routing_id, std::string()); }) == EINVAL);
    CHECK(error_of([&] { dealer.set(zmx::sockopt::connect_routing_id, std::string("x")); }) == EINVAL);
    char buf[16];
    std::size_t len = sizeof buf;
    CHECK(error_of([&] { router.get(zmx::sockopt::connect_routing_id.id, buf, &len); }) == EINVAL);

    // libzmq asserts on a connect id already in use; zmx ignores the second peer, as a duplicate Identity.
    zmx::socket p1 = make_quick(ctx, zmx::socket_type::dealer);
    zmx::socket p2 = make_quick(ctx, zmx::socket_type::dealer);
    router.set(zmx::sockopt::connect_routing_id, std::string("peer"));
    router.connect(bind_ep(p1, "inproc"));
    router.set(zmx::sockopt::connect_routing_id, std::string("peer"));
    router.connect(bind_ep(p2, "inproc"));
    for (int i = 0; i < 3; ++i) send_multipart(router, {"peer", std::to_string(i)});
    for (int i = 0; i < 3; ++i) CHECK(recv_str(p1) == std::to_string(i));
    send_ok(p2, "ignored");
    send_ok(p1, "heard");
    CHECK(recv_multipart(router) == frames{"peer", "heard"});
    CHECK(no_message_within(p2, 20ms));
}

TEST_CASE("dealer/router: ROUTER_MANDATORY reports unknown peers and full pipes", "[router][inproc]") {
    zmx::context ctx;
    zmx::socket router = make_quick(ctx, zmx::socket_type::router);
    zmx::socket dealer = make_quick(ctx, zmx::socket_type::dealer);
    dealer.set(zmx::sockopt::routing_id, std::string("D"));
    dealer.set(zmx::sockopt::rcvhwm, 1);
    router.set(zmx::sockopt::sndhwm, 1);  // inproc: 1 + 1 = 2 messages in flight
    const std::string ep = bind_ep(router, "inproc");

    // Without the option: unknown ids and full pipes drop silently.
    send_multipart(router, {"nobody", "lost"});
    dealer.connect(ep);
    send_ok(dealer, "hello");
    CHECK(recv_multipart(router) == frames{"D", "hello"});
    // The dealer reads once first: inproc routing-id messages count against the HWM until read.
    send_multipart(router, {"D", "warm up"});
    CHECK(recv_str(dealer) == "warm up");
    for (int i = 0; i < 5; ++i) send_multipart(router, {"D", "m" + std::to_string(i)});
    CHECK(recv_str(dealer) == "m0");
    CHECK(recv_str(dealer) == "m1");
    CHECK(no_message_within(dealer, 20ms));
    CHECK(router.get(zmx::sockopt::events) & pollout);

    router.set(zmx::sockopt::router_mandatory, 1);
    CHECK(error_of([&] { router.send("nobody", zmx::send_flags::sndmore); }) == EHOSTUNREACH);
    send_multipart(router, {"D", "k0"});
    send_multipart(router, {"D", "k1"});
    CHECK((router.get(zmx::sockopt::events) & pollout) == 0);  // its only peer is full
    CHECK_FALSE(router.send("D", zmx::send_flags::sndmore | zmx::send_flags::dontwait).has_value());  // EAGAIN
    CHECK(recv_str(dealer) == "k0");
    CHECK(recv_str(dealer) == "k1");
    CHECK(wait_until([&] { return (router.get(zmx::sockopt::events) & pollout) != 0; }));
    send_multipart(router, {"D", "k2"});
    CHECK(recv_str(dealer) == "k2");
    // An id frame without a message after it is ignored, even with the option.
    send_ok(router, "nobody");
    send_multipart(router, {"D", "after"});
    CHECK(recv_str(dealer) == "after");
    CHECK(error_of([&] { router.set(zmx::sockopt::router_mandatory, -1); }) == EINVAL);
}

TEST_CASE("dealer/router: ROUTER_HANDOVER gives the id to the newest peer", "[router][tcp]") {
    zmx::context ctx;
    zmx::socket router = make_quick(ctx, zmx::socket_type::router);
    router.set(zmx::sockopt::router_handover, 1);
    const std::string ep = bind_any(router);
    zmx::socket d1 = make_quick(ctx, zmx::socket_type::dealer);
    zmx::socket d2 = make_quick(ctx, zmx::socket_type::dealer);
    d1.set(zmx::sockopt::routing_id, std::string("X"));
    d2.set(zmx::sockopt::routing_id, std::string("X"));
    d1.connect(ep);
    send_ok(d1, "from d1");
    CHECK(recv_multipart(router) == frames{"X", "from d1"});
    d2.connect(ep);
    send_ok(d2, "from d2");
    CHECK(recv_multipart(router) == frames{"X", "from d2"});
    send_multipart(router, {"X", "to X"});
    CHECK(recv_str(d2) == "to X");
    send_ok(d1, "late");  // the old peer lost its id: nothing from it, nothing to it
    CHECK(no_message_within(router, 50ms));
    CHECK(no_message_within(d1, 10ms));
}

TEST_CASE("dealer/router: without ROUTER_HANDOVER a second peer with the same id is ignored", "[router][tcp]") {
    zmx::context ctx;
    zmx::socket router = make_quick(ctx, zmx::socket_type::router);
    event_reader events(ctx, router, zmx::event::handshake_succeeded);
    const std::string ep = bind_any(router);
    zmx::socket d1 = make_quick(ctx, zmx::socket_type::dealer);
    zmx::socket d2 = make_quick(ctx, zmx::socket_type::dealer);
    d1.set(zmx::sockopt::routing_id, std::string("X"));
    d2.set(zmx::sockopt::routing_id, std::string("X"));
    d1.connect(ep);
    send_ok(d1, "from d1");
    CHECK(recv_multipart(router) == frames{"X", "from d1"});
    REQUIRE(events.wait_for(zmx::event::handshake_succeeded).event != 0);
    d2.connect(ep);
    REQUIRE(events.wait_for(zmx::event::handshake_succeeded).event != 0);
    send_ok(d2, "from d2");
    send_multipart(router, {"X", "to X"});
    CHECK(recv_str(d1) == "to X");
    CHECK(no_message_within(router, 50ms));
    CHECK(no_message_within(d2, 10ms));
}

TEST_CASE("dealer/router: ROUTER_NOTIFY delivers the id and an empty frame when a peer connects and disconnects",
          "[router][tcp]") {
    zmx::context ctx;
    zmx::socket router = make_quick(ctx, zmx::socket_type::router);
    CHECK(router.get(zmx::sockopt::router_notify) == 0);
    CHECK(error_of([&] { router.set(zmx::sockopt::router_notify, -1); }) == EINVAL);
    CHECK(error_of([&] { router.set(zmx::sockopt::router_notify, 4); }) == EINVAL);
    for (const int mode : {1, 2, 3}) {
        INFO("notify " << mode);
        router.set(zmx::sockopt::router_notify, mode);
        CHECK(router.get(zmx::sockopt::router_notify) == mode);
        zmx::socket r = make_quick(ctx, zmx::socket_type::router);
        r.set(zmx::sockopt::router_notify, mode);
        const std::string ep = bind_any(r);
        zmx::socket dealer = make_quick(ctx, zmx::socket_type::dealer);
        dealer.set(zmx::sockopt::routing_id, std::string("X"));
        dealer.connect(ep);
        if (mode & 1) CHECK(recv_multipart(r) == frames{"X", ""});
        send_ok(dealer, "Hello");
        CHECK(recv_multipart(r) == frames{"X", "Hello"});
        dealer.disconnect(ep);
        if (mode & 2) CHECK(recv_multipart(r) == frames{"X", ""});
        CHECK(no_message_within(r, 20ms));
    }
    zmx::socket dealer = make_quick(ctx, zmx::socket_type::dealer);
    CHECK(error_of([&] { dealer.set(zmx::sockopt::router_notify, 1); }) == EINVAL);
    CHECK(dealer.get(zmx::sockopt::router_notify) == 0);
}

TEST_CASE("dealer/router: ROUTER_NOTIFY on a connecting router across the peer's restart", "[router][tcp]") {
    zmx::context ctx;
    zmx::socket router = make_quick(ctx, zmx::socket_type::router);
    router.set(zmx::sockopt::router_notify, 3);
    router.set(zmx::sockopt::reconnect_ivl, 20);
    auto peer = std::make_unique<zmx::socket>(make_quick(ctx, zmx::socket_type::dealer));
    peer->set(zmx::sockopt::routing_id, std::string("B"));
    const std::string ep = bind_any(*peer);
    router.connect(ep);
    CHECK(recv_multipart(router) == frames{"B", ""});
    peer.reset();
    zmx::socket peer2 = make_quick(ctx, zmx::socket_type::dealer);
    peer2.set(zmx::sockopt::routing_id, std::string("B"));
    bind_retry(peer2, ep);
    CHECK(recv_multipart(router) == frames{"B", ""});  // the first connection is over
    CHECK(recv_multipart(router) == frames{"B", ""});  // the second has started
    send_multipart(router, {"B", "again"});
    CHECK(recv_str(peer2) == "again");
}

TEST_CASE("dealer/router: PROBE_ROUTER sends an empty message first on each connection",
          "[router][dealer][tcp][inproc]") {
    for (const char* tr : {"tcp", "inproc"}) {
        INFO("transport " << tr);
        zmx::context ctx;
        zmx::socket router = make_quick(ctx, zmx::socket_type::router);
        const std::string ep = bind_ep(router, tr);
        zmx::socket dealer = make_quick(ctx, zmx::socket_type::dealer);
        dealer.set(zmx::sockopt::probe_router, 1);
        dealer.set(zmx::sockopt::routing_id, std::string("D"));
        dealer.connect(ep);
        CHECK(recv_multipart(router) == frames{"D", ""});
        send_multipart(router, {"D", "pong"});
        CHECK(recv_str(dealer) == "pong");

        zmx::socket prober = make_quick(ctx, zmx::socket_type::router);
        prober.set(zmx::sockopt::probe_router, 1);
        prober.set(zmx::sockopt::routing_id, std::string("P"));
        prober.connect(ep);
        CHECK(recv_multipart(router) == frames{"P", ""});
        send_multipart(router, {"P", "hello prober"});
        const frames f = recv_multipart(prober);
        REQUIRE(f.size() == 2);
        CHECK(f[1] == "hello prober");
    }
}

TEST_CASE("dealer/router: HELLO_MSG and DISCONNECT_MSG come with the peer's routing id", "[router][dealer][tcp]") {
    zmx::context ctx;
    zmx::socket router = make_quick(ctx, zmx::socket_type::router);
    router.set(zmx::sockopt::disconnect_msg, std::string("bye"));
    const std::string ep = bind_any(router);
    auto dealer = std::make_unique<zmx::socket>(make_quick(ctx, zmx::socket_type::dealer));
    dealer->set(zmx::sockopt::routing_id, std::string("X"));
    dealer->set(zmx::sockopt::hello_msg, std::string("hi"));
    dealer->connect(ep);
    CHECK(recv_multipart(router) == frames{"X", "hi"});
    send_ok(*dealer, "data");
    CHECK(recv_multipart(router) == frames{"X", "data"});
    dealer.reset();
    CHECK(recv_multipart(router) == frames{"X", "bye"});
}

TEST_CASE("dealer/router: dealer deals round robin over three peers in connect order", "[dealer][tcp][ipc][inproc]") {
    for (const char* tr : transports) {
        INFO("transport " << tr);
        zmx::context ctx;
        zmx::socket dealer = make_quick(ctx, zmx::socket_type::dealer);
        std::vector<zmx::socket> peers;
        for (int i = 0; i < 3; ++i) {
            peers.push_back(make_quick(ctx, i == 1 ? zmx::socket_type::router : zmx::socket_type::dealer));
            dealer.connect(bind_ep(peers.back(), tr));
        }
        for (int i = 0; i < 9; ++i) send_multipart(dealer, {"m" + std::to_string(i), "part"});
        for (int k = 0; k < 3; ++k)
            for (int j = 0; j < 3; ++j) {
                frames f = recv_multipart(peers[static_cast<std::size_t>(k)]);
                if (k == 1) f.erase(f.begin());  // the router's id frame
                CHECK(f == frames{"m" + std::to_string(k + 3 * j), "part"});
            }
    }
}

TEST_CASE("dealer/router: dealer fair-queues replies from its peers", "[dealer][inproc]") {
    zmx::context ctx;
    zmx::socket dealer = make_quick(ctx, zmx::socket_type::dealer);
    std::vector<zmx::socket> peers;
    for (int i = 0; i < 3; ++i) {
        peers.push_back(make_quick(ctx, zmx::socket_type::dealer));
        dealer.connect(bind_ep(peers.back(), "inproc"));
    }
    const int counts[] = {3, 1, 2};
    for (int k = 0; k < 3; ++k)
        for (int j = 0; j < counts[k]; ++j)
            send_multipart(peers[static_cast<std::size_t>(k)], {std::to_string(k) + std::to_string(j), "end"});
    const frames expected[] = {{"00", "end"}, {"10", "end"}, {"20", "end"},
                               {"01", "end"}, {"21", "end"}, {"02", "end"}};
    for (const auto& e : expected) CHECK(recv_multipart(dealer) == e);
}

TEST_CASE("dealer/router: dealer waits at the HWM and loses nothing", "[dealer][inproc][tcp]") {
    for (const char* tr : {"inproc", "tcp"}) {
        INFO("transport " << tr);
        zmx::context ctx;
        auto sender = std::make_shared<zmx::socket>(make_quick(ctx, zmx::socket_type::dealer));
        zmx::socket receiver = make_quick(ctx, zmx::socket_type::dealer);
        sender->set(zmx::sockopt::sndhwm, 2);
        receiver.set(zmx::sockopt::rcvhwm, 2);
        sender->connect(bind_ep(receiver, tr));
        // One message first: inproc routing-id messages count against the HWM until read.
        REQUIRE(sender->send("warm up").has_value());
        CHECK(recv_str(receiver) == "warm up");
        int queued = 0;
        if (std::string_view(tr) == "inproc") {
            // inproc: the HWMs add up (2 + 2), then the dealer refuses instead of dropping.
            while (sender->send(std::to_string(queued), zmx::send_flags::dontwait).has_value()) ++queued;
            CHECK(queued == 4);
            CHECK((sender->get(zmx::sockopt::events) & pollout) == 0);
        }
        const int total = queued + 2000;
        background b([sender, queued, total] {
            for (int i = queued; i < total; ++i)
                if (!sender->send(std::to_string(i)).has_value()) return;  // blocks while full
        });
        for (int i = 0; i < total; ++i) {
            const std::string s = recv_str(receiver);
            if (s != std::to_string(i)) {
                CHECK(s == std::to_string(i));
                break;
            }
        }
        CHECK(b.wait());
    }
}

TEST_CASE("dealer/router: a dealer with an id reaches a restarted router under the same id", "[router][dealer][tcp]") {
    zmx::context ctx;
    zmx::socket dealer = make_quick(ctx, zmx::socket_type::dealer);
    dealer.set(zmx::sockopt::routing_id, std::string("D"));
    dealer.set(zmx::sockopt::reconnect_ivl, 20);
    auto router = std::make_unique<zmx::socket>(make_quick(ctx, zmx::socket_type::router));
    const std::string ep = bind_any(*router);
    dealer.connect(ep);
    send_ok(dealer, "one");
    CHECK(recv_multipart(*router) == frames{"D", "one"});
    send_multipart(*router, {"D", "r1"});
    CHECK(recv_str(dealer) == "r1");
    router.reset();
    zmx::socket router2 = make_quick(ctx, zmx::socket_type::router);
    bind_retry(router2, ep);
    send_ok(dealer, "two");  // queued in the kept pipe until the link is back
    CHECK(recv_multipart(router2) == frames{"D", "two"});
    send_multipart(router2, {"D", "r2"});
    CHECK(recv_str(dealer) == "r2");
}

TEST_CASE("dealer/router: a connecting router re-keys its peer on reconnect and drops a half message",
          "[router][tcp]") {
    zmx::context ctx;
    tcp_listener listener;
    zmx::socket router = make_quick(ctx, zmx::socket_type::router);
    router.set(zmx::sockopt::reconnect_ivl, 20);
    router.connect(local_ep(listener.port()));

    {  // First connection: Identity "P1", one whole message, then half of one and the peer dies.
        auto c = listener.accept();
        bytes out = zmtp_greeting();
        const bytes ready = zmtp_ready_identity("DEALER", "P1");
        const bytes m1 = zmtp_frame("m1");
        out.insert(out.end(), ready.begin(), ready.end());
        out.insert(out.end(), m1.begin(), m1.end());
        REQUIRE(c->write(out));
        CHECK(recv_multipart(router) == frames{"P1", "m1"});
        bytes half = zmtp_more_frame("half");
        const bytes rest = zmtp_more_frame("of it");
        half.insert(half.end(), rest.begin(), rest.end());
        REQUIRE(c->write(half));
        c->reset();
    }
    auto c = listener.accept();  // the kept pipe reconnects
    bytes out = zmtp_greeting();
    const bytes ready = zmtp_ready_identity("DEALER", "P2");
    const bytes m2 = zmtp_frame("m2");
    out.insert(out.end(), ready.begin(), ready.end());
    out.insert(out.end(), m2.begin(), m2.end());
    REQUIRE(c->write(out));
    CHECK(recv_multipart(router) == frames{"P2", "m2"});  // never "half": the core rolled it back

    // The pipe answers to its new id only.
    router.set(zmx::sockopt::router_mandatory, 1);
    CHECK(error_of([&] { router.send("P1", zmx::send_flags::sndmore); }) == EHOSTUNREACH);
    send_multipart(router, {"P2", "to", "p2"});
    REQUIRE(c->read_exact(64).has_value());  // the router's greeting
    auto cmd = c->read_frame();
    REQUIRE(cmd.has_value());
    CHECK(cmd->first == 0x04);  // its READY
    auto f1 = c->read_frame();
    auto f2 = c->read_frame();
    REQUIRE(f1.has_value());
    REQUIRE(f2.has_value());
    CHECK(f1->first == 0x01);
    CHECK(std::string(f1->second.begin(), f1->second.end()) == "to");
    CHECK(f2->first == 0x00);
    CHECK(std::string(f2->second.begin(), f2->second.end()) == "p2");
}

TEST_CASE("dealer/router: the ROUTER options are checked like libzmq", "[router]") {
    zmx::context ctx;
    zmx::socket router = make_quick(ctx, zmx::socket_type::router);
    for (const auto id : {zmx::sockopt::router_mandatory.id, zmx::sockopt::router_handover.id,
                          zmx::sockopt::probe_router.id}) {
        INFO("option " << id);
        int v = 1;
        CHECK(error_of([&] { router.set(id, &v, sizeof v); }) == 0);
        v = -1;
        CHECK(error_of([&] { router.set(id, &v, sizeof v); }) == EINVAL);
        CHECK(error_of([&] { router.set(id, "x", 1); }) == EINVAL);
        std::size_t len = sizeof v;
        CHECK(error_of([&] { router.get(id, &v, &len); }) == EINVAL);  // write-only in libzmq
    }
    // ZMQ_ROUTER_RAW (deprecated) is not built: only turning it off is accepted.
    CHECK(error_of([&] { router.set(zmx::sockopt::router_raw, 0); }) == 0);
    CHECK(error_of([&] { router.set(zmx::sockopt::router_raw, 1); }) == EINVAL);
    zmx::socket dealer = make_quick(ctx, zmx::socket_type::dealer);
    CHECK(error_of([&] { dealer.set(zmx::sockopt::router_mandatory, 1); }) == EINVAL);
    CHECK(error_of([&] { dealer.set(zmx::sockopt::probe_router, 1); }) == 0);
    CHECK(error_of([&] { dealer.set(zmx::sockopt::probe_router, -1); }) == EINVAL);
}
