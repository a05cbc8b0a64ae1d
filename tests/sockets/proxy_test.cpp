// zmx::proxy and zmx::proxy_steerable (the C++ API of the built-in proxy): messages both ways with a
// capture copy, ETERM on context shutdown, TERMINATE and STATISTICS, one SERVER socket both ways whose
// client's queue fills (the proxy keeps the refused frame, drops nothing and sleeps without spinning
// meanwhile), and a closed socket. The C API and the classic types are tested in tests/capi.
#include <pthread.h>
#include <time.h>

#include "support.hpp"

#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

using namespace zmx::test;

namespace {

// The sockets a proxy thread runs on: owned here so that a hung thread never outlives them (see
// support.hpp's background).
struct proxy_sockets {
    zmx::socket frontend, backend, capture, control;
    std::atomic<int> result{-1};  // 0 = returned normally, else the error number it threw
    std::atomic<bool> started{false};
    std::atomic<pthread_t> thread{};  // the proxy's, for its CPU clock
    std::atomic<bool> thrown_other{false};
};

void run_steerable(const std::shared_ptr<proxy_sockets>& p) {
    try {
        zmx::proxy_steerable(p->frontend, p->backend, p->capture ? &p->capture : nullptr,
                             p->control ? &p->control : nullptr);
        p->result = 0;
    } catch (const zmx::error& e) {
        p->result = e.num();
    }
}

void expect_parts(zmx::socket& s, const std::vector<std::string>& parts) {
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const zmx::message m = recv_msg(s);
        CHECK(m.str() == parts[i]);
        CHECK(m.more() == (i + 1 < parts.size()));
    }
}

void send_parts(zmx::socket& s, const std::vector<std::string>& parts) {
    for (std::size_t i = 0; i < parts.size(); ++i)
        REQUIRE(s.send(parts[i], i + 1 < parts.size() ? zmx::send_flags::sndmore : zmx::send_flags::none));
}

std::vector<std::uint64_t> statistics(zmx::socket& control) {
    send_ok(control, "STATISTICS");
    std::vector<std::uint64_t> v;
    for (int i = 0; i < 8; ++i) {
        const zmx::message m = recv_msg(control);
        REQUIRE(m.size() == 8);
        CHECK(m.more() == (i < 7));
        std::uint64_t x = 0;
        std::memcpy(&x, m.data(), 8);
        v.push_back(x);
    }
    return v;
}

// CPU time a thread has used, in ms.
double thread_cpu_ms(pthread_t t) {
    clockid_t cid{};
    REQUIRE(pthread_getcpuclockid(t, &cid) == 0);
    timespec ts{};
    REQUIRE(clock_gettime(cid, &ts) == 0);
    return static_cast<double>(ts.tv_sec) * 1000.0 + static_cast<double>(ts.tv_nsec) / 1e6;
}

}  // namespace

TEST_CASE("proxy: zmx::proxy moves multipart messages both ways with a capture copy then throws ETERM", "[proxy]") {
    zmx::context ctx;
    auto p = std::make_shared<proxy_sockets>();
    p->frontend = make_quick(ctx, zmx::socket_type::pair);
    p->backend = make_quick(ctx, zmx::socket_type::pair);
    p->capture = make_quick(ctx, zmx::socket_type::pair);
    zmx::socket client = make_quick(ctx, zmx::socket_type::pair);
    zmx::socket worker = make_quick(ctx, zmx::socket_type::pair);
    zmx::socket tap = make_quick(ctx, zmx::socket_type::pair);
    const std::string front_ep = bind_any(p->frontend);
    const std::string back_ep = unique_inproc("proxy-back");
    const std::string tap_ep = unique_inproc("proxy-tap");
    p->backend.bind(back_ep);
    tap.bind(tap_ep);
    p->capture.connect(tap_ep);
    client.connect(front_ep);
    worker.connect(back_ep);

    background b([p] {
        try {
            zmx::proxy(p->frontend, p->backend, &p->capture);
        } catch (const zmx::error& e) {
            p->result = e.num();
            return;
        } catch (...) {
        }
        p->thrown_other = true;
    });
    const std::vector<std::string> request = {"one", "", "three-3"};
    const std::vector<std::string> reply = {"back-1", "back-2"};
    for (int i = 0; i < 3; ++i) {
        send_parts(client, request);
        expect_parts(worker, request);
        expect_parts(tap, request);
        send_parts(worker, reply);
        expect_parts(client, reply);
        expect_parts(tap, reply);
    }
    ctx.shutdown();
    REQUIRE(b.wait());
    CHECK(p->result == zmx::eterm);
    CHECK_FALSE(p->thrown_other);
}

TEST_CASE("proxy: proxy_steerable returns on TERMINATE and counts whole messages in STATISTICS", "[proxy]") {
    zmx::context ctx;
    auto p = std::make_shared<proxy_sockets>();
    p->frontend = make_quick(ctx, zmx::socket_type::pair);
    p->backend = make_quick(ctx, zmx::socket_type::pair);
    p->control = make_quick(ctx, zmx::socket_type::pair);
    zmx::socket client = make_quick(ctx, zmx::socket_type::pair);
    zmx::socket worker = make_quick(ctx, zmx::socket_type::pair);
    zmx::socket steer = make_quick(ctx, zmx::socket_type::pair);
    const std::string f = unique_inproc("st-front"), k = unique_inproc("st-back"), c = unique_inproc("st-ctl");
    p->frontend.bind(f);
    p->backend.bind(k);
    p->control.bind(c);
    client.connect(f);
    worker.connect(k);
    steer.connect(c);
    background b([p] { run_steerable(p); });

    send_parts(client, {"ab", "cde"});
    expect_parts(worker, {"ab", "cde"});
    send_parts(worker, {"xyzw"});
    expect_parts(client, {"xyzw"});
    CHECK(statistics(steer) == std::vector<std::uint64_t>{1, 5, 1, 4, 1, 4, 1, 5});

    send_ok(steer, "PAUSE");
    CHECK(statistics(steer)[0] == 1);  // PAUSE was handled before this answer
    send_ok(client, "held");
    worker.set(zmx::sockopt::rcvtimeo, 100);
    zmx::message m;
    CHECK_FALSE(worker.recv(m).has_value());
    worker.set(zmx::sockopt::rcvtimeo, timeout_ms);
    send_ok(steer, "RESUME");
    CHECK(recv_str(worker) == "held");

    send_ok(steer, "TERMINATE");
    REQUIRE(b.wait());
    CHECK(p->result == 0);
}

TEST_CASE("proxy: one SERVER socket both ways keeps what a full client queue refuses and drops nothing",
          "[proxy][server]") {
    zmx::context ctx;
    auto p = std::make_shared<proxy_sockets>();
    p->frontend = make_quick(ctx, zmx::socket_type::server);
    p->frontend.set(zmx::sockopt::sndhwm, 4);
    p->frontend.set(zmx::sockopt::rcvhwm, 4);
    p->control = make_quick(ctx, zmx::socket_type::pair);
    zmx::socket steer = make_quick(ctx, zmx::socket_type::pair);
    const std::string c = unique_inproc("srv-ctl");
    p->control.bind(c);
    steer.connect(c);
    zmx::socket client = make_quick(ctx, zmx::socket_type::client);
    client.set(zmx::sockopt::sndhwm, 4);
    client.set(zmx::sockopt::rcvhwm, 4);
    const std::string ep = unique_inproc("srv-echo");
    p->frontend.bind(ep);
    client.connect(ep);

    // The proxy echoes on the same socket (frontend == backend).
    background b([p] {
        p->thread = pthread_self();
        p->started = true;
        try {
            zmx::proxy_steerable(p->frontend, p->frontend, nullptr, &p->control);
            p->result = 0;
        } catch (const zmx::error& e) {
            p->result = e.num();
        }
    });
    REQUIRE(wait_until([&] { return p->started.load(); }));

    send_ok(client, "warm-up");
    CHECK(recv_str(client) == "warm-up");

    // The client sends without reading: the queue back to it fills, the proxy keeps one refused frame
    // and stops reading, then the queue to the proxy fills and the client's sends are refused (full
    // means a send waits 200 ms in vain: until then the proxy may still be catching up).
    client.set(zmx::sockopt::sndtimeo, 200);
    int sent = 0;
    for (; sent < 10000; ++sent)
        if (!client.send("m" + std::to_string(sent))) break;
    client.set(zmx::sockopt::sndtimeo, timeout_ms);
    INFO("sent before the HWM: " << sent);
    CHECK(sent < 10000);
    CHECK(sent > 4 + 4);               // more than one queue's worth: the proxy moved messages, then stopped
    CHECK(sent <= 4 + 4 + 1 + 4 + 4);  // both HWMs of each queue, and the frame the proxy holds

    // Blocked on a full queue, the proxy sleeps: it answers its control socket and burns no CPU.
    CHECK(statistics(steer)[0] < static_cast<std::uint64_t>(sent));
    const double cpu0 = thread_cpu_ms(p->thread.load());
    const auto t0 = clock_type::now();
    while (clock_type::now() - t0 < 300ms) std::this_thread::sleep_for(20ms);  // measuring idleness
    const double used = thread_cpu_ms(p->thread.load()) - cpu0;
    INFO("proxy thread CPU while blocked: " << used << " ms of 300");
    CHECK(used < 60.0);

    for (int i = 0; i < sent; ++i) {
        const std::string got = recv_str(client);
        if (got != "m" + std::to_string(i)) {
            FAIL("echo " << i << " is '" << got << "'");
        }
    }
    zmx::message extra;
    client.set(zmx::sockopt::rcvtimeo, 50);
    CHECK_FALSE(client.recv(extra).has_value());
    const auto s = statistics(steer);
    CHECK(s[0] == static_cast<std::uint64_t>(sent) + 1);
    CHECK(s[6] == static_cast<std::uint64_t>(sent) + 1);

    send_ok(steer, "TERMINATE");
    REQUIRE(b.wait());
    CHECK(p->result == 0);
}

TEST_CASE("proxy: an idle proxy sleeps instead of spinning", "[proxy]") {
    zmx::context ctx;
    auto p = std::make_shared<proxy_sockets>();
    p->frontend = make_quick(ctx, zmx::socket_type::pair);
    p->backend = make_quick(ctx, zmx::socket_type::pair);
    p->control = make_quick(ctx, zmx::socket_type::pair);
    zmx::socket steer = make_quick(ctx, zmx::socket_type::pair);
    const std::string c = unique_inproc("idle-ctl");
    p->control.bind(c);
    steer.connect(c);
    p->frontend.bind(unique_inproc("idle-front"));
    p->backend.bind(unique_inproc("idle-back"));
    background b([p] {
        p->thread = pthread_self();
        p->started = true;
        run_steerable(p);
    });
    REQUIRE(wait_until([&] { return p->started.load(); }));
    statistics(steer);  // it runs
    const double cpu0 = thread_cpu_ms(p->thread.load());
    const auto t0 = clock_type::now();
    while (clock_type::now() - t0 < 300ms) std::this_thread::sleep_for(20ms);  // measuring idleness
    const double used = thread_cpu_ms(p->thread.load()) - cpu0;
    INFO("idle proxy thread CPU: " << used << " ms of 300");
    CHECK(used < 30.0);
    send_ok(steer, "TERMINATE");
    REQUIRE(b.wait());
    CHECK(p->result == 0);
}

TEST_CASE("proxy: a closed socket is ENOTSOCK", "[proxy]") {
    zmx::context ctx;
    zmx::socket a = make_quick(ctx, zmx::socket_type::pair);
    zmx::socket closed;
    CHECK(error_of([&] { zmx::proxy(a, closed); }) == ENOTSOCK);
    CHECK(error_of([&] { zmx::proxy_steerable(closed, a, nullptr, nullptr); }) == ENOTSOCK);
    CHECK(error_of([&] { zmx::proxy_steerable(a, a, nullptr, &closed); }) == ENOTSOCK);
}
