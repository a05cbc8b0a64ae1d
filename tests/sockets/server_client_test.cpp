// SERVER/CLIENT (RFC 41) over tcp: request/reply by routing id, per-client routing, EAGAIN rules of
// recv/send, queueing before the server exists, HWM without loss, and many threads on one socket.
#include "support.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace zmx::test;

namespace {

zmx::socket make(zmx::context& ctx, zmx::socket_type t) {
    zmx::socket s(ctx, t);
    set_timeouts(s);
    return s;
}

}  // namespace

TEST_CASE("server/client: client requests and the server replies to msg.routing_id()", "[server][client][tcp]") {
    zmx::context ctx;
    zmx::socket server = make(ctx, zmx::socket_type::server);
    zmx::socket client = make(ctx, zmx::socket_type::client);
    client.connect(bind_any(server));

    send_ok(client, "request");
    zmx::message req = recv_msg(server);
    CHECK(req.str() == "request");
    REQUIRE(req.routing_id() != 0);
    REQUIRE(req.property("Socket-Type") != nullptr);
    CHECK(std::string(req.property("Socket-Type")) == "CLIENT");

    send_to_ok(server, req.routing_id(), "reply");
    zmx::message rep = recv_msg(client);
    CHECK(rep.str() == "reply");
    CHECK(rep.routing_id() == 0);  // CLIENT messages carry no routing id
    REQUIRE(rep.property("Socket-Type") != nullptr);
    CHECK(std::string(rep.property("Socket-Type")) == "SERVER");
}

TEST_CASE("server/client: two clients get different ids and replies reach the right one", "[server][client][tcp]") {
    zmx::context ctx;
    zmx::socket server = make(ctx, zmx::socket_type::server);
    const std::string ep = bind_any(server);
    zmx::socket c1 = make(ctx, zmx::socket_type::client);
    zmx::socket c2 = make(ctx, zmx::socket_type::client);
    c1.connect(ep);
    c2.connect(ep);

    send_ok(c1, "I am c1");
    send_ok(c2, "I am c2");
    std::uint32_t id1 = 0;
    std::uint32_t id2 = 0;
    for (int i = 0; i < 2; ++i) {
        zmx::message m = recv_msg(server);
        (m.str() == "I am c1" ? id1 : id2) = m.routing_id();
    }
    REQUIRE(id1 != 0);
    REQUIRE(id2 != 0);
    REQUIRE(id1 != id2);

    // Reply in the opposite order, several times each.
    for (int i = 0; i < 3; ++i) {
        send_to_ok(server, id2, "for c2 #" + std::to_string(i));
        send_to_ok(server, id1, "for c1 #" + std::to_string(i));
    }
    for (int i = 0; i < 3; ++i) {
        CHECK(recv_str(c1) == "for c1 #" + std::to_string(i));
        CHECK(recv_str(c2) == "for c2 #" + std::to_string(i));
    }
    zmx::message extra;
    CHECK_FALSE(c1.recv(extra, zmx::recv_flags::dontwait).has_value());
    CHECK_FALSE(c2.recv(extra, zmx::recv_flags::dontwait).has_value());
}

TEST_CASE("server: sending with routing id 0 or an unknown id fails with EHOSTUNREACH", "[server]") {
    zmx::context ctx;
    zmx::socket server = make(ctx, zmx::socket_type::server);
    CHECK(error_of([&] { server.send("no routing id"); }) == EHOSTUNREACH);
    CHECK(error_of([&] { server.send_to(0, "zero"); }) == EHOSTUNREACH);
    CHECK(error_of([&] { server.send_to(77, "unknown", zmx::send_flags::dontwait); }) == EHOSTUNREACH);
}

TEST_CASE("server/client: draft types reject SNDMORE with EINVAL", "[server][client]") {
    zmx::context ctx;
    zmx::socket server = make(ctx, zmx::socket_type::server);
    zmx::socket client = make(ctx, zmx::socket_type::client);
    client.connect(bind_any(server));
    CHECK(error_of([&] { client.send("part", zmx::send_flags::sndmore); }) == EINVAL);
    send_ok(client, "whole");
    zmx::message m = recv_msg(server);
    CHECK(m.str() == "whole");
    CHECK(error_of([&] { server.send_to(m.routing_id(), "part", zmx::send_flags::sndmore); }) == EINVAL);
}

TEST_CASE("server/client: recv with RCVTIMEO and nothing sent returns empty (EAGAIN)", "[server][client]") {
    zmx::context ctx;
    zmx::socket server(ctx, zmx::socket_type::server);
    zmx::socket client(ctx, zmx::socket_type::client);
    client.connect(bind_any(server));
    server.set(zmx::sockopt::rcvtimeo, 50);
    client.set(zmx::sockopt::rcvtimeo, 50);
    zmx::message m;
    CHECK_FALSE(server.recv(m).has_value());
    CHECK_FALSE(client.recv(m).has_value());
}

TEST_CASE("server/client: recv with dontwait and nothing queued returns empty (EAGAIN)", "[server][client]") {
    zmx::context ctx;
    zmx::socket server(ctx, zmx::socket_type::server);
    zmx::socket client(ctx, zmx::socket_type::client);
    client.connect(bind_any(server));
    zmx::message m;
    CHECK_FALSE(server.recv(m, zmx::recv_flags::dontwait).has_value());
    CHECK_FALSE(client.recv(m, zmx::recv_flags::dontwait).has_value());

    // Once something is queued, dontwait returns it.
    set_timeouts(client);
    send_ok(client, "now");
    REQUIRE(wait_until([&] { return server.recv(m, zmx::recv_flags::dontwait).has_value(); }));
    CHECK(m.str() == "now");
}

TEST_CASE("client: with no peer at all send with SNDTIMEO returns empty (EAGAIN)", "[client]") {
    zmx::context ctx;
    zmx::socket client(ctx, zmx::socket_type::client);
    client.set(zmx::sockopt::sndtimeo, 50);
    CHECK_FALSE(client.send("nobody").has_value());
    CHECK_FALSE(client.send("nobody", zmx::send_flags::dontwait).has_value());
}

TEST_CASE("client: messages sent after connect() but before the server binds arrive once it binds",
          "[client][server][tcp]") {
    zmx::context ctx;
    const std::string ep = local_ep(free_port());
    zmx::socket client = make(ctx, zmx::socket_type::client);
    client.connect(ep);
    for (int i = 0; i < 10; ++i) send_ok(client, "early-" + std::to_string(i));

    zmx::socket server = make(ctx, zmx::socket_type::server);
    bind_retry(server, ep);
    std::uint32_t id = 0;
    for (int i = 0; i < 10; ++i) {
        zmx::message m = recv_msg(server);
        CHECK(m.str() == "early-" + std::to_string(i));
        if (i == 0) id = m.routing_id();
        CHECK(m.routing_id() == id);
    }
    send_to_ok(server, id, "welcome");
    CHECK(recv_str(client) == "welcome");
}

TEST_CASE("server: messages from a client that has since closed are still received", "[server][client][tcp]") {
    zmx::context ctx;
    zmx::socket server = make(ctx, zmx::socket_type::server);
    const std::string ep = bind_any(server);
    {
        zmx::socket client = make(ctx, zmx::socket_type::client);
        client.connect(ep);
        for (int i = 0; i < 20; ++i) send_ok(client, "last words " + std::to_string(i));
        // Closes here with ZMQ_LINGER -1: everything is still delivered.
    }
    std::uint32_t id = 0;
    for (int i = 0; i < 20; ++i) {
        zmx::message m = recv_msg(server);
        CHECK(m.str() == "last words " + std::to_string(i));
        if (i == 0) id = m.routing_id();
        CHECK(m.routing_id() == id);
    }
    // Once the server has found the departed client's pipe empty, its id is no longer routable.
    CHECK(wait_until([&] {
        zmx::message none;
        server.recv(none, zmx::recv_flags::dontwait);
        return error_of([&] { server.send_to(id, "gone?", zmx::send_flags::dontwait); }) == EHOSTUNREACH;
    }));
}

// libzmq refuses (EAGAIN: its pipe is no longer writable) a send to a peer whose connection has ended
// while that peer's last messages are still being read, and EHOSTUNREACH once they are; a send must
// never be accepted into a pipe that nobody will ever read (DESIGN.md: nothing is dropped silently).
TEST_CASE("server: a send to a client whose connection has ended is never accepted",
          "[server][client][tcp]") {
    zmx::context ctx;
    zmx::socket server = make(ctx, zmx::socket_type::server);
    const std::string ep = bind_any(server);
    {
        // The client lives in a context of its own: destroying it returns once everything was sent
        // and the connection closed (ZMQ_LINGER -1).
        zmx::context cctx;
        zmx::socket client = make(cctx, zmx::socket_type::client);
        client.connect(ep);
        for (int i = 0; i < 20; ++i) send_ok(client, "m" + std::to_string(i));
    }
    // The FIN is in the server's kernel buffer now; let the server's I/O thread see it: one barrier
    // takes several turns of its loop, so the connection's end has been processed by then.
    REQUIRE(io_barrier(ctx));
    REQUIRE(io_barrier(ctx));

    zmx::message first = recv_msg(server);  // the socket learns of the closed pipe; 19 remain queued
    CHECK(first.str() == "m0");
    const std::uint32_t id = first.routing_id();
    int accepted = 0;
    for (int i = 0; i < 10; ++i) {
        try {
            if (server.send_to(id, "into the void", zmx::send_flags::dontwait).has_value()) ++accepted;
        } catch (const zmx::error& e) {
            CHECK(e.num() == EHOSTUNREACH);
        }
    }
    CHECK(accepted == 0);

    for (int i = 1; i < 20; ++i) CHECK(recv_str(server) == "m" + std::to_string(i));
    zmx::message none;
    CHECK_FALSE(server.recv(none, zmx::recv_flags::dontwait).has_value());
    CHECK(error_of([&] { server.send_to(id, "gone", zmx::send_flags::dontwait); }) == EHOSTUNREACH);
}

TEST_CASE("client: the HWM bounds queueing (EAGAIN) and nothing accepted is lost", "[client][server][tcp][hwm]") {
    zmx::context ctx;
    zmx::socket server = make(ctx, zmx::socket_type::server);
    server.set(zmx::sockopt::rcvhwm, 5);
    zmx::socket client = make(ctx, zmx::socket_type::client);
    client.set(zmx::sockopt::sndhwm, 5);
    client.connect(bind_any(server));

    // Make sure the connection is up before flooding, so the HWM is hit across the whole path.
    send_ok(client, "hello");
    CHECK(recv_str(server) == "hello");

    constexpr std::size_t body = 100 * 1024;
    constexpr int max_sends = 2000;  // 200 MB: far beyond pipes + engine + kernel buffers, small enough to fail safely
    std::string payload(body, 'x');
    int accepted = 0;
    auto next = [&] {
        const std::string seq = std::to_string(accepted);
        payload.replace(0, 8, std::string(8 - seq.size(), '0') + seq);
        return std::string_view(payload);
    };
    // Without waiting, the client refuses as soon as its own pipe is at the HWM.
    bool refused = false;
    while (accepted < max_sends) {
        if (!client.send(next(), zmx::send_flags::dontwait).has_value()) {
            refused = true;
            break;
        }
        ++accepted;
    }
    INFO("dontwait: accepted " << accepted << " messages of " << body << " bytes before EAGAIN");
    REQUIRE(refused);
    CHECK(accepted >= 5);

    // Waiting sends fill the rest of the path (engine, kernel buffers, the server's pipe) until
    // nothing moves any more and SNDTIMEO expires: the queue is bounded, not growing forever.
    client.set(zmx::sockopt::sndtimeo, 200);
    refused = false;
    while (accepted < max_sends) {
        if (!client.send(next()).has_value()) {
            refused = true;
            break;
        }
        ++accepted;
    }
    INFO("with SNDTIMEO: accepted " << accepted << " in all");
    REQUIRE(refused);
    client.set(zmx::sockopt::sndtimeo, timeout_ms);

    // Drain: every accepted message arrives, in order, intact; then nothing more.
    for (int i = 0; i < accepted; ++i) {
        zmx::message m = recv_msg(server);
        REQUIRE(m.size() == body);
        const std::string seq = std::to_string(i);
        REQUIRE(m.str().substr(0, 8) == std::string(8 - seq.size(), '0') + seq);
        CHECK(m.str().back() == 'x');
    }
    server.set(zmx::sockopt::rcvtimeo, 100);
    zmx::message extra;
    CHECK_FALSE(server.recv(extra).has_value());

    // And the client can send again once drained.
    send_ok(client, "after the flood");
    server.set(zmx::sockopt::rcvtimeo, timeout_ms);
    CHECK(recv_str(server) == "after the flood");
}

TEST_CASE("server/client: many threads on one SERVER and one thread per CLIENT with nothing lost or duplicated",
          "[server][client][tcp][threads]") {
    constexpr int n_clients = 4;
    constexpr int per_client = 2000;
    constexpr int total = n_clients * per_client;

    zmx::context ctx;
    zmx::socket server(ctx, zmx::socket_type::server);
    server.set(zmx::sockopt::rcvtimeo, 100);
    server.set(zmx::sockopt::sndtimeo, timeout_ms);
    const std::string ep = bind_any(server);

    std::mutex mtx;
    std::condition_variable cv;
    std::set<std::pair<int, int>> received;  // (client, seq) seen by the server
    int duplicates = 0;
    int malformed = 0;
    std::deque<std::pair<std::uint32_t, std::string>> to_echo;
    std::atomic<bool> done{false};
    std::atomic<int> server_errors{0};

    auto recv_loop = [&] {
        const auto deadline = clock_type::now() + 4 * timeout;
        while (!done.load() && clock_type::now() < deadline) {
            zmx::message m;
            try {
                if (!server.recv(m).has_value()) continue;
            } catch (const zmx::error&) {
                ++server_errors;
                return;
            }
            int c = -1;
            int seq = -1;
            const std::string s(m.str());
            if (std::sscanf(s.c_str(), "c%d:%d", &c, &seq) != 2) {
                std::lock_guard lock(mtx);
                ++malformed;
                continue;
            }
            std::lock_guard lock(mtx);
            if (!received.emplace(c, seq).second) ++duplicates;
            to_echo.emplace_back(m.routing_id(), s);
            cv.notify_one();
            if (static_cast<int>(received.size()) == total) cv.notify_all();
        }
    };
    std::atomic<int> echoed{0};
    auto echo_loop = [&] {
        for (;;) {
            std::pair<std::uint32_t, std::string> item;
            {
                std::unique_lock lock(mtx);
                if (!cv.wait_for(lock, timeout, [&] { return !to_echo.empty() || done.load(); })) {
                    ++server_errors;  // starved for a whole timeout: something is stuck
                    return;
                }
                if (to_echo.empty()) return;
                item = std::move(to_echo.front());
                to_echo.pop_front();
            }
            try {
                if (!server.send_to(item.first, item.second).has_value()) {
                    ++server_errors;
                    continue;
                }
            } catch (const zmx::error&) {
                ++server_errors;
                continue;
            }
            ++echoed;
        }
    };

    std::vector<int> client_ok(n_clients, 0);
    std::vector<std::string> client_problem(n_clients);
    auto client_loop = [&](int c) {
        zmx::socket s(ctx, zmx::socket_type::client);
        set_timeouts(s);
        s.connect(ep);
        for (int i = 0; i < per_client; ++i) {
            if (!s.send("c" + std::to_string(c) + ":" + std::to_string(i)).has_value()) {
                client_problem[c] = "send timed out at " + std::to_string(i);
                return;
            }
        }
        std::set<int> echoes;
        for (int i = 0; i < per_client; ++i) {
            zmx::message m;
            if (!s.recv(m).has_value()) {
                client_problem[c] = "recv timed out after " + std::to_string(echoes.size()) + " echoes";
                return;
            }
            int cc = -1;
            int seq = -1;
            if (std::sscanf(std::string(m.str()).c_str(), "c%d:%d", &cc, &seq) != 2 || cc != c) {
                client_problem[c] = "got someone else's echo: " + std::string(m.str());
                return;
            }
            if (!echoes.insert(seq).second) {
                client_problem[c] = "duplicate echo " + std::to_string(seq);
                return;
            }
        }
        client_ok[c] = static_cast<int>(echoes.size());
    };

    std::vector<std::thread> threads;
    for (int i = 0; i < 2; ++i) threads.emplace_back(recv_loop);
    for (int i = 0; i < 2; ++i) threads.emplace_back(echo_loop);
    std::vector<std::thread> clients;
    for (int c = 0; c < n_clients; ++c) clients.emplace_back(client_loop, c);
    for (auto& t : clients) t.join();
    done = true;
    cv.notify_all();
    for (auto& t : threads) t.join();

    for (int c = 0; c < n_clients; ++c) {
        INFO("client " << c << ": " << client_problem[c]);
        CHECK(client_ok[c] == per_client);
    }
    std::lock_guard lock(mtx);
    CHECK(static_cast<int>(received.size()) == total);
    CHECK(duplicates == 0);
    CHECK(malformed == 0);
    CHECK(echoed.load() == total);
    CHECK(server_errors.load() == 0);
    for (int c = 0; c < n_clients; ++c) {
        for (int i = 0; i < per_client; i += 499) CHECK(received.count({c, i}) == 1);
    }
}
