// XPUB and XSUB (RFC 29) over tcp and inproc: the subscriptions XPUB hands to its application
// (unique, VERBOSE, VERBOSER, cancels of a subscriber that leaves), XPUB_NODROP, XPUB_MANUAL and
// MANUAL_LAST_VALUE, WELCOME_MSG, INVERT_MATCHING, ONLY_FIRST_SUBSCRIBE, upstream data, XSUB's counted
// subscriptions and resending, long topics, and an XSUB/XPUB proxy forwarding both ways.
#include <atomic>
#include <string>
#include <vector>

#include "support.hpp"

using namespace zmx::test;

namespace {

// Binds s on tcp or inproc and returns the endpoint to connect to.
std::string bind_on(zmx::socket& s, bool tcp) {
    if (tcp) return bind_any(s);
    const std::string ep = unique_inproc("xpub");
    s.bind(ep);
    return ep;
}

zmx::socket make_xpub(zmx::context& ctx) {
    return make_quick(ctx, zmx::socket_type::xpub);
}
zmx::socket make_xsub(zmx::context& ctx) {
    return make_quick(ctx, zmx::socket_type::xsub);
}
zmx::socket make_sub(zmx::context& ctx) {
    return make_quick(ctx, zmx::socket_type::sub);
}

std::string subscribe_msg(const std::string& topic) {
    return std::string(1, '\x01') + topic;
}
std::string cancel_msg(const std::string& topic) {
    return std::string(1, '\x00') + topic;
}

bool nothing_within(zmx::socket& s, int ms = 100) {
    s.set(zmx::sockopt::rcvtimeo, ms);
    zmx::message m;
    const bool got = s.recv(m).has_value();
    s.set(zmx::sockopt::rcvtimeo, timeout_ms);
    if (got) UNSCOPED_INFO("unexpected message of " << m.size() << " bytes: " << m.str().substr(0, 40));
    return !got;
}

// One whole multipart message as its frames.
std::vector<std::string> recv_parts(zmx::socket& s) {
    std::vector<std::string> parts;
    for (;;) {
        zmx::message m = recv_msg(s);
        parts.emplace_back(m.str());
        if (!m.more()) return parts;
    }
}

void send_parts(zmx::socket& s, const std::vector<std::string>& parts) {
    for (std::size_t i = 0; i < parts.size(); ++i)
        REQUIRE(s.send(parts[i], i + 1 < parts.size() ? zmx::send_flags::sndmore : zmx::send_flags::none));
}

std::vector<std::string> recv_until(zmx::socket& s, const std::string& marker) {
    std::vector<std::string> out;
    for (;;) {
        std::string m = recv_str(s);
        if (m == marker) return out;
        out.push_back(std::move(m));
    }
}

}  // namespace

TEST_CASE("xpub: the application gets the first subscribe and the last cancel of each topic", "[xpub][tcp][inproc]") {
    for (const bool tcp : {false, true}) {
        INFO((tcp ? "tcp" : "inproc"));
        zmx::context ctx;
        zmx::socket xpub = make_xpub(ctx);
        const std::string ep = bind_on(xpub, tcp);
        zmx::socket s1 = make_sub(ctx), s2 = make_sub(ctx);
        s1.connect(ep);
        s2.connect(ep);
        s1.set(zmx::sockopt::subscribe, std::string("A"));
        CHECK(recv_str(xpub) == subscribe_msg("A"));
        s2.set(zmx::sockopt::subscribe, std::string("A"));  // a duplicate: not passed
        s2.set(zmx::sockopt::subscribe, std::string("B"));
        CHECK(recv_str(xpub) == subscribe_msg("B"));
        s1.set(zmx::sockopt::unsubscribe, std::string("A"));  // s2 still has it: not passed
        s2.set(zmx::sockopt::subscribe, std::string());
        CHECK(recv_str(xpub) == subscribe_msg(""));
        s2.set(zmx::sockopt::unsubscribe, std::string("A"));  // the last one
        CHECK(recv_str(xpub) == cancel_msg("A"));
        CHECK(nothing_within(xpub, 50));
    }
}

TEST_CASE("xpub: XPUB_VERBOSE passes every subscribe and unique cancels only", "[xpub][inproc]") {
    zmx::context ctx;
    zmx::socket xpub = make_xpub(ctx);
    xpub.set(zmx::sockopt::xpub_verbose, 1);
    const std::string ep = bind_on(xpub, false);
    zmx::socket s1 = make_sub(ctx), s2 = make_sub(ctx);
    s1.connect(ep);
    s2.connect(ep);
    s1.set(zmx::sockopt::subscribe, std::string("A"));
    CHECK(recv_str(xpub) == subscribe_msg("A"));
    s2.set(zmx::sockopt::subscribe, std::string("A"));
    CHECK(recv_str(xpub) == subscribe_msg("A"));
    s1.set(zmx::sockopt::subscribe, std::string("A"));  // SUB counts it and sends it again
    CHECK(recv_str(xpub) == subscribe_msg("A"));
    s1.set(zmx::sockopt::unsubscribe, std::string("A"));  // s1 still has one: SUB sends no cancel
    s1.set(zmx::sockopt::unsubscribe, std::string("A"));  // now it does; s2 still subscribed
    s2.set(zmx::sockopt::unsubscribe, std::string("A"));
    CHECK(recv_str(xpub) == cancel_msg("A"));
    CHECK(nothing_within(xpub, 50));
}

TEST_CASE("xpub: XPUB_VERBOSER passes every subscribe and every cancel", "[xpub][tcp]") {
    zmx::context ctx;
    zmx::socket xpub = make_xpub(ctx);
    xpub.set(zmx::sockopt::xpub_verboser, 1);
    const std::string ep = bind_on(xpub, true);
    zmx::socket s1 = make_sub(ctx), s2 = make_sub(ctx);
    s1.connect(ep);
    s1.set(zmx::sockopt::subscribe, std::string("A"));
    CHECK(recv_str(xpub) == subscribe_msg("A"));
    s2.connect(ep);
    s2.set(zmx::sockopt::subscribe, std::string("A"));
    CHECK(recv_str(xpub) == subscribe_msg("A"));
    s1.set(zmx::sockopt::unsubscribe, std::string("A"));
    CHECK(recv_str(xpub) == cancel_msg("A"));
    s2.set(zmx::sockopt::unsubscribe, std::string("A"));
    CHECK(recv_str(xpub) == cancel_msg("A"));
    // A SUB never sends a cancel for a topic it did not subscribe to.
    s2.set(zmx::sockopt::unsubscribe, std::string("never"));
    s2.set(zmx::sockopt::subscribe, std::string("next"));
    CHECK(recv_str(xpub) == subscribe_msg("next"));
}

TEST_CASE("xpub: a subscriber that goes away cancels its topics", "[xpub][tcp][inproc]") {
    for (const bool tcp : {false, true}) {
        for (const bool verboser : {false, true}) {
            INFO((tcp ? "tcp" : "inproc") << (verboser ? " verboser" : " unique"));
            zmx::context ctx;
            zmx::socket xpub = make_xpub(ctx);
            xpub.set(zmx::sockopt::xpub_verboser, verboser ? 1 : 0);
            const std::string ep = bind_on(xpub, tcp);
            zmx::socket stays = make_sub(ctx);
            stays.connect(ep);
            stays.set(zmx::sockopt::subscribe, std::string("shared"));
            CHECK(recv_str(xpub) == subscribe_msg("shared"));
            zmx::socket leaves = make_sub(ctx);
            leaves.connect(ep);
            for (const char* t : {"shared", "b", "a"}) leaves.set(zmx::sockopt::subscribe, std::string(t));
            if (verboser) CHECK(recv_str(xpub) == subscribe_msg("shared"));
            CHECK(recv_str(xpub) == subscribe_msg("b"));
            CHECK(recv_str(xpub) == subscribe_msg("a"));
            leaves.close();
            // In byte order; "shared" only where every cancel is passed.
            std::vector<std::string> expect = {cancel_msg("a"), cancel_msg("b")};
            if (verboser) expect.push_back(cancel_msg("shared"));
            std::vector<std::string> got;
            for (std::size_t i = 0; i < expect.size(); ++i) got.push_back(recv_str(xpub));
            CHECK(got == expect);
            CHECK(nothing_within(xpub, 50));
        }
    }
}

TEST_CASE("xpub: XPUB_NODROP waits at the HWM instead of dropping", "[xpub][inproc]") {
    zmx::context ctx;
    zmx::socket xpub = make_xpub(ctx);
    xpub.set(zmx::sockopt::xpub_nodrop, 1);
    xpub.set(zmx::sockopt::sndhwm, 3);
    const std::string ep = bind_on(xpub, false);
    zmx::socket sub = make_sub(ctx);
    sub.set(zmx::sockopt::rcvhwm, 2);
    sub.connect(ep);
    sub.set(zmx::sockopt::subscribe, std::string());
    CHECK(recv_str(xpub) == subscribe_msg(""));
    int sent = 0;
    for (; sent < 100; ++sent) {
        if (!xpub.send(std::to_string(sent), zmx::send_flags::sndmore | zmx::send_flags::dontwait)) break;
        REQUIRE(xpub.send("tail", zmx::send_flags::dontwait));  // a started message always completes
    }
    CHECK(sent == 5);                                  // 3 + 2 on inproc
    CHECK((xpub.get(zmx::sockopt::events) & 2) == 0);  // no POLLOUT while full
    xpub.set(zmx::sockopt::sndtimeo, 50);
    CHECK_FALSE(xpub.send("blocked"));  // waits out its timeout: EAGAIN
    for (int i = 0; i < sent; ++i) CHECK(recv_parts(sub) == std::vector<std::string>{std::to_string(i), "tail"});
    CHECK((xpub.get(zmx::sockopt::events) & 2) != 0);
    send_parts(xpub, {"after", "tail"});
    CHECK(recv_parts(sub) == std::vector<std::string>{"after", "tail"});
}

TEST_CASE("xpub: XPUB_NODROP loses nothing to a slow subscriber over tcp", "[xpub][tcp]") {
    zmx::context ctx;
    zmx::socket xpub = make_xpub(ctx);
    xpub.set(zmx::sockopt::xpub_nodrop, 1);
    xpub.set(zmx::sockopt::sndhwm, 10);
    const std::string ep = bind_on(xpub, true);
    zmx::socket sub = make_sub(ctx);
    sub.set(zmx::sockopt::rcvhwm, 10);
    sub.set(zmx::sockopt::rcvbuf, 4096);
    sub.connect(ep);
    sub.set(zmx::sockopt::subscribe, std::string());
    CHECK(recv_str(xpub) == subscribe_msg(""));
    constexpr int total = 20000;
    // The publisher runs on its own thread and blocks at the HWM; the subscriber reads slowly at first.
    auto failed_at = std::make_shared<std::atomic<int>>(-1);
    auto pub_sock = std::make_shared<zmx::socket>(std::move(xpub));
    background sender([pub_sock, failed_at] {
        const std::string body(500, 'p');
        for (int i = 0; i < total; ++i) {
            if (!pub_sock->send(std::to_string(i), zmx::send_flags::sndmore) || !pub_sock->send(body)) {
                failed_at->store(i);
                return;
            }
        }
    });
    for (int i = 0; i < total; ++i) {
        const auto parts = recv_parts(sub);
        REQUIRE(parts.size() == 2);
        REQUIRE(parts[0] == std::to_string(i));
        if (i < 50) std::this_thread::yield();
    }
    CHECK(sender.wait());
    CHECK(failed_at->load() == -1);
}

TEST_CASE("xpub: XPUB_MANUAL applies only what the application subscribes", "[xpub][inproc][tcp]") {
    for (const bool tcp : {false, true}) {
        INFO((tcp ? "tcp" : "inproc"));
        zmx::context ctx;
        zmx::socket xpub = make_xpub(ctx);
        xpub.set(zmx::sockopt::xpub_manual, 1);
        CHECK(error_of([&] { xpub.set(zmx::sockopt::subscribe, std::string("x")); }) == 0);  // no pipe yet: no-op
        const std::string ep = bind_on(xpub, tcp);
        zmx::socket xsub = make_xsub(ctx);  // no filter of its own: shows what XPUB sends it
        xsub.connect(ep);
        send_ok(xsub, subscribe_msg("A"));
        CHECK(recv_str(xpub) == subscribe_msg("A"));
        xpub.set(zmx::sockopt::subscribe, std::string("A"));
        send_ok(xsub, subscribe_msg("B"));
        CHECK(recv_str(xpub) == subscribe_msg("B"));
        xpub.set(zmx::sockopt::subscribe, std::string("M"));  // not what it asked for: the app decides
        for (const char* m : {"B1", "A1", "M1"}) send_ok(xpub, m);
        CHECK(recv_str(xsub) == "A1");
        CHECK(recv_str(xsub) == "M1");
        // A cancel is passed on but not applied either.
        send_ok(xsub, cancel_msg("A"));
        CHECK(recv_str(xpub) == cancel_msg("A"));
        send_ok(xpub, "A2");
        CHECK(recv_str(xsub) == "A2");
        xpub.set(zmx::sockopt::unsubscribe, std::string("A"));
        send_ok(xpub, "A3");
        send_ok(xpub, "M2");
        CHECK(recv_str(xsub) == "M2");
        // The subscriber leaving: a cancel for each topic it asked for (not unique ones).
        xsub.close();
        CHECK(recv_str(xpub) == cancel_msg("B"));
        CHECK(nothing_within(xpub, 50));
    }
}

TEST_CASE("xpub: XPUB_MANUAL_LAST_VALUE sends the next message to the new subscriber only", "[xpub][inproc]") {
    zmx::context ctx;
    zmx::socket xpub = make_xpub(ctx);
    xpub.set(zmx::sockopt::xpub_manual_last_value, 1);
    const std::string ep = bind_on(xpub, false);
    zmx::socket s1 = make_sub(ctx), s2 = make_sub(ctx);
    s1.connect(ep);
    s1.set(zmx::sockopt::subscribe, std::string("T"));
    CHECK(recv_str(xpub) == subscribe_msg("T"));
    xpub.set(zmx::sockopt::subscribe, std::string("T"));
    send_ok(xpub, "T-cached-for-s1");
    send_ok(xpub, "T-live-1");
    s2.connect(ep);
    s2.set(zmx::sockopt::subscribe, std::string("T"));
    CHECK(recv_str(xpub) == subscribe_msg("T"));
    xpub.set(zmx::sockopt::subscribe, std::string("T"));
    send_ok(xpub, "T-cached-for-s2");  // the last value cache's reply: s2 only
    send_ok(xpub, "T-live-2");         // then everyone again
    CHECK(recv_until(s1, "T-live-2") == std::vector<std::string>{"T-cached-for-s1", "T-live-1"});
    CHECK(recv_str(s2) == "T-cached-for-s2");
    CHECK(recv_str(s2) == "T-live-2");
}

TEST_CASE("xpub: XPUB_WELCOME_MSG is the first message of each new subscriber", "[xpub][tcp][inproc]") {
    for (const bool tcp : {false, true}) {
        INFO((tcp ? "tcp" : "inproc"));
        zmx::context ctx;
        zmx::socket xpub = make_xpub(ctx);
        xpub.set(zmx::sockopt::xpub_welcome_msg, std::string("WELCOME"));
        const std::string ep = bind_on(xpub, tcp);
        std::vector<zmx::socket> subs;  // kept open: the second "WEL" is a duplicate, not passed
        for (int i = 0; i < 2; ++i) {
            subs.push_back(make_sub(ctx));
            zmx::socket& sub = subs.back();
            sub.set(zmx::sockopt::subscribe, std::string("WEL"));  // must want it to see it
            sub.connect(ep);
            // XPUB attaches the new pipe (and writes the welcome) when it next handles its commands.
            sub.set(zmx::sockopt::rcvtimeo, 10);
            std::string got;
            REQUIRE(wait_until([&] {
                (void)xpub.get(zmx::sockopt::events);
                zmx::message m;
                if (!sub.recv(m)) return false;
                got = std::string(m.str());
                return true;
            }));
            CHECK(got == "WELCOME");
            if (i == 0) CHECK(recv_str(xpub) == subscribe_msg("WEL"));
        }
        xpub.set(zmx::sockopt::xpub_welcome_msg, std::string());  // off again
        zmx::socket sub = make_sub(ctx);
        sub.set(zmx::sockopt::subscribe, std::string());
        sub.connect(ep);
        CHECK(recv_str(xpub) == subscribe_msg(""));
        send_ok(xpub, "data");
        CHECK(recv_str(sub) == "data");
    }
}

TEST_CASE("xpub: INVERT_MATCHING sends each message to the pipes not subscribed to it", "[xpub][inproc]") {
    zmx::context ctx;
    zmx::socket xpub = make_xpub(ctx);
    xpub.set(zmx::sockopt::invert_matching, 1);
    const std::string ep = bind_on(xpub, false);
    zmx::socket xa = make_xsub(ctx), xb = make_xsub(ctx);
    xa.connect(ep);
    xb.connect(ep);
    send_ok(xa, subscribe_msg("A"));
    CHECK(recv_str(xpub) == subscribe_msg("A"));
    send_ok(xb, subscribe_msg("B"));
    CHECK(recv_str(xpub) == subscribe_msg("B"));
    for (const char* m : {"A1", "B1", "C1"}) send_ok(xpub, m);
    send_parts(xpub, {"Bpart", "A"});  // the first frame decides, for the whole message
    CHECK(recv_str(xa) == "B1");
    CHECK(recv_str(xa) == "C1");
    CHECK(recv_parts(xa) == std::vector<std::string>{"Bpart", "A"});
    CHECK(recv_str(xb) == "A1");
    CHECK(recv_str(xb) == "C1");
    CHECK(nothing_within(xb, 50));
}

TEST_CASE("xpub: upstream messages reach the XPUB application and PUB ignores them", "[xpub][tcp][inproc]") {
    for (const bool tcp : {false, true}) {
        INFO((tcp ? "tcp" : "inproc"));
        zmx::context ctx;
        zmx::socket xpub = make_xpub(ctx);
        const std::string ep = bind_on(xpub, tcp);
        zmx::socket xsub = make_xsub(ctx);
        xsub.connect(ep);
        send_ok(xsub, "hello");
        send_parts(xsub, {"m1", "", "m3"});
        send_ok(xsub, "");  // empty: data, not a subscription
        send_ok(xsub, subscribe_msg("T"));
        CHECK(recv_parts(xpub) == std::vector<std::string>{"hello"});
        CHECK(recv_parts(xpub) == std::vector<std::string>{"m1", "", "m3"});
        CHECK(recv_parts(xpub) == std::vector<std::string>{""});
        CHECK(recv_parts(xpub) == std::vector<std::string>{subscribe_msg("T")});

        zmx::socket pub = make_quick(ctx, zmx::socket_type::pub);
        const std::string ep2 = bind_on(pub, tcp);
        zmx::socket x2 = make_xsub(ctx);
        x2.connect(ep2);
        send_parts(x2, {"ignored", "by PUB"});
        send_ok(x2, subscribe_msg("T"));  // still applied after the data
        REQUIRE(wait_until([&] {
            pub.send("T-probe", zmx::send_flags::dontwait);
            x2.set(zmx::sockopt::rcvtimeo, 10);
            zmx::message m;
            return x2.recv(m).has_value() && m.str() == "T-probe";
        }));
    }
}

TEST_CASE("xpub: ONLY_FIRST_SUBSCRIBE makes the later frames of a message data", "[xpub][inproc][tcp]") {
    for (const bool tcp : {false, true}) {
        for (const bool only_first : {false, true}) {
            INFO((tcp ? "tcp" : "inproc") << (only_first ? " only-first" : " default"));
            zmx::context ctx;
            zmx::socket xpub = make_xpub(ctx);
            xpub.set(zmx::sockopt::only_first_subscribe, only_first ? 1 : 0);
            const std::string ep = bind_on(xpub, tcp);
            zmx::socket xsub = make_xsub(ctx);
            xsub.set(zmx::sockopt::only_first_subscribe, only_first ? 1 : 0);
            xsub.connect(ep);
            // libzmq's test_user_message_multi: data first, then a frame that looks like a cancel.
            send_parts(xsub, {"ABC", cancel_msg("BC")});
            if (only_first) {
                CHECK(recv_parts(xpub) == std::vector<std::string>{"ABC", cancel_msg("BC")});
            } else {  // each frame judged alone: data (MORE), then a cancel of an unknown topic (passed)
                zmx::message first = recv_msg(xpub);
                CHECK(first.str() == "ABC");
                CHECK(first.more());
                CHECK(recv_parts(xpub) == std::vector<std::string>{cancel_msg("BC")});
            }
            // A subscription first, then a frame that looks like one.
            send_parts(xsub, {subscribe_msg("A"), subscribe_msg("B")});
            CHECK(recv_parts(xpub) == std::vector<std::string>{subscribe_msg("A")});  // single-part
            CHECK(recv_parts(xpub) == std::vector<std::string>{subscribe_msg("B")});  // data or a subscription
            for (const char* m : {"B1", "A1"}) send_ok(xpub, m);
            if (only_first) {
                CHECK(recv_str(xsub) == "A1");
            } else {
                CHECK(recv_str(xsub) == "B1");
                CHECK(recv_str(xsub) == "A1");
            }
            CHECK(nothing_within(xsub, 50));
        }
    }
}

TEST_CASE("xsub: subscriptions are counted and only the last cancel goes upstream", "[xsub][inproc]") {
    for (const bool verbose_unsub : {false, true}) {
        INFO((verbose_unsub ? "XSUB_VERBOSE_UNSUBSCRIBE" : "default"));
        zmx::context ctx;
        zmx::socket xpub = make_xpub(ctx);
        xpub.set(zmx::sockopt::xpub_verboser, 1);  // shows every message that arrives
        const std::string ep = bind_on(xpub, false);
        zmx::socket xsub = make_xsub(ctx);
        if (verbose_unsub) {
            const int on = 1;
            xsub.set(115, &on, sizeof on);  // ZMQ_XSUB_VERBOSE_UNSUBSCRIBE (libzmq 4.3.5)
        }
        xsub.connect(ep);
        send_ok(xsub, subscribe_msg("A"));
        send_ok(xsub, subscribe_msg("A"));
        CHECK(recv_str(xpub) == subscribe_msg("A"));
        CHECK(recv_str(xpub) == subscribe_msg("A"));  // every subscribe goes up
        send_ok(xsub, cancel_msg("A"));
        send_ok(xsub, cancel_msg("never"));
        if (verbose_unsub) {
            CHECK(recv_str(xpub) == cancel_msg("A"));
            CHECK(recv_str(xpub) == cancel_msg("never"));
        }
        send_ok(xsub, cancel_msg("A"));
        CHECK(recv_str(xpub) == cancel_msg("A"));
        send_ok(xsub, subscribe_msg("marker"));
        CHECK(recv_str(xpub) == subscribe_msg("marker"));
        int count = 0;
        std::size_t len = sizeof count;
        xsub.get(116, &count, &len);  // ZMQ_TOPICS_COUNT
        CHECK(count == 1);
    }
}

TEST_CASE("xsub: subscriptions are resent to a new publisher and after a reconnect", "[xsub][tcp]") {
    zmx::context ctx;
    zmx::socket xpub = make_xpub(ctx);
    const std::string ep = bind_any(xpub);
    zmx::socket xsub = make_xsub(ctx);
    send_ok(xsub, subscribe_msg("b"));  // no pipe yet: kept, sent on attach
    send_ok(xsub, subscribe_msg("a"));
    xsub.connect(ep);
    CHECK(recv_str(xpub) == subscribe_msg("a"));  // resent in byte order
    CHECK(recv_str(xpub) == subscribe_msg("b"));
    xpub.close();
    xpub = make_xpub(ctx);
    bind_retry(xpub, ep);
    // The XSUB learns of the new connection when it handles its commands (any call, a poller).
    xpub.set(zmx::sockopt::rcvtimeo, 10);
    std::vector<std::string> got;
    REQUIRE(wait_until([&] {
        (void)xsub.get(zmx::sockopt::events);
        zmx::message m;
        if (xpub.recv(m)) got.emplace_back(m.str());
        return got.size() == 2;
    }));
    CHECK(got == std::vector<std::string>{subscribe_msg("a"), subscribe_msg("b")});
    xpub.set(zmx::sockopt::rcvtimeo, timeout_ms);
    send_ok(xpub, "a-data");
    CHECK(recv_str(xsub) == "a-data");
}

TEST_CASE("xpub: long subscriptions arrive intact over tcp", "[xpub][tcp]") {
    zmx::context ctx;
    zmx::socket xpub = make_xpub(ctx);
    xpub.set(zmx::sockopt::xpub_verbose, 1);
    const std::string ep = bind_any(xpub);
    zmx::socket sub = make_sub(ctx);
    sub.connect(ep);
    std::vector<std::string> topics = {std::string(), std::string(1, 'a'), std::string(255, 'b')};
    for (std::size_t n = 240; n <= 260; ++n) topics.push_back(std::string(n, static_cast<char>('A' + n % 26)));
    topics.push_back(std::string(300, 'c'));
    topics.push_back(std::string(70000, 'd'));
    for (const auto& t : topics) {
        sub.set(zmx::sockopt::subscribe, t);
        zmx::message m = recv_msg(xpub);
        CHECK(m.size() == t.size() + 1);
        CHECK(m.str() == subscribe_msg(t));
    }
    for (const auto& t : topics) {
        sub.set(zmx::sockopt::unsubscribe, t);
        CHECK(recv_str(xpub) == cancel_msg(t));
    }
}

TEST_CASE("xpub: an XSUB/XPUB proxy forwards subscriptions up and data down", "[xpub][xsub][tcp][inproc]") {
    zmx::context ctx;
    zmx::socket upstream = make_xpub(ctx);  // the publisher; XPUB to see what reaches it
    const std::string up_ep = bind_on(upstream, true);
    zmx::socket frontend = make_xsub(ctx);
    frontend.connect(up_ep);
    zmx::socket backend = make_xpub(ctx);
    const std::string down_ep = bind_on(backend, false);
    // One step of the proxy loop: move everything available, both ways, whole messages.
    const auto pump = [&] {
        for (auto [from, to] : {std::pair{&backend, &frontend}, std::pair{&frontend, &backend}}) {
            zmx::message m;
            while (from->recv(m, zmx::recv_flags::dontwait)) {
                const bool more = m.more();
                REQUIRE(to->send(m, more ? zmx::send_flags::sndmore : zmx::send_flags::none));
            }
        }
    };
    const auto pump_until = [&](auto&& pred) {
        return wait_until([&] {
            pump();
            return pred();
        });
    };
    zmx::socket s1 = make_sub(ctx), s2 = make_sub(ctx);
    s1.connect(down_ep);
    s2.connect(down_ep);
    s1.set(zmx::sockopt::subscribe, std::string("A"));
    s2.set(zmx::sockopt::subscribe, std::string("A"));
    upstream.set(zmx::sockopt::rcvtimeo, 0);
    std::string up_got;
    REQUIRE(pump_until([&] {
        zmx::message m;
        if (!upstream.recv(m)) return false;
        up_got = std::string(m.str());
        return true;
    }));
    CHECK(up_got == subscribe_msg("A"));  // once: the backend passes unique subscriptions
    send_parts(upstream, {"A", "part2"});
    send_ok(upstream, "B");
    for (zmx::socket* s : {&s1, &s2}) {
        s->set(zmx::sockopt::rcvtimeo, 0);
        std::vector<std::string> parts;
        REQUIRE(pump_until([&] {
            zmx::message m;
            while (s->recv(m)) {
                parts.emplace_back(m.str());
                if (!m.more()) return true;
            }
            return false;
        }));
        CHECK(parts == std::vector<std::string>{"A", "part2"});
    }
    // Both subscribers leave: one cancel reaches the publisher.
    s1.close();
    s2.close();
    up_got.clear();
    REQUIRE(pump_until([&] {
        zmx::message m;
        if (!upstream.recv(m)) return false;
        up_got = std::string(m.str());
        return true;
    }));
    CHECK(up_got == cancel_msg("A"));
}
