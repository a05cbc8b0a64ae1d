// Unit tests of core/pipe (no sockets): HWM refusal, writer wake-up once the reader drains half,
// readable notification only after the reader found the pipe empty, whole-message visibility of
// multipart messages, close semantics, and a two-thread producer/consumer run driven by the sinks.
#include "core/pipe.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

using zmx::detail::make_pipe;
using zpipe = zmx::detail::pipe;  // plain `pipe` would clash with POSIX ::pipe()
using zmx::detail::pipe_sink;

namespace {

// Counts notifications per pipe end and wakes anyone waiting for one.
class test_sink final : public pipe_sink {
public:
    void pipe_readable(zpipe& p) override { bump(readable, p); }
    void pipe_writable(zpipe& p) override { bump(writable, p); }
    void pipe_closed(zpipe& p) override { bump(closed, p); }

    // Waits until counter reaches at least n (bounded); returns whether it did.
    bool wait_for(const std::atomic<int>& counter, int n) {
        std::unique_lock lock(mtx_);
        return cv_.wait_for(lock, std::chrono::seconds(5), [&] { return counter.load() >= n; });
    }

    std::atomic<int> readable{0};
    std::atomic<int> writable{0};
    std::atomic<int> closed{0};
    std::atomic<zpipe*> last{nullptr};

private:
    void bump(std::atomic<int>& c, zpipe& p) {
        last = &p;
        {
            std::lock_guard lock(mtx_);
            ++c;
        }
        cv_.notify_all();
    }
    std::mutex mtx_;
    std::condition_variable cv_;
};

zmx::message msg(const std::string& s) {
    return zmx::message(s);
}

bool write_str(zpipe& p, const std::string& s) {
    zmx::message m(s);
    return p.write(m);
}

std::string read_str(zpipe& p) {
    zmx::message m;
    if (!p.read(m)) return "<empty>";
    return std::string(m.str());
}

}  // namespace

TEST_CASE("pipe: write refuses at the HWM and leaves the message untouched", "[unit][pipe]") {
    auto link = make_pipe(3, 0);
    zpipe& w = link->end(0);
    zpipe& r = link->end(1);
    for (int i = 0; i < 3; ++i) REQUIRE(write_str(w, "m" + std::to_string(i)));
    CHECK_FALSE(w.check_write());
    zmx::message extra = msg("extra");
    CHECK_FALSE(w.write(extra));
    CHECK(extra.str() == "extra");
    CHECK(w.outbound_queued() == 3);

    // Nothing is visible before flush.
    CHECK_FALSE(r.check_read());
    w.flush();
    CHECK(r.check_read());
    CHECK(read_str(r) == "m0");
    CHECK(w.outbound_queued() == 2);
    CHECK(w.check_write());
    REQUIRE(w.write(extra));
    w.flush();
    CHECK(read_str(r) == "m1");
    CHECK(read_str(r) == "m2");
    CHECK(read_str(r) == "extra");
    CHECK(read_str(r) == "<empty>");
    CHECK(w.outbound_queued() == 0);

    // The other direction has its own (here unlimited) HWM.
    for (int i = 0; i < 5000; ++i) REQUIRE(write_str(r, "back"));
    r.flush();
    CHECK(r.outbound_queued() == 5000);
}

TEST_CASE("pipe: a writer blocked at the HWM is notified once the reader drained half", "[unit][pipe]") {
    auto sink = std::make_shared<test_sink>();
    auto link = make_pipe(4, 4);
    zpipe& w = link->end(0);
    zpipe& r = link->end(1);
    w.set_sink(sink);
    for (int i = 0; i < 4; ++i) REQUIRE(write_str(w, std::to_string(i)));
    w.flush();
    CHECK_FALSE(write_str(w, "refused"));
    CHECK(sink->writable == 0);

    CHECK(read_str(r) == "0");
    CHECK(sink->writable == 0);  // one of four drained: not yet
    CHECK(read_str(r) == "1");
    CHECK(sink->writable == 1);  // half drained: the writer hears about it, once
    CHECK(sink->last.load() == &w);
    CHECK(read_str(r) == "2");
    CHECK(read_str(r) == "3");
    CHECK(sink->writable == 1);
    CHECK(w.check_write());

    // A writer that never hit the HWM is never notified.
    REQUIRE(write_str(w, "a"));
    w.flush();
    CHECK(read_str(r) == "a");
    CHECK(sink->writable == 1);
}

TEST_CASE("pipe: readable is signalled only after the reader found the pipe empty", "[unit][pipe]") {
    auto sink = std::make_shared<test_sink>();
    auto link = make_pipe(0, 0);
    zpipe& w = link->end(0);
    zpipe& r = link->end(1);
    r.set_sink(sink);

    // The reader has not looked yet: no wake-up needed.
    REQUIRE(write_str(w, "first"));
    w.flush();
    CHECK(sink->readable == 0);
    CHECK(read_str(r) == "first");

    // The reader finds it empty (goes to sleep); the next flush wakes it, once.
    CHECK_FALSE(r.check_read());
    REQUIRE(write_str(w, "second"));
    CHECK(sink->readable == 0);  // not before flush
    w.flush();
    CHECK(sink->readable == 1);
    CHECK(sink->last.load() == &r);
    REQUIRE(write_str(w, "third"));
    w.flush();
    CHECK(sink->readable == 1);  // the reader is awake: no second wake-up
    CHECK(read_str(r) == "second");
    CHECK(read_str(r) == "third");

    // A failed read also counts as finding it empty.
    CHECK(read_str(r) == "<empty>");
    REQUIRE(write_str(w, "fourth"));
    w.flush();
    CHECK(sink->readable == 2);
    CHECK(read_str(r) == "fourth");

    // A flush with nothing new written wakes nobody.
    CHECK_FALSE(r.check_read());
    w.flush();
    CHECK(sink->readable == 2);
}

TEST_CASE("pipe: a multipart message becomes visible only when complete", "[unit][pipe]") {
    auto sink = std::make_shared<test_sink>();
    auto link = make_pipe(1, 1);
    zpipe& w = link->end(0);
    zpipe& r = link->end(1);
    r.set_sink(sink);
    CHECK_FALSE(r.check_read());

    zmx::message a = msg("part-a");
    a.set_more(true);
    zmx::message b = msg("part-b");
    b.set_more(true);
    zmx::message c = msg("part-c");
    REQUIRE(w.write(a));
    w.flush();
    CHECK_FALSE(r.check_read());
    CHECK(sink->readable == 0);
    REQUIRE(w.write(b));  // the HWM counts messages, not frames: the rest of a message always fits
    w.flush();
    CHECK_FALSE(r.check_read());
    REQUIRE(w.write(c));
    w.flush();
    CHECK(sink->readable == 1);
    REQUIRE(r.check_read());

    zmx::message got;
    REQUIRE(r.read(got));
    CHECK(got.str() == "part-a");
    CHECK(got.more());
    REQUIRE(r.read(got));
    CHECK(got.str() == "part-b");
    CHECK(got.more());
    REQUIRE(r.read(got));
    CHECK(got.str() == "part-c");
    CHECK_FALSE(got.more());
    CHECK_FALSE(r.read(got));

    // With HWM 1, one whole message fills the pipe.
    REQUIRE(write_str(w, "single"));
    CHECK_FALSE(w.check_write());
}

TEST_CASE("pipe: close notifies the peer whose queued messages stay readable", "[unit][pipe]") {
    auto wsink = std::make_shared<test_sink>();
    auto rsink = std::make_shared<test_sink>();
    auto link = make_pipe(0, 0);
    zpipe& w = link->end(0);
    zpipe& r = link->end(1);
    w.set_sink(wsink);
    r.set_sink(rsink);

    REQUIRE(write_str(w, "q1"));
    REQUIRE(write_str(w, "q2"));
    // Not flushed: close itself must publish them.
    CHECK_FALSE(r.peer_closed());
    w.close();
    CHECK(rsink->closed == 1);
    CHECK(rsink->last.load() == &r);
    CHECK(r.peer_closed());
    CHECK_FALSE(w.peer_closed());
    CHECK(read_str(r) == "q1");
    CHECK(read_str(r) == "q2");
    CHECK(read_str(r) == "<empty>");

    // The reader closing afterwards tells nobody (the writer's sink was cleared by its close).
    r.close();
    CHECK(wsink->closed == 0);
    CHECK(w.peer_closed());
}

TEST_CASE("pipe: one producer and one consumer thread bounded by the HWM and driven by notifications",
          "[unit][pipe][threads]") {
    constexpr int count = 200000;
    constexpr int hwm = 64;
    auto wsink = std::make_shared<test_sink>();
    auto rsink = std::make_shared<test_sink>();
    auto link = make_pipe(hwm, hwm);
    zpipe& w = link->end(0);
    zpipe& r = link->end(1);
    w.set_sink(wsink);
    r.set_sink(rsink);

    std::atomic<bool> producer_stuck{false};
    std::thread producer([&] {
        for (int i = 0; i < count; ++i) {
            zmx::message m(&i, sizeof i);
            for (;;) {
                const int seen = wsink->writable.load();
                if (w.write(m)) break;
                w.flush();
                if (!wsink->wait_for(wsink->writable, seen + 1)) {
                    producer_stuck = true;
                    return;
                }
            }
            if (i % 16 == 15) w.flush();
        }
        w.flush();
    });

    int expected = 0;
    bool in_order = true;
    bool consumer_stuck = false;
    while (expected < count) {
        const int seen = rsink->readable.load();
        zmx::message m;
        if (r.read(m)) {
            int v = -1;
            if (m.size() == sizeof v) std::memcpy(&v, m.data(), sizeof v);
            in_order = in_order && v == expected;
            ++expected;
            continue;
        }
        if (producer_stuck.load()) break;
        if (!rsink->wait_for(rsink->readable, seen + 1)) {
            consumer_stuck = true;
            break;
        }
    }
    producer.join();
    CHECK_FALSE(producer_stuck.load());
    CHECK_FALSE(consumer_stuck);
    CHECK(expected == count);
    CHECK(in_order);
}

TEST_CASE("pipe: rollback drops an unfinished multipart message and nothing else", "[unit][pipe]") {
    auto link = make_pipe(0, 0);
    zpipe& w = link->end(0);
    zpipe& r = link->end(1);
    REQUIRE(write_str(w, "whole"));
    for (int i = 0; i < 600; ++i) {  // more frames than a queue chunk holds
        zmx::message m("part");
        m.set_more(true);
        REQUIRE(w.write(m));
    }
    w.rollback();
    REQUIRE(write_str(w, "next"));
    w.flush();
    CHECK(read_str(r) == "whole");
    CHECK(read_str(r) == "next");
    CHECK(read_str(r) == "<empty>");
    w.rollback();  // between messages: nothing to drop
    REQUIRE(write_str(w, "after"));
    w.flush();
    CHECK(read_str(r) == "after");
}

TEST_CASE("pipe: routing-id messages are skipped unless the reader keeps them", "[unit][pipe]") {
    auto link = make_pipe(0, 0);
    zpipe& w = link->end(0);
    zpipe& r = link->end(1);
    zmx::message id("peer-1");
    id.set_flags(zmx::message::flag_routing_id);
    w.write_past_hwm(id);
    CHECK_FALSE(r.check_read());  // only the id is queued: nothing to read for a plain reader
    zmx::message id2("peer-2");
    id2.set_flags(zmx::message::flag_routing_id);
    w.write_past_hwm(id2);
    REQUIRE(write_str(w, "data"));
    w.flush();
    r.keep_routing_ids = true;
    zmx::message m;
    REQUIRE(r.read(m));
    CHECK(m.str() == "peer-2");
    CHECK((m.flags() & zmx::message::flag_routing_id) != 0);
    r.keep_routing_ids = false;
    CHECK(read_str(r) == "data");
}

TEST_CASE("pipe: a conflated pipe keeps only the newest message and wakes an idle reader", "[unit][pipe]") {
    auto link = make_pipe(1, 1, true, true);
    auto sink = std::make_shared<test_sink>();
    zpipe& w = link->end(0);
    zpipe& r = link->end(1);
    r.set_sink(sink);
    CHECK_FALSE(r.check_read());
    for (int i = 0; i < 10; ++i) REQUIRE(write_str(w, "m" + std::to_string(i)));  // never full
    w.flush();
    CHECK(sink->readable == 1);  // one wake-up for the empty→full transition
    CHECK(w.outbound_queued() == 1);
    CHECK(read_str(r) == "m9");
    CHECK(read_str(r) == "<empty>");
    REQUIRE(write_str(w, "again"));
    CHECK(sink->readable == 2);
    CHECK(read_str(r) == "again");
    r.set_sink(nullptr);
}

TEST_CASE("pipe: conflation is per direction", "[unit][pipe]") {
    auto link = make_pipe(0, 0, true, false);  // end 0 -> 1 conflated, 1 -> 0 queued
    zpipe& a = link->end(0);
    zpipe& b = link->end(1);
    for (const char* s : {"x", "y", "z"}) {
        REQUIRE(write_str(a, s));
        REQUIRE(write_str(b, s));
    }
    a.flush();
    b.flush();
    CHECK(read_str(b) == "z");
    CHECK(read_str(b) == "<empty>");
    CHECK(read_str(a) == "x");
    CHECK(read_str(a) == "y");
    CHECK(read_str(a) == "z");
}

TEST_CASE("pipe: routing-id messages do not count against the HWM", "[unit][pipe]") {
    auto link = make_pipe(1, 1);
    zpipe& w = link->end(0);
    zpipe& r = link->end(1);
    zmx::message id("me");
    id.set_flags(zmx::message::flag_routing_id);
    w.write_past_hwm(id);
    REQUIRE(write_str(w, "one"));  // the id took none of the one-message window
    w.flush();
    CHECK_FALSE(w.check_write());
    CHECK(w.outbound_queued() == 1);
    r.keep_routing_ids = true;
    zmx::message m;
    REQUIRE(r.read(m));  // the id: reading it frees nothing
    CHECK(m.str() == "me");
    CHECK_FALSE(w.check_write());
    CHECK(read_str(r) == "one");
    CHECK(w.check_write());
}
