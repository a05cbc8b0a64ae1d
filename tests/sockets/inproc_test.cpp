// inproc:// (zmtp-digest.md §5.3): bind-then-connect and connect-then-bind for PEER, SERVER/CLIENT and
// PAIR; connect_peer before the bind; many threads on one context; EADDRINUSE and rebinding; names
// scoped to a context; the HWM sum rule; HELLO_MSG; ETERM; disconnect; endpoints(); linger.
#include "support.hpp"

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace zmx::test;

namespace {

// Sends with DONTWAIT until EAGAIN (at most `limit` tries); returns how many were accepted.
// Messages are numbered from `first`.
int fill(zmx::socket& s, int first = 0, int limit = 100000) {
    int n = 0;
    while (n < limit && s.send("m" + std::to_string(first + n), zmx::send_flags::dontwait).has_value()) ++n;
    return n;
}

// Expects nothing to arrive on s within ms.
bool nothing_within(zmx::socket& s, int ms = 100) {
    s.set(zmx::sockopt::rcvtimeo, ms);
    zmx::message m;
    const bool got = s.recv(m).has_value();
    s.set(zmx::sockopt::rcvtimeo, timeout_ms);
    if (got) UNSCOPED_INFO("unexpected message: " << m.str());
    return !got;
}

// The status of endpoint ep on s (state stopped and endpoint "" if s does not have it).
zmx::endpoint_status status_of(const zmx::socket& s, const std::string& ep) {
    for (auto& st : s.endpoints())
        if (st.endpoint == ep) return st;
    return {};
}

bool has_endpoint(const zmx::socket& s, const std::string& ep) {
    for (auto& st : s.endpoints())
        if (st.endpoint == ep) return true;
    return false;
}

}  // namespace

TEST_CASE("inproc: PEER to PEER both ways with bind first and with connect first", "[inproc][peer]") {
    for (const bool bind_first : {true, false}) {
        INFO("bind first: " << bind_first);
        zmx::context ctx;
        const std::string ep = unique_inproc("peer");
        zmx::socket binder = make_quick(ctx, zmx::socket_type::peer);
        zmx::socket connector = make_quick(ctx, zmx::socket_type::peer);
        if (bind_first) binder.bind(ep);
        const std::uint32_t id = connector.connect_peer(ep);
        REQUIRE(id != 0);
        if (!bind_first) binder.bind(ep);

        for (int i = 0; i < 3; ++i) send_to_ok(connector, id, "ping" + std::to_string(i));
        std::uint32_t from = 0;
        for (int i = 0; i < 3; ++i) {
            zmx::message m = recv_msg(binder);
            CHECK(m.str() == "ping" + std::to_string(i));
            if (i == 0) from = m.routing_id();
            CHECK(m.routing_id() == from);
        }
        REQUIRE(from != 0);
        for (int i = 0; i < 3; ++i) send_to_ok(binder, from, "pong" + std::to_string(i));
        for (int i = 0; i < 3; ++i) {
            zmx::message m = recv_msg(connector);
            CHECK(m.str() == "pong" + std::to_string(i));
            CHECK(m.routing_id() == id);
        }
    }
}

TEST_CASE("inproc: SERVER and CLIENT both ways with bind first and with connect first", "[inproc][server][client]") {
    for (const bool server_binds : {true, false}) {
        for (const bool bind_first : {true, false}) {
            INFO("server binds: " << server_binds << " bind first: " << bind_first);
            zmx::context ctx;
            const std::string ep = unique_inproc("sc");
            zmx::socket server = make_quick(ctx, zmx::socket_type::server);
            zmx::socket client = make_quick(ctx, zmx::socket_type::client);
            zmx::socket& binder = server_binds ? server : client;
            zmx::socket& connector = server_binds ? client : server;
            if (bind_first) binder.bind(ep);
            connector.connect(ep);
            if (!bind_first) binder.bind(ep);

            for (int i = 0; i < 3; ++i) send_ok(client, "req" + std::to_string(i));
            std::uint32_t id = 0;
            for (int i = 0; i < 3; ++i) {
                zmx::message m = recv_msg(server);
                CHECK(m.str() == "req" + std::to_string(i));
                if (i == 0) id = m.routing_id();
                CHECK(m.routing_id() == id);
            }
            REQUIRE(id != 0);
            for (int i = 0; i < 3; ++i) send_to_ok(server, id, "rep" + std::to_string(i));
            for (int i = 0; i < 3; ++i) CHECK(recv_str(client) == "rep" + std::to_string(i));
        }
    }
}

TEST_CASE("inproc: PAIR to PAIR both ways with bind first and with connect first", "[inproc][pair]") {
    for (const bool bind_first : {true, false}) {
        INFO("bind first: " << bind_first);
        zmx::context ctx;
        const std::string ep = unique_inproc("pair");
        zmx::socket binder = make_quick(ctx, zmx::socket_type::pair);
        zmx::socket connector = make_quick(ctx, zmx::socket_type::pair);
        if (bind_first) binder.bind(ep);
        connector.connect(ep);
        // Sent before the bind when connecting first: queued in the pipe.
        for (int i = 0; i < 3; ++i) send_ok(connector, "c" + std::to_string(i));
        if (!bind_first) binder.bind(ep);
        for (int i = 0; i < 3; ++i) CHECK(recv_str(binder) == "c" + std::to_string(i));
        for (int i = 0; i < 3; ++i) send_ok(binder, "b" + std::to_string(i));
        for (int i = 0; i < 3; ++i) CHECK(recv_str(connector) == "b" + std::to_string(i));
    }
}

TEST_CASE("inproc: connect_peer before bind gives an id whose queued messages arrive once the peer binds",
          "[inproc][peer]") {
    zmx::context ctx;
    const std::string ep = unique_inproc("early");
    zmx::socket a = make_quick(ctx, zmx::socket_type::peer);
    const std::uint32_t id = a.connect_peer(ep);
    REQUIRE(id != 0);
    for (int i = 0; i < 5; ++i) send_to_ok(a, id, "early" + std::to_string(i));

    zmx::socket b = make_quick(ctx, zmx::socket_type::peer);
    CHECK(nothing_within(b, 20));  // not bound yet: nothing can reach b
    b.bind(ep);
    std::uint32_t from = 0;
    for (int i = 0; i < 5; ++i) {
        zmx::message m = recv_msg(b);
        CHECK(m.str() == "early" + std::to_string(i));
        if (i == 0) from = m.routing_id();
        CHECK(m.routing_id() == from);
    }
    REQUIRE(from != 0);
    zmx::message extra;
    CHECK_FALSE(b.recv(extra, zmx::recv_flags::dontwait).has_value());

    send_to_ok(b, from, "reply");
    zmx::message r = recv_msg(a);
    CHECK(r.str() == "reply");
    CHECK(r.routing_id() == id);
    // The id stays usable after the bind.
    send_to_ok(a, id, "after");
    zmx::message m = recv_msg(b);
    CHECK(m.str() == "after");
    CHECK(m.routing_id() == from);
}

TEST_CASE("inproc: many client threads of one context each exchange messages with one SERVER",
          "[inproc][server][client][threads]") {
    constexpr int n_clients = 8;
    constexpr int per_client = 500;
    zmx::context ctx;
    const std::string ep = unique_inproc("threads");
    zmx::socket server = make_quick(ctx, zmx::socket_type::server);

    // Each client thread connects on its own (some before the bind, some after, as it happens),
    // sends per_client numbered messages, then expects exactly its own echoes back in order.
    std::vector<std::string> problem(n_clients);
    std::vector<int> echoes(n_clients, 0);
    std::atomic<int> connected{0};
    std::vector<std::thread> threads;
    for (int c = 0; c < n_clients; ++c) {
        threads.emplace_back([&, c] {
            try {
                zmx::socket s = make_quick(ctx, zmx::socket_type::client);
                s.connect(ep);
                ++connected;
                for (int i = 0; i < per_client; ++i) {
                    if (!s.send("c" + std::to_string(c) + ":" + std::to_string(i)).has_value()) {
                        problem[c] = "send timed out at " + std::to_string(i);
                        return;
                    }
                }
                for (int i = 0; i < per_client; ++i) {
                    zmx::message m;
                    if (!s.recv(m).has_value()) {
                        problem[c] = "recv timed out after " + std::to_string(i) + " echoes";
                        return;
                    }
                    const std::string want = "c" + std::to_string(c) + ":" + std::to_string(i);
                    if (m.str() != want) {
                        problem[c] = "expected " + want + " got " + std::string(m.str());
                        return;
                    }
                    ++echoes[c];
                }
                zmx::message extra;
                if (s.recv(extra, zmx::recv_flags::dontwait).has_value())
                    problem[c] = "extra message " + std::string(extra.str());
            } catch (const zmx::error& e) {
                problem[c] = std::string("error ") + e.what();
            }
        });
    }
    // Bind once a few clients have connected, so that both orders are likely to occur.
    wait_until([&] { return connected.load() >= n_clients / 2; });
    server.bind(ep);

    // Echo every message to its sender; check each client keeps one routing id and ids are distinct.
    std::map<int, std::uint32_t> id_of;  // client -> routing id
    std::map<int, int> next_seq;
    std::string server_problem;
    for (int n = 0; n < n_clients * per_client && server_problem.empty(); ++n) {
        zmx::message m;
        try {
            if (!server.recv(m).has_value()) {
                server_problem = "recv timed out after " + std::to_string(n);
                break;
            }
            int c = -1;
            int seq = -1;
            if (std::sscanf(std::string(m.str()).c_str(), "c%d:%d", &c, &seq) != 2 || c < 0 || c >= n_clients) {
                server_problem = "malformed " + std::string(m.str());
                break;
            }
            auto [it, fresh] = id_of.emplace(c, m.routing_id());
            if (it->second != m.routing_id()) server_problem = "client " + std::to_string(c) + " changed id";
            if (seq != next_seq[c]++) server_problem = "out of order: " + std::string(m.str());
            if (!server.send_to(m.routing_id(), m.str()).has_value()) server_problem = "echo timed out";
        } catch (const zmx::error& e) {
            server_problem = std::string("error ") + e.what();
        }
    }
    for (auto& t : threads) t.join();

    CHECK(server_problem.empty());
    INFO(server_problem);
    std::set<std::uint32_t> ids;
    for (auto& [c, id] : id_of) ids.insert(id);
    CHECK(id_of.size() == static_cast<std::size_t>(n_clients));
    CHECK(ids.size() == id_of.size());
    CHECK(ids.count(0) == 0);
    for (int c = 0; c < n_clients; ++c) {
        INFO("client " << c << ": " << problem[c]);
        CHECK(problem[c].empty());
        CHECK(echoes[c] == per_client);
    }
}

TEST_CASE("inproc: a second bind of a name fails with EADDRINUSE until the binder unbinds or closes",
          "[inproc]") {
    zmx::context ctx;
    const std::string ep = unique_inproc("taken");
    auto first = std::make_unique<zmx::socket>(make_quick(ctx, zmx::socket_type::server));
    first->bind(ep);
    zmx::socket second = make_quick(ctx, zmx::socket_type::server);
    CHECK(error_of([&] { second.bind(ep); }) == EADDRINUSE);
    CHECK(error_of([&] { first->bind(ep); }) == EADDRINUSE);  // the same socket again
    CHECK(error_of([&] { second.unbind(ep); }) == ENOENT);    // second never bound it

    SECTION("after unbind") {
        first->unbind(ep);
        CHECK(error_of([&] { first->unbind(ep); }) == ENOENT);
    }
    SECTION("after close") {
        first->close();
    }
    CHECK(error_of([&] { second.bind(ep); }) == 0);

    // A new connect reaches the new binder, never the old one.
    zmx::socket client = make_quick(ctx, zmx::socket_type::client);
    client.connect(ep);
    send_ok(client, "to the new binder");
    CHECK(recv_str(second) == "to the new binder");
    if (*first) CHECK(nothing_within(*first));

    // And a third bind is refused again.
    zmx::socket third = make_quick(ctx, zmx::socket_type::server);
    CHECK(error_of([&] { third.bind(ep); }) == EADDRINUSE);
}

TEST_CASE("inproc: names belong to one context and a connect from another context does not reach them",
          "[inproc]") {
    zmx::context a;
    zmx::context b;
    const std::string ep = unique_inproc("scoped");
    zmx::socket server = make_quick(a, zmx::socket_type::server);
    server.bind(ep);

    zmx::socket stranger = make_quick(b, zmx::socket_type::client);
    stranger.connect(ep);
    CHECK(status_of(stranger, ep).state == zmx::endpoint_state::waiting);
    send_ok(stranger, "from b");  // queued towards a bind in b that never comes
    CHECK(nothing_within(server, 100));

    // The same name is free in b, and a client in a does reach the server.
    zmx::socket other = make_quick(b, zmx::socket_type::server);
    other.bind(ep);
    CHECK(recv_str(other) == "from b");
    zmx::socket local = make_quick(a, zmx::socket_type::client);
    local.connect(ep);
    send_ok(local, "from a");
    CHECK(recv_str(server) == "from a");
}

TEST_CASE("inproc: with HWM 10 on both ends a sender queues exactly 20 messages then gets EAGAIN",
          "[inproc][hwm]") {
    zmx::context ctx;
    const std::string ep = unique_inproc("hwm");
    zmx::socket binder = make_quick(ctx, zmx::socket_type::pair);
    zmx::socket connector = make_quick(ctx, zmx::socket_type::pair);
    for (zmx::socket* s : {&binder, &connector}) {
        s->set(zmx::sockopt::sndhwm, 10);
        s->set(zmx::sockopt::rcvhwm, 10);
    }
    binder.bind(ep);
    connector.connect(ep);

    // connector -> binder: own SNDHWM + peer RCVHWM.
    CHECK(fill(connector) == 20);
    CHECK(fill(connector, 20) == 0);
    // Reading half of them makes room for exactly that many more.
    for (int i = 0; i < 10; ++i) CHECK(recv_str(binder) == "m" + std::to_string(i));
    CHECK(fill(connector, 20) == 10);
    for (int i = 10; i < 30; ++i) CHECK(recv_str(binder) == "m" + std::to_string(i));
    zmx::message extra;
    CHECK_FALSE(binder.recv(extra, zmx::recv_flags::dontwait).has_value());

    // binder -> connector: the same rule the other way.
    CHECK(fill(binder) == 20);
    for (int i = 0; i < 10; ++i) CHECK(recv_str(connector) == "m" + std::to_string(i));
    CHECK(fill(binder, 20) == 10);
    for (int i = 10; i < 30; ++i) CHECK(recv_str(connector) == "m" + std::to_string(i));
    // Drained: sending works again.
    CHECK(fill(binder, 0, 5) == 5);
}

TEST_CASE("inproc: a connect before bind is limited by its own SNDHWM until the bind adds the peer RCVHWM",
          "[inproc][hwm]") {
    zmx::context ctx;
    const std::string ep = unique_inproc("hwm-early");
    zmx::socket connector = make_quick(ctx, zmx::socket_type::pair);
    connector.set(zmx::sockopt::sndhwm, 10);
    connector.set(zmx::sockopt::rcvhwm, 10);
    connector.connect(ep);
    CHECK(fill(connector) == 10);

    zmx::socket binder = make_quick(ctx, zmx::socket_type::pair);
    binder.set(zmx::sockopt::sndhwm, 10);
    binder.set(zmx::sockopt::rcvhwm, 10);
    binder.bind(ep);
    CHECK(fill(connector, 10) == 10);  // 20 in all now
    CHECK(fill(connector, 20) == 0);
    for (int i = 0; i < 20; ++i) CHECK(recv_str(binder) == "m" + std::to_string(i));
    zmx::message extra;
    CHECK_FALSE(binder.recv(extra, zmx::recv_flags::dontwait).has_value());

    // The binder's direction got the sum as well.
    CHECK(fill(binder) == 20);
    for (int i = 0; i < 20; ++i) CHECK(recv_str(connector) == "m" + std::to_string(i));
}

TEST_CASE("inproc: a SERVER binder's HELLO_MSG is the first message its CLIENT receives", "[inproc][hello]") {
    for (const bool bind_first : {true, false}) {
        INFO("bind first: " << bind_first);
        zmx::context ctx;
        const std::string ep = unique_inproc("hello-server");
        zmx::socket server = make_quick(ctx, zmx::socket_type::server);
        server.set(110, "hi", 2);
        zmx::socket client = make_quick(ctx, zmx::socket_type::client);
        if (bind_first) server.bind(ep);
        client.connect(ep);
        if (!bind_first) server.bind(ep);

        CHECK(recv_str(client) == "hi");
        CHECK(nothing_within(client, 20));  // once only
        send_ok(client, "request");
        zmx::message m = recv_msg(server);  // the client has no hello: its own message comes first
        CHECK(m.str() == "request");
        send_to_ok(server, m.routing_id(), "reply");
        CHECK(recv_str(client) == "reply");
    }
}

TEST_CASE("inproc: a CLIENT connector's HELLO_MSG is the first message the SERVER receives", "[inproc][hello]") {
    for (const bool bind_first : {true, false}) {
        INFO("bind first: " << bind_first);
        zmx::context ctx;
        const std::string ep = unique_inproc("hello-client");
        zmx::socket server = make_quick(ctx, zmx::socket_type::server);
        zmx::socket client = make_quick(ctx, zmx::socket_type::client);
        client.set(110, "hi", 2);
        if (bind_first) server.bind(ep);
        client.connect(ep);
        send_ok(client, "request");
        if (!bind_first) server.bind(ep);

        zmx::message hello = recv_msg(server);
        CHECK(hello.str() == "hi");
        zmx::message m = recv_msg(server);
        CHECK(m.str() == "request");
        CHECK(m.routing_id() == hello.routing_id());
        send_to_ok(server, m.routing_id(), "reply");
        CHECK(recv_str(client) == "reply");  // the server has no hello
    }
}

TEST_CASE("inproc: shutdown makes a recv blocked on an inproc socket throw ETERM and later bind and connect too",
          "[inproc][context]") {
    auto ctx = std::make_shared<zmx::context>();
    const std::string ep = unique_inproc("eterm");
    auto binder = std::make_shared<zmx::socket>(*ctx, zmx::socket_type::pair);
    auto connector = std::make_shared<zmx::socket>(*ctx, zmx::socket_type::pair);
    binder->set(zmx::sockopt::linger, 0);
    connector->set(zmx::sockopt::linger, 0);
    binder->bind(ep);
    connector->connect(ep);
    REQUIRE(binder->get(zmx::sockopt::rcvtimeo) == -1);  // blocks forever unless shutdown wakes it

    auto result = std::make_shared<std::atomic<int>>(-1);
    auto entered = std::make_shared<std::atomic<bool>>(false);
    background blocked([ctx, binder, result, entered] {
        entered->store(true);
        result->store(error_of([&] {
            zmx::message m;
            binder->recv(m);
        }));
    });
    REQUIRE(wait_until([&] { return entered->load(); }));
    ctx->shutdown();
    REQUIRE(blocked.wait());
    CHECK(result->load() == zmx::eterm);

    CHECK(error_of([&] { binder->bind(unique_inproc("eterm-other")); }) == zmx::eterm);
    CHECK(error_of([&] { connector->connect(unique_inproc("eterm-other")); }) == zmx::eterm);
    CHECK(error_of([&] { connector->connect(ep); }) == zmx::eterm);
    CHECK(error_of([&] { connector->send("x"); }) == zmx::eterm);
    binder->close();
    connector->close();
    REQUIRE(finishes_within([ctx] { ctx->close(); }));
}

TEST_CASE("inproc: disconnect removes the endpoint and the SERVER loses that peer", "[inproc][server][client]") {
    zmx::context ctx;
    const std::string ep = unique_inproc("disc");
    zmx::socket server = make_quick(ctx, zmx::socket_type::server);
    server.bind(ep);
    zmx::socket client = make_quick(ctx, zmx::socket_type::client);
    client.connect(ep);
    send_ok(client, "hello");
    zmx::message m = recv_msg(server);
    const std::uint32_t id = m.routing_id();
    REQUIRE(id != 0);
    send_to_ok(server, id, "still there");
    CHECK(recv_str(client) == "still there");
    REQUIRE(has_endpoint(client, ep));

    CHECK(error_of([&] { client.disconnect(unique_inproc("never-connected")); }) == ENOENT);
    client.disconnect(ep);
    CHECK_FALSE(has_endpoint(client, ep));
    CHECK(error_of([&] { client.disconnect(ep); }) == ENOENT);

    int last = 0;
    CHECK(wait_until([&] {
        zmx::message none;
        server.recv(none, zmx::recv_flags::dontwait);  // let the server process the pipe's end
        last = error_of([&] { server.send_to(id, "gone?", zmx::send_flags::dontwait); });
        return last == EHOSTUNREACH;
    }));
    INFO("last send_to error: " << last);
    // The client has no peer left: nothing to send to.
    CHECK_FALSE(client.send("nowhere", zmx::send_flags::dontwait).has_value());
    // The server still serves others.
    zmx::socket other = make_quick(ctx, zmx::socket_type::client);
    other.connect(ep);
    send_ok(other, "new");
    zmx::message n = recv_msg(server);
    CHECK(n.str() == "new");
    CHECK(n.routing_id() != id);
}

TEST_CASE("inproc: endpoints reports waiting then connected for a connect and listening for a bind",
          "[inproc][endpoints]") {
    zmx::context ctx;
    const std::string ep = unique_inproc("status");
    zmx::socket client = make_quick(ctx, zmx::socket_type::client);
    client.connect(ep);
    auto st = status_of(client, ep);
    CHECK(st.endpoint == ep);
    CHECK_FALSE(st.bound);
    CHECK(st.state == zmx::endpoint_state::waiting);
    CHECK(client.endpoints().size() == 1);

    auto server = std::make_unique<zmx::socket>(make_quick(ctx, zmx::socket_type::server));
    server->bind(ep);
    auto bst = status_of(*server, ep);
    CHECK(bst.endpoint == ep);
    CHECK(bst.bound);
    CHECK(bst.state == zmx::endpoint_state::listening);
    CHECK(server->get(zmx::sockopt::last_endpoint) == ep);
    CHECK(wait_until([&] { return status_of(client, ep).state == zmx::endpoint_state::connected; }));

    // A connect after the bind is connected at once.
    zmx::socket late = make_quick(ctx, zmx::socket_type::client);
    late.connect(ep);
    CHECK(status_of(late, ep).state == zmx::endpoint_state::connected);

    // Once the binder is gone the connection is over.
    server.reset();
    CHECK(wait_until([&] { return status_of(client, ep).state == zmx::endpoint_state::stopped; }));
}

TEST_CASE("inproc: messages from a client closed with linger -1 before the bind all reach the server",
          "[inproc][linger]") {
    zmx::context ctx;
    const std::string ep = unique_inproc("linger");
    {
        zmx::socket client(ctx, zmx::socket_type::client);
        set_timeouts(client);
        client.set(zmx::sockopt::linger, -1);
        client.connect(ep);
        for (int i = 0; i < 1000; ++i) send_ok(client, "m" + std::to_string(i));
    }  // closed at once

    zmx::socket server = make_quick(ctx, zmx::socket_type::server);
    server.bind(ep);
    std::uint32_t id = 0;
    int got = 0;
    for (int i = 0; i < 1000; ++i) {
        zmx::message m;
        if (!server.recv(m).has_value()) break;
        if (m.str() != "m" + std::to_string(i)) {
            FAIL_CHECK("message " << i << " is " << m.str());
            break;
        }
        if (i == 0) id = m.routing_id();
        CHECK(m.routing_id() == id);
        ++got;
    }
    CHECK(got == 1000);
    CHECK(nothing_within(server, 20));
}


TEST_CASE("inproc: context close does not wait for a bind that never comes", "[inproc][linger][context]") {
    auto ctx = std::make_shared<zmx::context>();
    {
        zmx::socket closed(*ctx, zmx::socket_type::client);
        closed.set(zmx::sockopt::linger, -1);
        closed.connect(unique_inproc("nobody"));
        send_ok(closed, "never read");
    }
    auto open = std::make_shared<zmx::socket>(*ctx, zmx::socket_type::client);
    open->set(zmx::sockopt::linger, -1);
    open->connect(unique_inproc("nobody-either"));
    send_ok(*open, "never read either");
    open->close();
    CHECK(finishes_within([ctx] { ctx->close(); }));
}

TEST_CASE("inproc: a sender blocked at the HWM throws ETERM on shutdown", "[inproc][context][hwm]") {
    auto ctx = std::make_shared<zmx::context>();
    const std::string ep = unique_inproc("eterm-send");
    auto binder = std::make_shared<zmx::socket>(*ctx, zmx::socket_type::pair);
    auto sender = std::make_shared<zmx::socket>(*ctx, zmx::socket_type::pair);
    for (auto& s : {binder, sender}) {
        s->set(zmx::sockopt::linger, 0);
        s->set(zmx::sockopt::sndhwm, 1);
        s->set(zmx::sockopt::rcvhwm, 1);
    }
    binder->bind(ep);
    sender->connect(ep);
    REQUIRE(fill(*sender) == 2);
    REQUIRE(sender->get(zmx::sockopt::sndtimeo) == -1);

    auto result = std::make_shared<std::atomic<int>>(-1);
    auto entered = std::make_shared<std::atomic<bool>>(false);
    background blocked([sender, result, entered] {
        entered->store(true);
        result->store(error_of([&] { sender->send("blocked"); }));
    });
    REQUIRE(wait_until([&] { return entered->load(); }));
    ctx->shutdown();
    REQUIRE(blocked.wait());
    CHECK(result->load() == zmx::eterm);
    binder->close();
    sender->close();
    REQUIRE(finishes_within([ctx] { ctx->close(); }));
}

TEST_CASE("inproc: an HWM of 0 on either end of a direction makes it unlimited", "[inproc][hwm]") {
    for (const bool zero_on_sender : {true, false}) {
        INFO("SNDHWM 0 on the sender: " << zero_on_sender << " (else RCVHWM 0 on the receiver)");
        zmx::context ctx;
        const std::string ep = unique_inproc("hwm0");
        zmx::socket binder = make_quick(ctx, zmx::socket_type::pair);
        zmx::socket connector = make_quick(ctx, zmx::socket_type::pair);
        for (zmx::socket* s : {&binder, &connector}) {
            s->set(zmx::sockopt::sndhwm, 10);
            s->set(zmx::sockopt::rcvhwm, 10);
        }
        if (zero_on_sender) connector.set(zmx::sockopt::sndhwm, 0);
        else binder.set(zmx::sockopt::rcvhwm, 0);
        binder.bind(ep);
        connector.connect(ep);
        CHECK(fill(connector, 0, 3000) == 3000);
        for (int i = 0; i < 3000; ++i) REQUIRE(recv_str(binder) == "m" + std::to_string(i));
        // The other direction still has its limit of 20.
        CHECK(fill(binder) == 20);
    }
}

TEST_CASE("inproc: a PEER connected to its own bound name talks to itself", "[inproc][peer]") {
    zmx::context ctx;
    const std::string ep = unique_inproc("self");
    zmx::socket p = make_quick(ctx, zmx::socket_type::peer);
    p.bind(ep);
    const std::uint32_t id = p.connect_peer(ep);
    REQUIRE(id != 0);
    send_to_ok(p, id, "to myself");
    zmx::message m = recv_msg(p);
    CHECK(m.str() == "to myself");
    const std::uint32_t back = m.routing_id();
    CHECK(back != 0);
    CHECK(back != id);  // the binding side of the pipe has an id of its own
    send_to_ok(p, back, "and back");
    zmx::message n = recv_msg(p);
    CHECK(n.str() == "and back");
    CHECK(n.routing_id() == id);
}

TEST_CASE("inproc: several connects waiting for one bind are all joined by it", "[inproc][server][client]") {
    zmx::context ctx;
    const std::string ep = unique_inproc("many-waiting");
    std::vector<zmx::socket> clients;
    for (int i = 0; i < 5; ++i) {
        clients.push_back(make_quick(ctx, zmx::socket_type::client));
        clients.back().connect(ep);
        send_ok(clients.back(), "client" + std::to_string(i));
    }
    zmx::socket server = make_quick(ctx, zmx::socket_type::server);
    server.bind(ep);
    std::map<std::string, std::uint32_t> id_of;
    for (int i = 0; i < 5; ++i) {
        zmx::message m = recv_msg(server);
        id_of.emplace(std::string(m.str()), m.routing_id());
    }
    REQUIRE(id_of.size() == 5);
    std::set<std::uint32_t> ids;
    for (auto& [text, id] : id_of) {
        ids.insert(id);
        send_to_ok(server, id, "reply-" + text);
    }
    CHECK(ids.size() == 5);
    for (int i = 0; i < 5; ++i) {
        CHECK(recv_str(clients[static_cast<std::size_t>(i)]) == "reply-client" + std::to_string(i));
        CHECK(status_of(clients[static_cast<std::size_t>(i)], ep).state == zmx::endpoint_state::connected);
    }
}
