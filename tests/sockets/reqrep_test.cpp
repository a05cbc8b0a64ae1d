// REQ/REP (RFC 28) over tcp, ipc and inproc: request/reply both ways of bind/connect, the EFSM rules,
// REQ's round robin and REP's fair queueing, envelopes as seen by ROUTER and sent by DEALER, dropped
// malformed messages, ZMQ_REQ_RELAXED, ZMQ_REQ_CORRELATE, and exact readiness (ZMQ_EVENTS).
#include "support.hpp"

#include <cstring>
#include <string>
#include <vector>

using namespace zmx::test;

namespace {

using frames = std::vector<std::string>;

constexpr int pollin = 1;
constexpr int pollout = 2;

int events(zmx::socket& s) { return s.get(zmx::sockopt::events); }

std::string u32(std::uint32_t v) { return std::string(reinterpret_cast<const char*>(&v), sizeof v); }

}  // namespace

TEST_CASE("reqrep: request and reply with multipart bodies both ways of bind and connect",
          "[reqrep][tcp][ipc][inproc]") {
    for (const char* tr : transports) {
        for (const bool rep_binds : {true, false}) {
            INFO("transport " << tr << (rep_binds ? " rep binds" : " req binds"));
            zmx::context ctx;
            zmx::socket req = make_quick(ctx, zmx::socket_type::req);
            zmx::socket rep = make_quick(ctx, zmx::socket_type::rep);
            if (rep_binds) req.connect(bind_ep(rep, tr));
            else rep.connect(bind_ep(req, tr));
            for (int i = 0; i < 3; ++i) {
                const std::string n = std::to_string(i);
                send_multipart(req, {"q" + n, "", "tail" + n});  // an empty frame inside the body is only data
                CHECK(recv_multipart(rep) == frames{"q" + n, "", "tail" + n});
                send_multipart(rep, {"r" + n, "more" + n});
                CHECK(recv_multipart(req) == frames{"r" + n, "more" + n});
            }
        }
    }
}

TEST_CASE("reqrep: out of order calls fail with EFSM and leave the state alone", "[reqrep][inproc]") {
    zmx::context ctx;
    zmx::socket req = make_quick(ctx, zmx::socket_type::req);
    zmx::socket rep = make_quick(ctx, zmx::socket_type::rep);
    req.connect(bind_ep(rep, "inproc"));
    zmx::message m;
    CHECK(error_of([&] { req.recv(m); }) == zmx::efsm);  // nothing asked yet
    CHECK(error_of([&] { rep.send("early"); }) == zmx::efsm);
    send_ok(req, "one");
    CHECK(error_of([&] { req.send("two"); }) == zmx::efsm);  // the reply is owed first
    CHECK(recv_str(rep) == "one");
    CHECK(error_of([&] { rep.recv(m); }) == zmx::efsm);  // the reply is owed first
    send_ok(rep, "reply");
    CHECK(error_of([&] { rep.send("again"); }) == zmx::efsm);
    CHECK(recv_str(req) == "reply");
    CHECK(error_of([&] { req.recv(m); }) == zmx::efsm);
    // A multipart request is one request: EFSM only after its last frame.
    REQUIRE(req.send("a", zmx::send_flags::sndmore).has_value());
    send_ok(req, "b");
    CHECK(recv_multipart(rep) == frames{"a", "b"});
    send_ok(rep, "ok");
    CHECK(recv_str(req) == "ok");
}

TEST_CASE("reqrep: readiness follows the state machine exactly", "[reqrep][inproc]") {
    zmx::context ctx;
    zmx::socket req = make_quick(ctx, zmx::socket_type::req);
    zmx::socket router = make_quick(ctx, zmx::socket_type::router);
    req.set(zmx::sockopt::routing_id, std::string("R"));
    req.connect(bind_ep(router, "inproc"));
    CHECK(events(req) == pollout);
    send_ok(req, "q");
    CHECK(events(req) == 0);  // no new request, and no reply yet
    CHECK(recv_multipart(router) == frames{"R", "", "q"});
    send_multipart(router, {"R", "no delimiter"});  // not a reply: dropped, never readable
    send_multipart(router, {"R", "x", "", "bad envelope"});
    CHECK(events(req) == 0);
    send_multipart(router, {"R", "", "good"});
    CHECK(wait_until([&] { return events(req) == pollin; }));
    CHECK(recv_str(req) == "good");
    CHECK(events(req) == pollout);

    zmx::socket rep = make_quick(ctx, zmx::socket_type::rep);
    zmx::socket dealer = make_quick(ctx, zmx::socket_type::dealer);
    dealer.connect(bind_ep(rep, "inproc"));
    CHECK(events(rep) == 0);
    send_ok(dealer, "no delimiter");  // dropped by REP: never readable
    CHECK(events(rep) == 0);
    send_multipart(dealer, {"", "req"});
    CHECK(wait_until([&] { return events(rep) == pollin; }));
    CHECK(recv_str(rep) == "req");
    CHECK(events(rep) == pollout);
    send_ok(rep, "rep");
    CHECK(events(rep) == 0);
    CHECK(recv_multipart(dealer) == frames{"", "rep"});
}

TEST_CASE("reqrep: req sends its requests round robin over three reps in connect order", "[reqrep][tcp][ipc][inproc]") {
    for (const char* tr : transports) {
        INFO("transport " << tr);
        zmx::context ctx;
        zmx::socket req = make_quick(ctx, zmx::socket_type::req);
        std::vector<zmx::socket> reps;
        for (int i = 0; i < 3; ++i) {
            reps.push_back(make_quick(ctx, zmx::socket_type::rep));
            req.connect(bind_ep(reps.back(), tr));
        }
        for (int round = 0; round < 2; ++round) {
            for (std::size_t k = 0; k < 3; ++k) {
                const std::string n = std::to_string(round) + "-" + std::to_string(k);
                send_ok(req, "q" + n);
                CHECK(recv_str(reps[k]) == "q" + n);
                send_ok(reps[k], "r" + n);
                CHECK(recv_str(req) == "r" + n);
            }
        }
    }
}

TEST_CASE("reqrep: rep fair-queues its requesters and replies to each", "[reqrep][inproc]") {
    zmx::context ctx;
    zmx::socket rep = make_quick(ctx, zmx::socket_type::rep);
    const std::string ep = bind_ep(rep, "inproc");
    std::vector<zmx::socket> reqs;
    for (int i = 0; i < 3; ++i) {
        reqs.push_back(make_quick(ctx, zmx::socket_type::req));
        reqs.back().connect(ep);
    }
    // Queued in reverse order; REP takes them in its turn order (the order the peers attached).
    for (int round = 0; round < 2; ++round) {
        for (int i = 2; i >= 0; --i) send_ok(reqs[static_cast<std::size_t>(i)], "from " + std::to_string(i));
        for (int i = 0; i < 3; ++i) {
            CHECK(recv_str(rep) == "from " + std::to_string(i));
            send_ok(rep, "to " + std::to_string(i));
        }
        for (int i = 0; i < 3; ++i) CHECK(recv_str(reqs[static_cast<std::size_t>(i)]) == "to " + std::to_string(i));
    }

    // Three dealers with two requests each: one from each in turn.
    zmx::socket rep2 = make_quick(ctx, zmx::socket_type::rep);
    const std::string ep2 = bind_ep(rep2, "inproc");
    std::vector<zmx::socket> dealers;
    for (int i = 0; i < 3; ++i) {
        dealers.push_back(make_quick(ctx, zmx::socket_type::dealer));
        dealers.back().connect(ep2);
    }
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 2; ++j)
            send_multipart(dealers[static_cast<std::size_t>(i)], {"", std::to_string(i) + std::to_string(j)});
    for (int j = 0; j < 2; ++j)
        for (int i = 0; i < 3; ++i) {
            CHECK(recv_str(rep2) == std::to_string(i) + std::to_string(j));
            send_ok(rep2, "r" + std::to_string(i) + std::to_string(j));
        }
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 2; ++j)
            CHECK(recv_multipart(dealers[static_cast<std::size_t>(i)]) ==
                  frames{"", "r" + std::to_string(i) + std::to_string(j)});
}

TEST_CASE("reqrep: rep over tcp serves three reqs and each gets its own reply", "[reqrep][tcp]") {
    zmx::context ctx;
    zmx::socket rep = make_quick(ctx, zmx::socket_type::rep);
    const std::string ep = bind_any(rep);
    std::vector<zmx::socket> reqs;
    for (int i = 0; i < 3; ++i) {
        reqs.push_back(make_quick(ctx, zmx::socket_type::req));
        reqs.back().connect(ep);
        send_ok(reqs.back(), std::to_string(i));
    }
    for (int i = 0; i < 3; ++i) {
        const std::string q = recv_str(rep);
        send_ok(rep, "re " + q);
    }
    for (int i = 0; i < 3; ++i) CHECK(recv_str(reqs[static_cast<std::size_t>(i)]) == "re " + std::to_string(i));
}

TEST_CASE("reqrep: router sees routing id and delimiter and its reply reaches the req",
          "[reqrep][router][tcp][inproc]") {
    for (const char* tr : {"tcp", "inproc"}) {
        INFO("transport " << tr);
        zmx::context ctx;
        zmx::socket router = make_quick(ctx, zmx::socket_type::router);
        zmx::socket req = make_quick(ctx, zmx::socket_type::req);
        req.set(zmx::sockopt::routing_id, std::string("client-7"));
        req.connect(bind_ep(router, tr));
        send_multipart(req, {"hello", "world"});
        CHECK(recv_multipart(router) == frames{"client-7", "", "hello", "world"});
        // A reply from the wrong peer never reaches it; the right one does.
        send_multipart(router, {"client-7", "", "answer"});
        CHECK(recv_str(req) == "answer");

        zmx::socket anon = make_quick(ctx, zmx::socket_type::req);  // no ZMQ_ROUTING_ID: an auto id
        anon.connect(router.get(zmx::sockopt::last_endpoint));
        send_ok(anon, "x");
        const frames f = recv_multipart(router);
        REQUIRE(f.size() == 3);
        CHECK(f[0].size() == 5);
        CHECK(f[0][0] == '\0');
        CHECK(f[1].empty());
        send_multipart(router, {f[0], "", "for anon"});
        CHECK(recv_str(anon) == "for anon");
    }
}

TEST_CASE("reqrep: dealer talks to rep with an explicit delimiter and rep drops requests without one",
          "[reqrep][dealer][tcp]") {
    zmx::context ctx;
    zmx::socket rep = make_quick(ctx, zmx::socket_type::rep);
    zmx::socket dealer = make_quick(ctx, zmx::socket_type::dealer);
    dealer.connect(bind_any(rep));
    send_ok(dealer, "no delimiter");
    send_multipart(dealer, {"hop1", "hop2", "", "body", "end"});  // a longer envelope comes back as it was
    CHECK(recv_multipart(rep) == frames{"body", "end"});
    send_ok(rep, "reply");
    CHECK(recv_multipart(dealer) == frames{"hop1", "hop2", "", "reply"});
    CHECK(no_message_within(rep, 50ms));
}

TEST_CASE("reqrep: a reply to a requester that has gone is dropped and rep serves the next", "[reqrep][inproc]") {
    zmx::context ctx;
    zmx::socket rep = make_quick(ctx, zmx::socket_type::rep);
    const std::string ep = bind_ep(rep, "inproc");
    {
        zmx::socket gone = make_quick(ctx, zmx::socket_type::req);
        gone.connect(ep);
        send_ok(gone, "first");
        CHECK(recv_str(rep) == "first");
    }
    send_ok(rep, "nobody hears this");  // no error: dropped
    zmx::socket req = make_quick(ctx, zmx::socket_type::req);
    req.connect(ep);
    send_ok(req, "second");
    CHECK(recv_str(rep) == "second");
    send_ok(rep, "for second");
    CHECK(recv_str(req) == "for second");
}

TEST_CASE("reqrep: req only accepts the reply from the peer it asked", "[reqrep][inproc]") {
    zmx::context ctx;
    zmx::socket req = make_quick(ctx, zmx::socket_type::req);
    zmx::socket r1 = make_quick(ctx, zmx::socket_type::router);
    zmx::socket r2 = make_quick(ctx, zmx::socket_type::router);
    req.set(zmx::sockopt::routing_id, std::string("Q"));
    req.connect(bind_ep(r1, "inproc"));
    req.connect(bind_ep(r2, "inproc"));
    send_ok(req, "to r1");  // round robin: r1 first
    CHECK(recv_multipart(r1) == frames{"Q", "", "to r1"});
    send_multipart(r2, {"Q", "", "impostor"});  // r2 was not asked: dropped (inproc writes are immediate)
    CHECK(events(req) == 0);
    send_multipart(r1, {"Q", "", "genuine"});
    CHECK(recv_str(req) == "genuine");
}

TEST_CASE("reqrep: REQ_RELAXED allows a new request and ignores the earlier reply", "[reqrep][inproc]") {
    zmx::context ctx;
    zmx::socket req = make_quick(ctx, zmx::socket_type::req);
    zmx::socket router = make_quick(ctx, zmx::socket_type::router);
    req.set(zmx::sockopt::req_relaxed, 1);
    req.set(zmx::sockopt::routing_id, std::string("Q"));
    req.connect(bind_ep(router, "inproc"));
    send_ok(req, "A");
    CHECK(events(req) == pollout);  // relaxed: may send again at once
    CHECK(recv_multipart(router) == frames{"Q", "", "A"});
    send_multipart(router, {"Q", "", "reply A"});
    CHECK(wait_until([&] { return (events(req) & pollin) != 0; }));
    send_ok(req, "B");  // the reply to A, already here, is thrown away
    CHECK(recv_multipart(router) == frames{"Q", "", "B"});
    CHECK((events(req) & pollin) == 0);
    send_multipart(router, {"Q", "", "reply B"});
    CHECK(recv_str(req) == "reply B");
    zmx::message m;
    CHECK(error_of([&] { req.recv(m); }) == zmx::efsm);  // still no recv without a request
    CHECK(error_of([&] { req.set(zmx::sockopt::req_relaxed, -1); }) == EINVAL);
}

TEST_CASE("reqrep: REQ_CORRELATE adds a request id and drops replies that do not carry it", "[reqrep][inproc][tcp]") {
    for (const char* tr : {"inproc", "tcp"}) {
        INFO("transport " << tr);
        zmx::context ctx;
        zmx::socket req = make_quick(ctx, zmx::socket_type::req);
        zmx::socket router = make_quick(ctx, zmx::socket_type::router);
        req.set(zmx::sockopt::req_relaxed, 1);
        req.set(zmx::sockopt::req_correlate, 1);
        req.set(zmx::sockopt::routing_id, std::string("Q"));
        req.connect(bind_ep(router, tr));

        send_ok(req, "A");
        const frames a = recv_multipart(router);
        REQUIRE(a.size() == 4);
        CHECK(a[0] == "Q");
        REQUIRE(a[1].size() == 4);
        CHECK(a[2].empty());
        CHECK(a[3] == "A");
        std::uint32_t id_a = 0;
        std::memcpy(&id_a, a[1].data(), 4);

        send_ok(req, "B");  // relaxed: A's reply is now stale
        const frames b = recv_multipart(router);
        REQUIRE(b.size() == 4);
        std::uint32_t id_b = 0;
        std::memcpy(&id_b, b[1].data(), 4);
        CHECK(id_b == id_a + 1);  // ids count up (in host byte order, as libzmq)

        send_multipart(router, {"Q", a[1], "", "reply A"});         // stale id: dropped
        send_multipart(router, {"Q", "", "reply without id"});      // no id: dropped
        send_multipart(router, {"Q", u32(id_b + 5), "", "wrong"});  // wrong id: dropped
        send_multipart(router, {"Q", b[1], "", "reply B"});
        CHECK(recv_str(req) == "reply B");
        CHECK(events(req) == pollout);
    }
}

TEST_CASE("reqrep: the REQ and REP options are checked like libzmq", "[reqrep]") {
    zmx::context ctx;
    zmx::socket req = make_quick(ctx, zmx::socket_type::req);
    zmx::socket rep = make_quick(ctx, zmx::socket_type::rep);
    zmx::socket dealer = make_quick(ctx, zmx::socket_type::dealer);
    CHECK(error_of([&] { req.set(zmx::sockopt::req_correlate, 0); }) == 0);
    CHECK(error_of([&] { req.set(zmx::sockopt::req_correlate, -1); }) == EINVAL);
    CHECK(error_of([&] { req.set(zmx::sockopt::req_correlate.id, "x", 1); }) == EINVAL);
    CHECK(error_of([&] { dealer.set(zmx::sockopt::req_relaxed, 1); }) == EINVAL);
    CHECK(error_of([&] { rep.set(zmx::sockopt::req_correlate, 1); }) == EINVAL);
    int v = 0;
    std::size_t len = sizeof v;
    CHECK(error_of([&] { req.get(zmx::sockopt::req_relaxed.id, &v, &len); }) == EINVAL);  // write-only
    CHECK(req.get(zmx::sockopt::router_notify) == 0);  // read as 0 on non-ROUTER types
    CHECK(error_of([&] { req.set(zmx::sockopt::router_notify, 1); }) == EINVAL);
    CHECK(error_of([&] { req.set(zmx::sockopt::probe_router, 1); }) == 0);  // a DEALER underneath
}
