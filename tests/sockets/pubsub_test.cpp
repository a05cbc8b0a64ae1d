// PUB/SUB (RFC 29) over tcp, ipc and inproc: prefix filtering on both sides, the empty subscription,
// unsubscribe and counted subscriptions, multipart messages whole, PUB dropping at the HWM without
// splitting messages, late joiners, resubscription after a publisher restart, CONFLATE, INVERT_MATCHING,
// long topics, readiness (ZMQ_EVENTS) and the options' errors.
#include <unistd.h>

#include <atomic>
#include <string>
#include <vector>

#include "support.hpp"

using namespace zmx::test;

namespace {

const std::vector<std::string> all_transports = {"tcp", "ipc", "inproc"};

// Binds s on the transport and returns the endpoint to connect to (ipc: an abstract name).
std::string bind_on(zmx::socket& s, const std::string& transport) {
    if (transport == "tcp") return bind_any(s);
    static std::atomic<int> n{0};
    const std::string ep = transport == "ipc"
                               ? "ipc://@zmx-pubsub-" + std::to_string(::getpid()) + "-" + std::to_string(n++)
                               : unique_inproc("pubsub");
    s.bind(ep);
    return ep;
}

zmx::socket make_pub(zmx::context& ctx) {
    return make_quick(ctx, zmx::socket_type::pub);
}
zmx::socket make_sub(zmx::context& ctx) {
    return make_quick(ctx, zmx::socket_type::sub);
}

// True if nothing arrives on s within ms.
bool nothing_within(zmx::socket& s, int ms = 100) {
    s.set(zmx::sockopt::rcvtimeo, ms);
    zmx::message m;
    const bool got = s.recv(m).has_value();
    s.set(zmx::sockopt::rcvtimeo, timeout_ms);
    if (got) UNSCOPED_INFO("unexpected message: " << m.str());
    return !got;
}

// Once sub (subscribed to `topic`) receives what pub sends on it, every subscription sub sent before
// has reached pub too (one pipe, in order). Probes until one arrives, then reads up to an end marker
// so that no probe is left queued.
void sync_sub(zmx::socket& pub, zmx::socket& sub, const std::string& topic = "sync") {
    sub.set(zmx::sockopt::rcvtimeo, 10);
    const bool got = wait_until([&] {
        pub.send(topic, zmx::send_flags::dontwait);
        zmx::message m;
        return sub.recv(m).has_value();
    });
    sub.set(zmx::sockopt::rcvtimeo, timeout_ms);
    REQUIRE(got);
    send_ok(pub, topic + "-end");
    while (recv_str(sub) != topic + "-end") {
    }
}

// Receives messages as strings until `marker` (not included).
std::vector<std::string> recv_until(zmx::socket& s, const std::string& marker) {
    std::vector<std::string> out;
    for (;;) {
        std::string m = recv_str(s);
        if (m == marker) return out;
        out.push_back(std::move(m));
    }
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

int events_of(zmx::socket& s) {
    return s.get(zmx::sockopt::events);
}
constexpr int pollin = 1;
constexpr int pollout = 2;

}  // namespace

TEST_CASE("pubsub: SUB receives only messages starting with a subscribed prefix", "[pubsub][tcp][ipc][inproc]") {
    for (const auto& tr : all_transports) {
        INFO(tr);
        zmx::context ctx;
        zmx::socket pub = make_pub(ctx);
        const std::string ep = bind_on(pub, tr);
        zmx::socket sub = make_sub(ctx);
        sub.set(zmx::sockopt::subscribe, std::string("A"));  // before connecting: sent on attach
        sub.connect(ep);
        sub.set(zmx::sockopt::subscribe, std::string("BC"));  // after: sent at once
        sub.set(zmx::sockopt::subscribe, std::string("sync"));
        sync_sub(pub, sub);
        for (const char* m : {"A1", "B1", "BC1", "C", "AB", "", "BCD", "a", "syncX"}) send_ok(pub, m);
        send_ok(pub, "sync-done");
        CHECK(recv_until(sub, "sync-done") == std::vector<std::string>{"A1", "BC1", "AB", "BCD", "syncX"});
    }
}

TEST_CASE("pubsub: the empty subscription receives everything including empty messages", "[pubsub][tcp][inproc]") {
    for (const std::string tr : {"tcp", "inproc"}) {
        INFO(tr);
        zmx::context ctx;
        zmx::socket sub = make_sub(ctx);
        const std::string ep = bind_on(sub, tr);  // SUB binds, PUB connects
        sub.set(zmx::sockopt::subscribe, std::string());
        zmx::socket pub = make_pub(ctx);
        pub.connect(ep);
        sync_sub(pub, sub);
        for (const char* m : {"", "x",
                              "\x01"
                              "sub-looking",
                              "zzz"})
            send_ok(pub, m);
        send_ok(pub, "end");
        CHECK(recv_until(sub, "end") == std::vector<std::string>{"", "x",
                                                                 "\x01"
                                                                 "sub-looking",
                                                                 "zzz"});
    }
}

TEST_CASE("pubsub: unsubscribe stops delivery and subscriptions are counted", "[pubsub][tcp][inproc]") {
    for (const std::string tr : {"tcp", "inproc"}) {
        INFO(tr);
        zmx::context ctx;
        zmx::socket pub = make_pub(ctx);
        const std::string ep = bind_on(pub, tr);
        zmx::socket sub = make_sub(ctx);
        sub.connect(ep);
        sub.set(zmx::sockopt::subscribe, std::string("T"));
        sub.set(zmx::sockopt::subscribe, std::string("T"));
        sub.set(zmx::sockopt::subscribe, std::string("sync"));
        sync_sub(pub, sub);
        sub.set(zmx::sockopt::unsubscribe, std::string("T"));                 // one of two: still subscribed
        sub.set(zmx::sockopt::unsubscribe, std::string("never-subscribed"));  // accepted, no effect
        sub.set(zmx::sockopt::subscribe, std::string("sync2"));
        sync_sub(pub, sub, "sync2");
        send_ok(pub, "T1");
        send_ok(pub, "sync-a");
        CHECK(recv_until(sub, "sync-a") == std::vector<std::string>{"T1"});
        sub.set(zmx::sockopt::unsubscribe, std::string("T"));  // the last one
        sub.set(zmx::sockopt::subscribe, std::string("sync3"));
        sync_sub(pub, sub, "sync3");
        send_ok(pub, "T2");
        send_ok(pub, "sync-b");
        CHECK(recv_until(sub, "sync-b").empty());
        sub.set(zmx::sockopt::subscribe, std::string("T"));  // and back
        sub.set(zmx::sockopt::subscribe, std::string("sync4"));
        sync_sub(pub, sub, "sync4");
        send_ok(pub, "T3");
        send_ok(pub, "sync-c");
        CHECK(recv_until(sub, "sync-c") == std::vector<std::string>{"T3"});
    }
}

TEST_CASE("pubsub: the publisher filters too: an XSUB gets only what it subscribed to", "[pubsub][tcp][inproc]") {
    for (const std::string tr : {"tcp", "inproc"}) {
        INFO(tr);
        zmx::context ctx;
        zmx::socket pub = make_pub(ctx);
        const std::string ep = bind_on(pub, tr);
        zmx::socket xsub = make_quick(ctx, zmx::socket_type::xsub);  // XSUB does not filter itself
        xsub.connect(ep);
        send_ok(xsub, std::string("\x01"
                                  "A"));
        send_ok(xsub, std::string("\x01"
                                  "sync"));
        sync_sub(pub, xsub);
        for (const char* m : {"A1", "B1", "", "AB"}) send_ok(pub, m);
        send_ok(pub, "sync-z");
        CHECK(recv_until(xsub, "sync-z") == std::vector<std::string>{"A1", "AB"});
        send_ok(xsub, std::string("\x00"
                                  "A",
                                  2));
        send_ok(xsub, std::string("\x01"
                                  "sync2"));
        sync_sub(pub, xsub, "sync2");
        send_ok(pub, "A2");
        send_ok(pub, "sync-y");
        CHECK(recv_until(xsub, "sync-y").empty());
    }
}

TEST_CASE("pubsub: multipart messages arrive whole and unwanted ones are dropped whole", "[pubsub][tcp][ipc][inproc]") {
    for (const auto& tr : all_transports) {
        INFO(tr);
        zmx::context ctx;
        zmx::socket pub = make_pub(ctx);
        const std::string ep = bind_on(pub, tr);
        zmx::socket sub = make_sub(ctx);
        sub.connect(ep);
        sub.set(zmx::sockopt::subscribe, std::string("A"));
        sub.set(zmx::sockopt::subscribe, std::string("sync"));
        sync_sub(pub, sub);
        send_parts(pub, {"A", "x", "", "y"});
        send_parts(pub, {"B", "A-looking", "z"});  // first frame decides: dropped whole
        send_parts(pub, {"A2", std::string(1000, 'w')});
        send_ok(pub, "sync-end2");
        CHECK(recv_parts(sub) == std::vector<std::string>{"A", "x", "", "y"});
        CHECK(recv_parts(sub) == std::vector<std::string>{"A2", std::string(1000, 'w')});
        CHECK(recv_parts(sub) == std::vector<std::string>{"sync-end2"});
    }
}

TEST_CASE("pubsub: PUB drops at the HWM without blocking and never splits a message", "[pubsub][inproc]") {
    // inproc: one pipe whose limit is the PUB's SNDHWM plus the SUB's RCVHWM, so the count is exact.
    zmx::context ctx;
    zmx::socket pub = make_pub(ctx);
    pub.set(zmx::sockopt::sndhwm, 3);
    const std::string ep = unique_inproc("pub-hwm");
    pub.bind(ep);
    zmx::socket sub = make_sub(ctx);
    sub.set(zmx::sockopt::rcvhwm, 2);
    sub.set(zmx::sockopt::subscribe, std::string());
    sub.connect(ep);
    sync_sub(pub, sub);
    for (int i = 0; i < 50; ++i) {
        REQUIRE(pub.send(std::to_string(i), zmx::send_flags::sndmore | zmx::send_flags::dontwait));
        REQUIRE(pub.send("payload", zmx::send_flags::dontwait));  // never EAGAIN: dropped instead
    }
    CHECK((events_of(pub) & pollout) != 0);  // PUB is always writable
    for (int i = 0; i < 5; ++i) CHECK(recv_parts(sub) == std::vector<std::string>{std::to_string(i), "payload"});
    CHECK(nothing_within(sub, 50));
    // Room again: delivery resumes with whole messages.
    send_parts(pub, {"again", "payload"});
    CHECK(recv_parts(sub) == std::vector<std::string>{"again", "payload"});
}

TEST_CASE("pubsub: a slow subscriber over tcp loses whole messages only", "[pubsub][tcp]") {
    zmx::context ctx;
    zmx::socket pub = make_pub(ctx);
    pub.set(zmx::sockopt::sndhwm, 2);
    pub.set(zmx::sockopt::sndbuf, 4096);
    const std::string ep = bind_any(pub);
    zmx::socket sub = make_sub(ctx);
    sub.set(zmx::sockopt::rcvhwm, 2);
    sub.set(zmx::sockopt::rcvbuf, 4096);
    sub.set(zmx::sockopt::subscribe, std::string());
    sub.connect(ep);
    sync_sub(pub, sub);
    constexpr int total = 5000;
    const std::string body(1000, 'b');
    for (int i = 0; i < total; ++i) {
        REQUIRE(pub.send(std::to_string(i), zmx::send_flags::sndmore | zmx::send_flags::dontwait));
        REQUIRE(pub.send(body, zmx::send_flags::sndmore | zmx::send_flags::dontwait));
        REQUIRE(pub.send("end", zmx::send_flags::dontwait));
    }
    send_ok(pub, "last");  // may itself be dropped: the receive below stops at a quiet period too
    int received = 0;
    int prev = -1;
    sub.set(zmx::sockopt::rcvtimeo, 500);
    for (;;) {
        zmx::message m;
        if (!sub.recv(m)) break;
        if (m.str() == "last") break;
        const int seq = std::stoi(std::string(m.str()));
        CHECK(seq > prev);  // in order, nothing twice
        prev = seq;
        REQUIRE(m.more());
        zmx::message b = recv_msg(sub);
        CHECK(b.str() == body);
        REQUIRE(b.more());
        zmx::message e = recv_msg(sub);
        CHECK(e.str() == "end");
        CHECK_FALSE(e.more());
        ++received;
    }
    INFO("received " << received << " of " << total);
    CHECK(received > 0);
    CHECK(received < total);
}

TEST_CASE("pubsub: a late subscriber gets only what is sent after it subscribed", "[pubsub][tcp][inproc]") {
    for (const std::string tr : {"tcp", "inproc"}) {
        INFO(tr);
        zmx::context ctx;
        zmx::socket pub = make_pub(ctx);
        const std::string ep = bind_on(pub, tr);
        zmx::socket early = make_sub(ctx);
        early.set(zmx::sockopt::subscribe, std::string());
        early.connect(ep);
        sync_sub(pub, early);
        send_ok(pub, "before");
        CHECK(recv_str(early) == "before");
        zmx::socket late = make_sub(ctx);
        late.set(zmx::sockopt::subscribe, std::string());
        late.connect(ep);
        sync_sub(pub, late);
        send_ok(pub, "after");
        CHECK(recv_str(late) == "after");                                                          // not "before"
        for (const auto& m : recv_until(early, "after")) CHECK((m == "sync" || m == "sync-end"));  // late's probes
    }
}

TEST_CASE("pubsub: SUB resubscribes when its publisher restarts on the same endpoint", "[pubsub][tcp][ipc]") {
    for (const std::string tr : {"tcp", "ipc"}) {
        INFO(tr);
        zmx::context ctx;
        zmx::socket pub = make_pub(ctx);
        const std::string ep = bind_on(pub, tr);
        zmx::socket sub = make_sub(ctx);
        sub.set(zmx::sockopt::subscribe, std::string("news"));
        sub.set(zmx::sockopt::subscribe, std::string("sync"));
        sub.connect(ep);
        sync_sub(pub, sub);
        pub.close();
        // A new publisher knows nothing of the subscriber: only the subscriptions that SUB's kept
        // pipe resends after reconnecting make it send anything.
        pub = make_pub(ctx);
        bind_retry(pub, ep);
        sub.set(zmx::sockopt::rcvtimeo, 20);
        std::string got;
        const bool ok = wait_until([&] {
            pub.send("news-2", zmx::send_flags::dontwait);
            zmx::message m;
            if (!sub.recv(m)) return false;
            got = std::string(m.str());
            return true;
        });
        sub.set(zmx::sockopt::rcvtimeo, timeout_ms);
        REQUIRE(ok);
        CHECK(got == "news-2");
        send_ok(pub, "other");  // not subscribed
        send_ok(pub, "sync-after");
        for (const auto& m : recv_until(sub, "sync-after")) CHECK(m == "news-2");
    }
}

TEST_CASE("pubsub: each publisher connecting to a bound SUB gets its subscriptions", "[pubsub][tcp]") {
    zmx::context ctx;
    zmx::socket sub = make_sub(ctx);
    const std::string ep = bind_any(sub);
    sub.set(zmx::sockopt::subscribe, std::string("t"));
    sub.set(zmx::sockopt::subscribe, std::string("sync"));
    for (int round = 0; round < 3; ++round) {
        INFO("publisher " << round);
        zmx::socket pub = make_pub(ctx);
        pub.connect(ep);
        sync_sub(pub, sub);
        send_ok(pub, "x" + std::to_string(round));
        send_ok(pub, "t" + std::to_string(round));
        send_ok(pub, "sync-r");
        CHECK(recv_until(sub, "sync-r") == std::vector<std::string>{"t" + std::to_string(round)});
    }
}

TEST_CASE("pubsub: SUB with ZMQ_CONFLATE keeps only the newest message", "[pubsub][inproc][tcp]") {
    SECTION("inproc: the publisher writes straight into the conflated pipe") {
        zmx::context ctx;
        zmx::socket pub = make_pub(ctx);
        const std::string ep = unique_inproc("conflate");
        pub.bind(ep);
        zmx::socket sub = make_sub(ctx);
        sub.set(zmx::sockopt::conflate, 1);  // the connecting side's options make the pipe
        sub.set(zmx::sockopt::subscribe, std::string());
        sub.connect(ep);
        sync_sub(pub, sub);
        for (int i = 0; i < 100; ++i) send_ok(pub, std::to_string(i));
        CHECK(recv_str(sub) == "99");
        CHECK(nothing_within(sub, 50));
    }
    SECTION("tcp: whatever is read is newer than what was read before, and the last one comes") {
        zmx::context ctx;
        zmx::socket pub = make_pub(ctx);
        const std::string ep = bind_any(pub);
        zmx::socket sub = make_sub(ctx);
        sub.set(zmx::sockopt::conflate, 1);
        sub.set(zmx::sockopt::subscribe, std::string());
        sub.connect(ep);
        sync_sub(pub, sub);
        constexpr int total = 1000;
        for (int i = 0; i < total; ++i) send_ok(pub, std::to_string(i));
        int prev = -1, received = 0;
        while (prev != total - 1) {
            const int v = std::stoi(recv_str(sub));
            CHECK(v > prev);
            prev = v;
            ++received;
        }
        INFO("received " << received);
        CHECK(received < total);
    }
}

TEST_CASE("pubsub: INVERT_MATCHING delivers what does not match", "[pubsub][inproc][tcp]") {
    SECTION("PUB: only the pipes not subscribed to a prefix of the message get it") {
        zmx::context ctx;
        zmx::socket pub = make_pub(ctx);
        pub.set(zmx::sockopt::invert_matching, 1);
        CHECK(pub.get(zmx::sockopt::invert_matching) == 1);
        const std::string ep = unique_inproc("invert");
        pub.bind(ep);
        zmx::socket xsub = make_quick(ctx, zmx::socket_type::xsub);  // no filter of its own
        xsub.connect(ep);
        send_ok(xsub, std::string("\x01"
                                  "A"));  // in the pipe before PUB's next send attaches it
        for (const char* m : {"A1", "B1", "", "AB", "C"}) send_ok(pub, m);
        CHECK(recv_str(xsub) == "B1");
        CHECK(recv_str(xsub) == "");
        CHECK(recv_str(xsub) == "C");
        CHECK(nothing_within(xsub, 50));
    }
    SECTION("PUB and SUB both inverted: the SUB gets everything but its topics") {
        zmx::context ctx;
        zmx::socket pub = make_pub(ctx);
        pub.set(zmx::sockopt::invert_matching, 1);
        const std::string ep = bind_any(pub);
        zmx::socket sub = make_sub(ctx);
        sub.set(zmx::sockopt::invert_matching, 1);
        sub.set(zmx::sockopt::subscribe, std::string("A"));
        sub.connect(ep);
        sync_sub(pub, sub);  // "sync" matches no subscription: it passes both inverted filters
        for (const char* m : {"A1", "B1", "AB", "C"}) send_ok(pub, m);
        send_ok(pub, "end");
        CHECK(recv_until(sub, "end") == std::vector<std::string>{"B1", "C"});
    }
}

TEST_CASE("pubsub: topics of every length work over tcp", "[pubsub][tcp]") {
    // libzmq 4.3.4 mis-encodes SUBSCRIBE for 246-255-byte topics (LONG bit clear): zmx must not.
    zmx::context ctx;
    zmx::socket pub = make_pub(ctx);
    const std::string ep = bind_any(pub);
    zmx::socket sub = make_sub(ctx);
    sub.connect(ep);
    std::vector<std::string> topics;
    for (std::size_t n = 240; n <= 260; ++n) topics.push_back(std::to_string(n) + std::string(n - 3, 'x'));
    topics.push_back("300" + std::string(297, 'y'));
    topics.push_back("70000" + std::string(69995, 'z'));
    for (const auto& t : topics) sub.set(zmx::sockopt::subscribe, t);
    sub.set(zmx::sockopt::subscribe, std::string("sync"));
    sync_sub(pub, sub);
    std::vector<std::string> expect;
    for (const auto& t : topics) {
        std::string miss = t;
        miss.back() = '#';  // one byte short of the topic: not a match
        send_ok(pub, miss);
        send_ok(pub, t + "!");
        expect.push_back(t + "!");
    }
    send_ok(pub, "sync-long");
    CHECK(recv_until(sub, "sync-long") == expect);
}

TEST_CASE("pubsub: ZMQ_EVENTS shows POLLIN only for messages SUB wants", "[pubsub][inproc]") {
    // A manual XPUB sends this SUB everything, so the SUB's own filter is what is tested.
    zmx::context ctx;
    zmx::socket xpub = make_quick(ctx, zmx::socket_type::xpub);
    xpub.set(zmx::sockopt::xpub_manual, 1);
    const std::string ep = unique_inproc("events");
    xpub.bind(ep);
    zmx::socket sub = make_sub(ctx);
    sub.connect(ep);
    sub.set(zmx::sockopt::subscribe, std::string("A"));
    CHECK(recv_str(xpub) == std::string("\x01"
                                        "A"));
    xpub.set(zmx::sockopt::subscribe, std::string());  // that pipe: everything
    CHECK((events_of(sub) & (pollin | pollout)) == 0);
    send_ok(xpub, "B1");
    send_parts(xpub, {"B2", "A-but-not-first"});
    CHECK((events_of(sub) & pollin) == 0);  // both filtered out
    send_parts(xpub, {"A1", "tail"});
    CHECK((events_of(sub) & pollin) != 0);
    CHECK(recv_parts(sub) == std::vector<std::string>{"A1", "tail"});
    CHECK((events_of(sub) & pollin) == 0);
    zmx::socket pub = make_pub(ctx);
    CHECK(events_of(pub) == pollout);  // PUB: writable without subscribers, never readable
}

TEST_CASE("pubsub: wrong-way calls and option errors are libzmq's", "[pubsub]") {
    zmx::context ctx;
    zmx::socket pub = make_pub(ctx);
    zmx::socket sub = make_sub(ctx);
    zmx::socket xsub = make_quick(ctx, zmx::socket_type::xsub);
    zmx::message m;
    CHECK(error_of([&] { pub.recv(m); }) == ENOTSUP);
    CHECK(error_of([&] { sub.send("x"); }) == ENOTSUP);
    // libzmq 4.3.4: XSUB takes subscriptions as messages only.
    CHECK(error_of([&] { xsub.set(zmx::sockopt::subscribe, std::string("a")); }) == EINVAL);
    CHECK(error_of([&] { sub.set(zmx::sockopt::only_first_subscribe, 1); }) == EINVAL);
    CHECK(error_of([&] { sub.set(zmx::sockopt::xpub_verbose, 1); }) == EINVAL);
    CHECK(error_of([&] { pub.set(zmx::sockopt::subscribe, std::string("a")); }) == EINVAL);
    CHECK(error_of([&] { pub.set(zmx::sockopt::xpub_nodrop, 1); }) == 0);  // PUB takes XPUB's options
    CHECK(error_of([&] { pub.set(zmx::sockopt::xpub_verbose, -1); }) == EINVAL);
    const short two = 1;
    CHECK(error_of([&] { pub.set(zmx::sockopt::xpub_verbose.id, &two, sizeof two); }) == EINVAL);
    CHECK(error_of([&] { pub.get(zmx::sockopt::xpub_verbose); }) == EINVAL);  // write-only in libzmq
    // INVERT_MATCHING: any int, read back as 0/1.
    CHECK(sub.get(zmx::sockopt::invert_matching) == 0);
    sub.set(zmx::sockopt::invert_matching, 5);
    CHECK(sub.get(zmx::sockopt::invert_matching) == 1);
    // An empty subscription may come as a null pointer.
    sub.set(zmx::sockopt::subscribe.id, nullptr, 0);
    CHECK(error_of([&] { sub.set(zmx::sockopt::subscribe.id, nullptr, 3); }) == EINVAL);
    // ZMQ_TOPICS_COUNT (116, libzmq 4.3.5): distinct topics.
    sub.set(zmx::sockopt::subscribe, std::string("a"));
    sub.set(zmx::sockopt::subscribe, std::string("a"));
    sub.set(zmx::sockopt::subscribe, std::string("b"));
    int count = 0;
    std::size_t len = sizeof count;
    sub.get(116, &count, &len);
    CHECK(count == 3);  // "", "a", "b"
}
