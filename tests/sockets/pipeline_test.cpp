// PUSH/PULL (RFC 30 PIPELINE) over tcp, ipc and inproc: exact round robin, fair queueing, blocking at
// the HWM without loss, EAGAIN with no peer, multipart messages kept whole, ZMQ_CONFLATE on PULL.
#include "support.hpp"

#include <set>
#include <string>
#include <vector>

using namespace zmx::test;

namespace {

bool try_recv(zmx::socket& s, zmx::message& m) { return s.recv(m, zmx::recv_flags::dontwait).has_value(); }

}  // namespace

TEST_CASE("push/pull: push deals messages round robin over three pulls", "[push][pull]") {
    for (const char* tr : transports) {
        INFO("transport " << tr);
        zmx::context ctx;
        std::vector<zmx::socket> pulls;
        zmx::socket push = make_quick(ctx, zmx::socket_type::push);
        for (int i = 0; i < 3; ++i) {
            pulls.push_back(make_quick(ctx, zmx::socket_type::pull));
            push.connect(bind_ep(pulls.back(), tr));  // connect makes the pipes now, in this order
        }
        for (int i = 0; i < 12; ++i) send_ok(push, std::to_string(i));
        for (int k = 0; k < 3; ++k)
            for (int j = 0; j < 4; ++j)
                CHECK(recv_str(pulls[static_cast<std::size_t>(k)]) == std::to_string(k + 3 * j));
        zmx::message extra;
        for (auto& p : pulls) CHECK_FALSE(try_recv(p, extra));
    }
}

TEST_CASE("push/pull: pull fair-queues three pushes one message each in turn", "[push][pull][inproc]") {
    zmx::context ctx;
    zmx::socket pull = make_quick(ctx, zmx::socket_type::pull);
    const std::string ep = unique_inproc("fq");
    pull.bind(ep);
    std::vector<zmx::socket> pushes;
    for (int i = 0; i < 3; ++i) {
        pushes.push_back(make_quick(ctx, zmx::socket_type::push));
        pushes.back().connect(ep);
    }
    // Everything is queued before the first receive: sender 0 sends the most, sender 2 the fewest.
    const int counts[] = {6, 4, 2};
    for (int s = 0; s < 3; ++s)
        for (int j = 0; j < counts[s]; ++j)
            send_ok(pushes[static_cast<std::size_t>(s)], std::to_string(s) + ":" + std::to_string(j));

    std::vector<std::string> got;
    for (int i = 0; i < 12; ++i) got.push_back(recv_str(pull));
    zmx::message extra;
    CHECK_FALSE(try_recv(pull, extra));
    // Rounds of one message from every sender that still has one: 3 + 3 + 2 + 2 + 1 + 1.
    const std::size_t rounds[] = {3, 3, 2, 2, 1, 1};
    std::size_t pos = 0;
    int next[3] = {0, 0, 0};
    for (std::size_t r : rounds) {
        std::set<char> senders;
        for (std::size_t i = 0; i < r; ++i, ++pos) {
            const std::string& m = got[pos];
            const int s = m[0] - '0';
            REQUIRE((s >= 0 && s < 3));
            CHECK(m == std::to_string(s) + ":" + std::to_string(next[s]++));  // each sender's own order
            senders.insert(m[0]);
        }
        INFO("round ending at " << pos);
        CHECK(senders.size() == r);  // no sender twice in one round
    }
}

TEST_CASE("push/pull: every push's messages reach the pull in order", "[push][pull]") {
    for (const char* tr : transports) {
        INFO("transport " << tr);
        zmx::context ctx;
        zmx::socket pull = make_quick(ctx, zmx::socket_type::pull);
        const std::string ep = bind_ep(pull, tr);
        std::vector<zmx::socket> pushes;
        for (int i = 0; i < 3; ++i) {
            pushes.push_back(make_quick(ctx, zmx::socket_type::push));
            pushes.back().connect(ep);
        }
        constexpr int per_sender = 200;
        for (int j = 0; j < per_sender; ++j)
            for (int s = 0; s < 3; ++s)
                send_ok(pushes[static_cast<std::size_t>(s)], std::to_string(s) + ":" + std::to_string(j));
        int next[3] = {0, 0, 0};
        for (int i = 0; i < 3 * per_sender; ++i) {
            const std::string m = recv_str(pull);
            const int s = m[0] - '0';
            REQUIRE((s >= 0 && s < 3));
            REQUIRE(m == std::to_string(s) + ":" + std::to_string(next[s]++));
        }
    }
}

TEST_CASE("push/pull: push blocks at the HWM and loses nothing while the pull is slow", "[push][pull][tcp][hwm]") {
    zmx::context ctx;
    auto push = std::make_shared<zmx::socket>(make_quick(ctx, zmx::socket_type::push));
    zmx::socket pull = make_quick(ctx, zmx::socket_type::pull);
    push->set(zmx::sockopt::sndhwm, 10);
    pull.set(zmx::sockopt::rcvhwm, 10);
    push->connect(bind_any(pull));

    constexpr int total = 10000;
    auto sent = std::make_shared<std::atomic<int>>(0);
    background sender([push, sent] {
        for (int i = 0; i < total; ++i) {
            if (!push->send(std::to_string(i)).has_value()) return;  // SNDTIMEO ran out: the test fails below
            sent->fetch_add(1);
        }
    });
    for (int i = 0; i < total; ++i) {
        REQUIRE(recv_str(pull) == std::to_string(i));
        if (i % 1000 == 999) std::this_thread::sleep_for(20ms);  // a slow consumer, now and then
    }
    REQUIRE(sender.wait());
    CHECK(sent->load() == total);
    zmx::message extra;
    CHECK_FALSE(try_recv(pull, extra));
}

TEST_CASE("push/pull: over inproc exactly SNDHWM + RCVHWM messages fit before EAGAIN", "[push][pull][inproc][hwm]") {
    zmx::context ctx;
    zmx::socket push = make_quick(ctx, zmx::socket_type::push);
    zmx::socket pull = make_quick(ctx, zmx::socket_type::pull);
    push.set(zmx::sockopt::sndhwm, 10);
    pull.set(zmx::sockopt::rcvhwm, 10);
    const std::string ep = unique_inproc("hwm");
    push.bind(ep);
    pull.connect(ep);
    // Twice: the queue holds exactly 20, and once the pull has drained it the push has room again.
    for (int round = 0; round < 2; ++round) {
        int n = 0;
        while (n < 100 && push.send(std::to_string(n), zmx::send_flags::dontwait).has_value()) ++n;
        CHECK(n == 20);
        for (int i = 0; i < n; ++i) CHECK(recv_str(pull) == std::to_string(i));
        zmx::message extra;
        CHECK_FALSE(try_recv(pull, extra));
    }
}

TEST_CASE("push/pull: push with no peer answers EAGAIN and blocks up to SNDTIMEO", "[push][pull]") {
    zmx::context ctx;
    zmx::socket push = make_quick(ctx, zmx::socket_type::push);
    CHECK_FALSE(push.send("x", zmx::send_flags::dontwait).has_value());
    push.set(zmx::sockopt::sndtimeo, 100);
    const auto t0 = clock_type::now();
    CHECK_FALSE(push.send("x").has_value());
    CHECK(clock_type::now() - t0 >= 90ms);
    // A bound PUSH with no connected peer behaves the same.
    push.bind("tcp://127.0.0.1:*");
    CHECK_FALSE(push.send("x", zmx::send_flags::dontwait).has_value());
}

TEST_CASE("push/pull: messages queue on a connect before the pull exists", "[push][pull][tcp]") {
    zmx::context ctx;
    zmx::socket push = make_quick(ctx, zmx::socket_type::push);
    const std::string ep = local_ep(free_port());
    push.connect(ep);
    for (int i = 0; i < 5; ++i) send_ok(push, "early " + std::to_string(i));
    zmx::socket pull = make_quick(ctx, zmx::socket_type::pull);
    bind_retry(pull, ep);
    for (int i = 0; i < 5; ++i) CHECK(recv_str(pull) == "early " + std::to_string(i));
}

TEST_CASE("push/pull: multipart messages stay whole and round robin goes by message", "[push][pull]") {
    for (const char* tr : transports) {
        INFO("transport " << tr);
        zmx::context ctx;
        zmx::socket push = make_quick(ctx, zmx::socket_type::push);
        zmx::socket a = make_quick(ctx, zmx::socket_type::pull);
        zmx::socket b = make_quick(ctx, zmx::socket_type::pull);
        push.connect(bind_ep(a, tr));
        push.connect(bind_ep(b, tr));
        for (int i = 0; i < 4; ++i) {
            REQUIRE(push.send("m" + std::to_string(i), zmx::send_flags::sndmore).has_value());
            REQUIRE(push.send(std::string("middle"), zmx::send_flags::sndmore).has_value());
            REQUIRE(push.send(std::string("end")).has_value());
        }
        for (int i = 0; i < 4; ++i) {
            zmx::socket& s = i % 2 == 0 ? a : b;
            zmx::message m = recv_msg(s);
            CHECK(m.str() == "m" + std::to_string(i));
            CHECK(m.more());
            m = recv_msg(s);
            CHECK(m.str() == "middle");
            CHECK(m.more());
            m = recv_msg(s);
            CHECK(m.str() == "end");
            CHECK_FALSE(m.more());
        }
    }
}

TEST_CASE("push/pull: a closed pull gets no more messages and the others get them all", "[push][pull][inproc]") {
    zmx::context ctx;
    zmx::socket push = make_quick(ctx, zmx::socket_type::push);
    zmx::socket a = make_quick(ctx, zmx::socket_type::pull);
    auto b = std::make_unique<zmx::socket>(make_quick(ctx, zmx::socket_type::pull));
    const std::string ep = unique_inproc("gone");
    push.bind(ep);
    a.connect(ep);
    b->connect(ep);
    send_ok(push, "0");
    send_ok(push, "1");
    const std::string first = recv_str(a);
    CHECK((first == "0" || first == "1"));
    b.reset();  // closed: its pipe end is closed at once
    for (int i = 2; i < 8; ++i) send_ok(push, std::to_string(i));
    for (int i = 2; i < 8; ++i) CHECK(recv_str(a) == std::to_string(i));
}

TEST_CASE("push/pull: ZMQ_CONFLATE on pull keeps only the newest message", "[push][pull][conflate]") {
    SECTION("inproc") {
        zmx::context ctx;
        zmx::socket push = make_quick(ctx, zmx::socket_type::push);
        zmx::socket pull = make_quick(ctx, zmx::socket_type::pull);
        pull.set(zmx::sockopt::conflate, 1);
        const std::string ep = unique_inproc("conflate");
        push.bind(ep);
        pull.connect(ep);  // the connector's pipe: the pull's options make it conflating
        for (int i = 0; i < 100; ++i) send_ok(push, std::to_string(i));  // never blocks
        CHECK(recv_str(pull) == "99");
        zmx::message extra;
        CHECK_FALSE(try_recv(pull, extra));
        send_ok(push, "100");
        CHECK(recv_str(pull) == "100");
    }
    SECTION("tcp") {
        zmx::context ctx;
        zmx::socket push = make_quick(ctx, zmx::socket_type::push);
        zmx::socket pull = make_quick(ctx, zmx::socket_type::pull);
        pull.set(zmx::sockopt::conflate, 1);
        push.set(zmx::sockopt::sndhwm, 0);
        // Everything is queued before the pull exists, so it arrives in one burst.
        const std::string ep = local_ep(free_port());
        push.connect(ep);
        constexpr int total = 1000;
        for (int i = 0; i < total; ++i) send_ok(push, std::to_string(i));
        bind_retry(pull, ep);
        // Newer messages replace older ones: what the pull gets is increasing and ends with the last.
        // (How many it gets depends on how its reads interleave with the engine's writes; the inproc
        // section checks the replacing itself.)
        int last = -1;
        while (last != total - 1) {
            const int v = std::stoi(recv_str(pull));
            REQUIRE(v > last);
            last = v;
        }
        zmx::message extra;
        CHECK_FALSE(try_recv(pull, extra));
    }
}

TEST_CASE("push/pull: push cannot receive and pull cannot send", "[push][pull]") {
    zmx::context ctx;
    zmx::socket push = make_quick(ctx, zmx::socket_type::push);
    zmx::socket pull = make_quick(ctx, zmx::socket_type::pull);
    zmx::message m;
    CHECK(error_of([&] { (void)push.recv(m, zmx::recv_flags::dontwait); }) == ENOTSUP);
    CHECK(error_of([&] { (void)pull.send("x", zmx::send_flags::dontwait); }) == ENOTSUP);
}
