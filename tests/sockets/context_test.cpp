// zmx::context and socket options: which socket types exist, shutdown unblocking blocked calls (ETERM),
// linger at context destruction (deliver with -1, never block with 0), option defaults/round trips and
// invalid values, context options.
#include "support.hpp"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace zmx::test;

TEST_CASE("context: implemented socket types construct and the others fail with EINVAL", "[context]") {
    zmx::context ctx;
    for (int t = 0; t <= 20; ++t) {
        INFO("socket type " << t);
        // Every classic type (0-11), SERVER, CLIENT and PEER; not yet RADIO/DISH/GATHER/SCATTER/DGRAM/CHANNEL.
        const bool built = t <= 13 || t == 19;
        if (built) {
            zmx::socket s(ctx, static_cast<zmx::socket_type>(t));
            CHECK(static_cast<bool>(s));
            CHECK(s.get(zmx::sockopt::type) == t);
            CHECK(s.get(zmx::sockopt::thread_safe) == (t <= 11 ? 0 : 1));
        } else {
            CHECK(error_of([&] { zmx::socket s(ctx, static_cast<zmx::socket_type>(t)); }) == EINVAL);
        }
    }
    for (int t : {-1, 21, 1000}) {
        INFO("socket type " << t);
        CHECK(error_of([&] { zmx::socket s(ctx, static_cast<zmx::socket_type>(t)); }) == EINVAL);
    }
}

TEST_CASE("context: shutdown makes a recv blocked in another thread throw ETERM", "[context]") {
    auto ctx = std::make_shared<zmx::context>();
    auto s = std::make_shared<zmx::socket>(*ctx, zmx::socket_type::server);
    bind_any(*s);
    REQUIRE(s->get(zmx::sockopt::rcvtimeo) == -1);  // blocks forever unless shutdown wakes it

    auto result = std::make_shared<std::atomic<int>>(-1);
    auto entered = std::make_shared<std::atomic<bool>>(false);
    background blocked([ctx, s, result, entered] {
        entered->store(true);
        result->store(error_of([&] {
            zmx::message m;
            s->recv(m);
        }));
    });
    REQUIRE(wait_until([&] { return entered->load(); }));
    ctx->shutdown();
    // If recv never returns, the thread keeps s and ctx alive through its captures and the test fails.
    REQUIRE(blocked.wait());
    CHECK(result->load() == zmx::eterm);

    // Every later call on the socket reports ETERM too, and new sockets cannot be made.
    CHECK(error_of([&] { s->send_to(1, "x"); }) == zmx::eterm);
    CHECK(error_of([&] { s->bind("tcp://127.0.0.1:*"); }) == zmx::eterm);
    CHECK(error_of([&] { zmx::socket other(*ctx, zmx::socket_type::peer); }) == zmx::eterm);
    s->close();
    REQUIRE(finishes_within([ctx] { ctx->close(); }));
}

TEST_CASE("context: shutdown of one context leaves other contexts working", "[context]") {
    zmx::context a;
    zmx::context b;
    zmx::socket sa(a, zmx::socket_type::peer);
    zmx::socket server(b, zmx::socket_type::server);
    zmx::socket client(b, zmx::socket_type::client);
    set_timeouts(server);
    set_timeouts(client);
    client.connect(bind_any(server));
    a.shutdown();
    CHECK(error_of([&] { sa.connect_peer("tcp://127.0.0.1:5555"); }) == zmx::eterm);
    send_ok(client, "b still works");
    CHECK(recv_str(server) == "b still works");
}

TEST_CASE("context: destroying a context delivers what closed sockets still queue (linger -1)",
          "[context][linger][tcp]") {
    zmx::context rctx;
    zmx::socket receiver(rctx, zmx::socket_type::server);
    set_timeouts(receiver, 2000);
    const std::string ep = bind_any(receiver);

    constexpr int count = 1000;
    auto sent = std::make_shared<std::atomic<int>>(0);
    auto closed = std::make_shared<std::atomic<bool>>(false);
    // The sender lives entirely inside its thread: its own context, socket, close, and destruction.
    background sender([ep, sent, closed] {
        zmx::context sctx;
        zmx::socket s(sctx, zmx::socket_type::client);
        s.set(zmx::sockopt::sndtimeo, timeout_ms);
        s.connect(ep);
        for (int i = 0; i < count; ++i) {
            if (!s.send("m" + std::to_string(i)).has_value()) break;
            ++*sent;
        }
        s.close();
        closed->store(true);
        sctx.close();  // blocks until the queue is delivered (linger -1)
    });

    int got = 0;
    bool in_order = true;
    for (int i = 0; i < count; ++i) {
        zmx::message m;
        if (!receiver.recv(m).has_value()) break;
        in_order = in_order && m.str() == "m" + std::to_string(i);
        ++got;
    }
    const bool finished = sender.wait(std::chrono::milliseconds(3000));
    CHECK(sent->load() == count);
    CHECK(got == count);
    CHECK(in_order);
    CHECK(closed->load());
    CHECK(finished);
}

// Race-free forms of the above. With ZMQ_LINGER -1 a closed socket's session must keep (or start)
// dialing and deliver every queued message before the context ends, as libzmq's does (its session
// keeps its connecter until the pipe has drained). The sender's messages are all still queued when it
// closes, because the peer does not exist yet; `dial_started` says whether the sender waits (with
// io_barrier) until its I/O thread has begun dialing before it closes.
namespace {
void linger_delivers_to_late_peer(bool dial_started) {
    const std::string ep = local_ep(free_port());
    constexpr int count = 100;
    auto sent = std::make_shared<std::atomic<int>>(0);
    auto barrier_ok = std::make_shared<std::atomic<bool>>(!dial_started);
    auto closed = std::make_shared<std::atomic<bool>>(false);
    background sender([ep, sent, closed, barrier_ok, dial_started] {
        zmx::context sctx;
        zmx::socket s(sctx, zmx::socket_type::client);
        s.set(zmx::sockopt::sndtimeo, timeout_ms);
        s.connect(ep);
        for (int i = 0; i < count; ++i) {
            if (!s.send("q" + std::to_string(i)).has_value()) break;
            ++*sent;
        }
        if (dial_started) barrier_ok->store(io_barrier(sctx));
        s.close();
        closed->store(true);
        sctx.close();  // must keep dialing and deliver before it returns (linger -1)
    });

    REQUIRE(wait_until([&] { return closed->load(); }));
    REQUIRE(sent->load() == count);
    REQUIRE(barrier_ok->load());

    zmx::context rctx;
    zmx::socket receiver(rctx, zmx::socket_type::server);
    set_timeouts(receiver, 2000);
    receiver.set(zmx::sockopt::linger, 0);
    bind_retry(receiver, ep);
    int got = 0;
    for (int i = 0; i < count; ++i) {
        zmx::message m;
        if (!receiver.recv(m).has_value()) break;
        CHECK(m.str() == "q" + std::to_string(i));
        ++got;
    }
    const bool finished = sender.wait(std::chrono::milliseconds(3000));
    CHECK(got == count);
    CHECK(finished);
}
}  // namespace

TEST_CASE("context: linger -1 delivers to a peer that binds after the sender closed (closed before dialing)",
          "[context][linger][tcp]") {
    linger_delivers_to_late_peer(false);
}

TEST_CASE("context: linger -1 delivers to a peer that binds after the sender closed (closed while dialing)",
          "[context][linger][tcp]") {
    linger_delivers_to_late_peer(true);
}

TEST_CASE("context: linger 0 with an unreachable peer does not block context destruction", "[context][linger]") {
    const std::string ep = local_ep(free_port());  // nobody listens there
    const bool finished = finishes_within([ep] {
        zmx::context ctx;
        zmx::socket s(ctx, zmx::socket_type::client);
        s.set(zmx::sockopt::linger, 0);
        s.set(zmx::sockopt::sndtimeo, timeout_ms);
        s.connect(ep);
        for (int i = 0; i < 10; ++i) s.send("undeliverable");
        zmx::socket p(ctx, zmx::socket_type::peer);
        p.set(zmx::sockopt::linger, 0);
        p.set(zmx::sockopt::sndtimeo, timeout_ms);
        const std::uint32_t id = p.connect_peer(ep);
        for (int i = 0; i < 10; ++i) p.send_to(id, "undeliverable");
        // Sockets close and the context terminates here.
    });
    CHECK(finished);
}

TEST_CASE("context: a finite linger with an unreachable peer ends context destruction", "[context][linger]") {
    const std::string ep = local_ep(free_port());
    const bool finished = finishes_within([ep] {
        zmx::context ctx;
        zmx::socket s(ctx, zmx::socket_type::client);
        s.set(zmx::sockopt::linger, 50);
        s.set(zmx::sockopt::sndtimeo, timeout_ms);
        s.connect(ep);
        s.send("undeliverable");
    });
    CHECK(finished);
}

TEST_CASE("options: defaults match libzmq", "[options]") {
    zmx::context ctx;
    zmx::socket s(ctx, zmx::socket_type::peer);
    CHECK(s.get(zmx::sockopt::type) == 19);
    CHECK(s.get(zmx::sockopt::sndhwm) == 1000);
    CHECK(s.get(zmx::sockopt::rcvhwm) == 1000);
    CHECK(s.get(zmx::sockopt::linger) == -1);
    CHECK(s.get(zmx::sockopt::rcvtimeo) == -1);
    CHECK(s.get(zmx::sockopt::sndtimeo) == -1);
    CHECK(s.get(zmx::sockopt::reconnect_ivl) == 100);
    CHECK(s.get(zmx::sockopt::reconnect_ivl_max) == 0);
    CHECK(s.get(zmx::sockopt::backlog) == 100);
    CHECK(s.get(zmx::sockopt::maxmsgsize) == -1);
    CHECK(s.get(zmx::sockopt::handshake_ivl) == 30000);
    CHECK(s.get(zmx::sockopt::immediate) == 0);
    CHECK(s.get(zmx::sockopt::ipv6) == 0);
    CHECK(s.get(zmx::sockopt::connect_timeout) == 0);
    CHECK(s.get(zmx::sockopt::thread_safe) == 1);
    CHECK(s.get(zmx::sockopt::routing_id).empty());
    CHECK(s.get(zmx::sockopt::last_endpoint).empty());
}

TEST_CASE("options: set/get round-trips", "[options]") {
    zmx::context ctx;
    zmx::socket s(ctx, zmx::socket_type::peer);
    s.set(zmx::sockopt::sndhwm, 7);
    CHECK(s.get(zmx::sockopt::sndhwm) == 7);
    s.set(zmx::sockopt::sndhwm, 0);  // 0 = no limit
    CHECK(s.get(zmx::sockopt::sndhwm) == 0);
    s.set(zmx::sockopt::rcvhwm, 123456);
    CHECK(s.get(zmx::sockopt::rcvhwm) == 123456);
    s.set(zmx::sockopt::linger, 0);
    CHECK(s.get(zmx::sockopt::linger) == 0);
    s.set(zmx::sockopt::linger, 2500);
    CHECK(s.get(zmx::sockopt::linger) == 2500);
    s.set(zmx::sockopt::linger, -1);
    CHECK(s.get(zmx::sockopt::linger) == -1);
    s.set(zmx::sockopt::rcvtimeo, 250);
    CHECK(s.get(zmx::sockopt::rcvtimeo) == 250);
    s.set(zmx::sockopt::sndtimeo, 0);
    CHECK(s.get(zmx::sockopt::sndtimeo) == 0);
    s.set(zmx::sockopt::routing_id, std::string("peer-one"));
    CHECK(s.get(zmx::sockopt::routing_id) == "peer-one");
    const std::string binary_id("\0\x01\xff", 3);
    s.set(zmx::sockopt::routing_id, binary_id);
    CHECK(s.get(zmx::sockopt::routing_id) == binary_id);
    s.set(zmx::sockopt::routing_id, std::string(255, 'r'));
    CHECK(s.get(zmx::sockopt::routing_id) == std::string(255, 'r'));
    s.set(zmx::sockopt::immediate, 1);
    CHECK(s.get(zmx::sockopt::immediate) == 1);
    s.set(zmx::sockopt::ipv6, 1);
    CHECK(s.get(zmx::sockopt::ipv6) == 1);
    s.set(zmx::sockopt::maxmsgsize, std::int64_t{1} << 40);
    CHECK(s.get(zmx::sockopt::maxmsgsize) == (std::int64_t{1} << 40));
    s.set(zmx::sockopt::maxmsgsize, std::int64_t{-1});
    CHECK(s.get(zmx::sockopt::maxmsgsize) == -1);
    s.set(zmx::sockopt::reconnect_ivl, -1);
    CHECK(s.get(zmx::sockopt::reconnect_ivl) == -1);
    s.set(zmx::sockopt::handshake_ivl, 0);
    CHECK(s.get(zmx::sockopt::handshake_ivl) == 0);

    // last_endpoint follows bind.
    zmx::socket b(ctx, zmx::socket_type::server);
    const std::string ep = bind_any(b);
    CHECK(ep.rfind("tcp://127.0.0.1:", 0) == 0);
}

TEST_CASE("options: invalid values and ids fail with EINVAL", "[options]") {
    zmx::context ctx;
    zmx::socket s(ctx, zmx::socket_type::peer);
    CHECK(error_of([&] { s.set(zmx::sockopt::sndhwm, -1); }) == EINVAL);
    CHECK(error_of([&] { s.set(zmx::sockopt::rcvhwm, -5); }) == EINVAL);
    CHECK(error_of([&] { s.set(zmx::sockopt::linger, -2); }) == EINVAL);
    CHECK(error_of([&] { s.set(zmx::sockopt::rcvtimeo, -2); }) == EINVAL);
    CHECK(error_of([&] { s.set(zmx::sockopt::sndtimeo, -2); }) == EINVAL);
    CHECK(error_of([&] { s.set(zmx::sockopt::immediate, 2); }) == EINVAL);
    CHECK(error_of([&] { s.set(zmx::sockopt::ipv6, -1); }) == EINVAL);
    CHECK(error_of([&] { s.set(zmx::sockopt::maxmsgsize, std::int64_t{-2}); }) == EINVAL);
    CHECK(error_of([&] { s.set(zmx::sockopt::routing_id, std::string()); }) == EINVAL);
    CHECK(error_of([&] { s.set(zmx::sockopt::routing_id, std::string(256, 'x')); }) == EINVAL);
    // Read-only options.
    CHECK(error_of([&] { s.set(zmx::sockopt::type, 12); }) == EINVAL);
    CHECK(error_of([&] { s.set(zmx::sockopt::thread_safe, 0); }) == EINVAL);
    CHECK(error_of([&] { s.set(zmx::sockopt::last_endpoint, std::string("tcp://1.2.3.4:5")); }) == EINVAL);
    // Unknown id; wrong value size; too-small get buffer.
    const int one = 1;
    CHECK(error_of([&] { s.set(9999, &one, sizeof one); }) == EINVAL);
    const std::int64_t wide = 1;
    CHECK(error_of([&] { s.set(zmx::sockopt::sndhwm.id, &wide, sizeof wide); }) == EINVAL);
    CHECK(error_of([&] { s.set(zmx::sockopt::maxmsgsize.id, &one, sizeof one); }) == EINVAL);
    char small[2];
    std::size_t len = sizeof small;
    CHECK(error_of([&] { s.get(zmx::sockopt::sndhwm.id, small, &len); }) == EINVAL);
    int v = 0;
    len = sizeof v;
    CHECK(error_of([&] { s.get(9999, &v, &len); }) == EINVAL);

    // Failed sets leave the old values.
    CHECK(s.get(zmx::sockopt::sndhwm) == 1000);
    CHECK(s.get(zmx::sockopt::linger) == -1);
    CHECK(s.get(zmx::sockopt::immediate) == 0);
    CHECK(s.get(zmx::sockopt::maxmsgsize) == -1);
    CHECK(s.get(zmx::sockopt::routing_id).empty());
}

TEST_CASE("context: context options io_threads ipv6 max_sockets blocky", "[context][options]") {
    zmx::context ctx;
    CHECK(ctx.get(zmx::ctxopt::io_threads) == 1);
    CHECK(ctx.get(zmx::ctxopt::ipv6) == 0);
    CHECK(ctx.get(zmx::ctxopt::blocky) == 1);
    CHECK(error_of([&] { ctx.set(9999, 1); }) == EINVAL);
    CHECK(error_of([&] { ctx.set(zmx::ctxopt::max_sockets, 0); }) == EINVAL);
    CHECK(error_of([&] { ctx.set(zmx::ctxopt::io_threads, -1); }) == EINVAL);

    // ZMQ_IPV6 on the context is the default of new sockets.
    ctx.set(zmx::ctxopt::ipv6, 1);
    CHECK(ctx.get(zmx::ctxopt::ipv6) == 1);
    zmx::socket s(ctx, zmx::socket_type::peer);
    CHECK(s.get(zmx::sockopt::ipv6) == 1);

    // ZMQ_MAX_SOCKETS bounds the live sockets (EMFILE beyond).
    zmx::context small;
    small.set(zmx::ctxopt::max_sockets, 2);
    zmx::socket a(small, zmx::socket_type::peer);
    zmx::socket b(small, zmx::socket_type::peer);
    CHECK(error_of([&] { zmx::socket c(small, zmx::socket_type::peer); }) == EMFILE);
    b.close();
    CHECK(error_of([&] { zmx::socket c(small, zmx::socket_type::peer); }) == 0);

    zmx::context two(2);
    CHECK(two.get(zmx::ctxopt::io_threads) == 2);
    zmx::socket server(two, zmx::socket_type::server);
    zmx::socket client(two, zmx::socket_type::client);
    set_timeouts(server);
    set_timeouts(client);
    client.connect(bind_any(server));
    send_ok(client, "two io threads");
    CHECK(recv_str(server) == "two io threads");
}
