// Tests for zmx::detail::reactor and io_thread: posted closures, timers, fd readiness, removal
// inside a batch, stop from another thread. Waits are bounded by deadlines, never fixed sleeps.
#include "io/reactor.hpp"
#include "io/clock.hpp"
#include "io/io_thread.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

using zmx::detail::io_handler;
using zmx::detail::io_thread;
using zmx::detail::reactor;

namespace {

constexpr auto deadline = std::chrono::seconds(10);

// Runs fn on t's loop thread and returns its result; fails the test if it does not run in time.
template <typename F>
auto on_loop(io_thread& t, F fn) {
    using result = decltype(fn());
    auto p = std::make_shared<std::promise<result>>();
    auto f = p->get_future();
    t.post([p, fn]() mutable {
        if constexpr (std::is_void_v<result>) {
            fn();
            p->set_value();
        } else {
            p->set_value(fn());
        }
    });
    REQUIRE(f.wait_for(deadline) == std::future_status::ready);
    return f.get();
}

struct fd_pair {
    int fds[2] = {-1, -1};
    fd_pair() { REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0); }
    ~fd_pair() {
        for (int fd : fds) {
            if (fd >= 0) {
                ::close(fd);
            }
        }
    }
    void close_end(int i) {
        ::close(fds[i]);
        fds[i] = -1;
    }
};

// A handler that counts callbacks and runs optional hooks (loop thread only).
struct test_handler final : io_handler {
    std::function<void()> readable;
    std::function<void()> writable;
    int readable_calls = 0;
    int writable_calls = 0;
    test_handler() = default;
    test_handler(const test_handler&) = delete;
    test_handler& operator=(const test_handler&) = delete;
    virtual ~test_handler() = default;
    void on_readable() override {
        ++readable_calls;
        if (readable) {
            readable();
        }
    }
    void on_writable() override {
        ++writable_calls;
        if (writable) {
            writable();
        }
    }
};

}  // namespace

TEST_CASE("reactor: posted closures run on the loop thread in FIFO order", "[reactor]") {
    io_thread t;
    CHECK_FALSE(t.loop().in_loop_thread());

    std::promise<bool> where;
    std::thread other([&] { t.post([&] { where.set_value(t.loop().in_loop_thread()); }); });
    other.join();
    auto f = where.get_future();
    REQUIRE(f.wait_for(deadline) == std::future_status::ready);
    CHECK(f.get());

    // Two posting threads: each one's closures keep their order; closures posted from the loop
    // thread itself run too (without a wakeup).
    std::vector<int> seen;  // loop thread only
    auto poster = [&](int base) {
        for (int i = 0; i < 2000; ++i) {
            t.post([&seen, v = base + i] { seen.push_back(v); });
        }
    };
    std::thread a(poster, 0);
    std::thread b(poster, 100000);
    a.join();
    b.join();
    on_loop(t, [&] { t.post([&] { seen.push_back(-1); }); });
    const std::vector<int> result = on_loop(t, [&] { return seen; });
    REQUIRE(result.size() == 4001);
    CHECK(result.back() == -1);
    int last_a = -1;
    int last_b = 99999;
    for (std::size_t i = 0; i + 1 < result.size(); ++i) {
        const int v = result[i];
        if (v < 100000) {
            CHECK(v == last_a + 1);
            last_a = v;
        } else {
            CHECK(v == last_b + 1);
            last_b = v;
        }
    }
}

TEST_CASE("reactor: timers fire in deadline order, cancel works", "[reactor]") {
    io_thread t;
    std::vector<int> order;           // loop thread only
    std::vector<std::int64_t> early;  // timers that fired before their delay (loop thread only)
    std::promise<void> done;

    on_loop(t, [&] {
        reactor& r = t.loop();
        auto add = [&](std::int64_t delay, int tag) {
            const std::int64_t start = zmx::detail::now_us();
            return r.add_timer(delay, [&, start, delay, tag] {
                if (zmx::detail::now_us() - start < delay * 1000) {
                    early.push_back(tag);
                }
                order.push_back(tag);
            });
        };
        add(30, 30);
        add(10, 10);
        const reactor::timer_id cancelled = add(5, -5);
        add(20, 20);
        add(0, 0);
        add(-7, 1);  // negative delay means now (after the 0 above: equal deadlines keep creation order)
        r.cancel_timer(cancelled);
        r.cancel_timer(cancelled);  // second cancel is a no-op
        r.cancel_timer(9999999);    // unknown id is a no-op

        // A callback cancels a timer due in the same pass (same delay, created after it) and
        // cancels itself (a no-op: it is firing).
        auto victim = std::make_shared<reactor::timer_id>(0);
        auto self = std::make_shared<reactor::timer_id>(0);
        *self = r.add_timer(15, [&r, &order, victim, self] {
            order.push_back(15);
            r.cancel_timer(*victim);
            r.cancel_timer(*self);
        });
        *victim = r.add_timer(15, [&order] { order.push_back(-15); });

        r.add_timer(40, [&] { done.set_value(); });
    });
    auto f = done.get_future();
    REQUIRE(f.wait_for(deadline) == std::future_status::ready);
    const auto result = on_loop(t, [&] { return order; });
    CHECK(result == std::vector<int>{0, 1, 10, 15, 20, 30});
    CHECK(on_loop(t, [&] { return early.empty(); }));
}

TEST_CASE("reactor: a timer that re-arms itself with delay 0 does not starve posted work", "[reactor]") {
    io_thread t;
    auto stop_rearming = std::make_shared<bool>(false);
    std::function<void()> tick = [&t, stop_rearming, &tick] {
        if (!*stop_rearming) {
            t.loop().add_timer(0, tick);
        }
    };
    on_loop(t, [&] { t.loop().add_timer(0, tick); });
    on_loop(t, [&] { *stop_rearming = true; });  // would time out if posted closures never ran
}

TEST_CASE("reactor: fd readiness calls the handler", "[reactor]") {
    io_thread t;
    fd_pair sp;
    test_handler h;
    std::promise<std::string> got;
    reactor::handle hd = nullptr;
    h.readable = [&] {
        char buf[16];
        const ssize_t n = ::read(sp.fds[0], buf, sizeof buf);
        t.loop().remove(hd);
        got.set_value(std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0));
    };
    on_loop(t, [&] {
        hd = t.loop().add(sp.fds[0], &h);
        t.loop().set_pollin(hd);
    });
    CHECK(t.loop().load() == 1);
    REQUIRE(::write(sp.fds[1], "hi", 2) == 2);
    auto f = got.get_future();
    REQUIRE(f.wait_for(deadline) == std::future_status::ready);
    CHECK(f.get() == "hi");
    CHECK(t.loop().load() == 0);
    CHECK(on_loop(t, [&] { return h.readable_calls; }) == 1);
}

TEST_CASE("reactor: pollout, reset_pollout and hang-up", "[reactor]") {
    io_thread t;
    fd_pair sp;
    test_handler h;
    reactor::handle hd = nullptr;
    std::promise<void> wrote;
    std::promise<void> hung_up;
    h.writable = [&] {
        t.loop().reset_pollout(hd);  // level-triggered: without this it would fire again
        wrote.set_value();
    };
    h.readable = [&] {
        t.loop().remove(hd);
        hung_up.set_value();
    };
    on_loop(t, [&] {
        hd = t.loop().add(sp.fds[0], &h);
        t.loop().set_pollout(hd);
    });
    auto fw = wrote.get_future();
    REQUIRE(fw.wait_for(deadline) == std::future_status::ready);
    // No interest registered any more; closing the peer still reports the hang-up to on_readable.
    sp.close_end(1);
    auto fh = hung_up.get_future();
    REQUIRE(fh.wait_for(deadline) == std::future_status::ready);
    CHECK(on_loop(t, [&] { return h.writable_calls; }) == 1);
    CHECK(on_loop(t, [&] { return h.readable_calls; }) == 1);
}

TEST_CASE("reactor: remove() inside a callback suppresses another handle's pending event", "[reactor]") {
    io_thread t;
    fd_pair p1;
    fd_pair p2;
    // Both fds are readable before they are registered, so one epoll_wait reports both.
    REQUIRE(::write(p1.fds[1], "a", 1) == 1);
    REQUIRE(::write(p2.fds[1], "b", 1) == 1);

    test_handler h1;
    test_handler h2;
    reactor::handle k1 = nullptr;
    reactor::handle k2 = nullptr;
    std::promise<int> calls_after_batch;
    auto on_first = [&] {
        t.loop().remove(k1);
        t.loop().remove(k2);
        // Posted closures run after the whole batch has been dispatched.
        t.post([&] { calls_after_batch.set_value(h1.readable_calls + h2.readable_calls); });
    };
    h1.readable = on_first;
    h2.readable = on_first;
    on_loop(t, [&] {
        k1 = t.loop().add(p1.fds[0], &h1);
        k2 = t.loop().add(p2.fds[0], &h2);
        t.loop().set_pollin(k1);
        t.loop().set_pollin(k2);
    });
    auto f = calls_after_batch.get_future();
    REQUIRE(f.wait_for(deadline) == std::future_status::ready);
    CHECK(f.get() == 1);
    CHECK(t.loop().load() == 0);
}

TEST_CASE("reactor: stop() from another thread ends run()", "[reactor]") {
    reactor r;
    std::promise<void> running;
    std::promise<void> finished;
    std::thread loop([&] {
        r.run();
        finished.set_value();
    });
    r.post([&] { running.set_value(); });
    auto fr = running.get_future();
    REQUIRE(fr.wait_for(deadline) == std::future_status::ready);

    std::thread stopper([&] { r.stop(); });
    stopper.join();
    auto ff = finished.get_future();
    const bool ended = ff.wait_for(deadline) == std::future_status::ready;
    CHECK(ended);
    if (!ended) {
        r.stop();  // keep the test from hanging in join if stop was lost
    }
    loop.join();

    // A stop requested before run() makes run() return after at most one iteration.
    r.stop();
    r.run();
    CHECK_FALSE(r.in_loop_thread());
}

TEST_CASE("io_thread: stop_and_join is idempotent", "[reactor]") {
    io_thread t;
    on_loop(t, [] {});
    t.stop_and_join();
    t.stop_and_join();
}
