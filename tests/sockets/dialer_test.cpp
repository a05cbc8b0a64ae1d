// The core dialer (src/core/session.cpp): connect returns at once and the link comes up in the
// background; host names resolve on the context's resolver thread; every resolved address is tried in
// order, each within ZMQ_CONNECT_TIMEOUT; rounds back off with jitter up to ZMQ_RECONNECT_IVL_MAX; the
// dialer gives up on ZMQ_RECONNECT_STOP, protocol errors, ZMX_RECONNECT_MAX_ATTEMPTS and
// ZMQ_RECONNECT_IVL -1; a PEER's routing id survives reconnects. Tests tagged [.multiaddr] need a
// private /etc/hosts and /etc/resolv.conf: tests/sockets/multi_address.sh runs them in a mount namespace.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "sockets/monitor_support.hpp"

using namespace zmx::test;

namespace {

using ms = std::chrono::milliseconds;

// How long to watch for an event that must not come: far longer than any interval the test sets.
constexpr int quiet_ms = 300;

zmx::socket make(zmx::context& ctx, zmx::socket_type t) {
    zmx::socket s(ctx, t);
    s.set(zmx::sockopt::linger, 0);
    set_timeouts(s);
    return s;
}

long long ms_since(clock_type::time_point t0) {
    return std::chrono::duration_cast<ms>(clock_type::now() - t0).count();
}

// Events from r up to and including the first of type `last` (the list ends with an event 0 if none
// came within wait_ms).
std::vector<zmx::monitor_event> events_until(event_reader& r, std::uint64_t last, int wait_ms = timeout_ms) {
    std::vector<zmx::monitor_event> out;
    const auto deadline = clock_type::now() + ms(wait_ms);
    for (;;) {
        const auto left = std::chrono::duration_cast<ms>(deadline - clock_type::now()).count();
        out.push_back(left > 0 ? r.next(static_cast<int>(left)) : zmx::monitor_event{});
        if (out.back().event == 0 || out.back().event == last) return out;
    }
}

std::size_t count_of(const std::vector<zmx::monitor_event>& evs, std::uint64_t event) {
    std::size_t n = 0;
    for (const auto& e : evs) n += e.event == event ? 1 : 0;
    return n;
}

// "0x0002(115) 0x0080(12) ..." for failure messages.
std::string describe(const std::vector<zmx::monitor_event>& evs) {
    std::ostringstream os;
    for (const auto& e : evs) os << "0x" << std::hex << e.event << std::dec << '(' << e.value << ") ";
    return os.str();
}

std::vector<std::uint64_t> kinds(const std::vector<zmx::monitor_event>& evs) {
    std::vector<std::uint64_t> out;
    for (const auto& e : evs) out.push_back(e.event);
    return out;
}

// The status of s's connect endpoint `ep` (empty if s has no such endpoint).
std::optional<zmx::endpoint_status> status_of(const zmx::socket& s, const std::string& ep) {
    for (auto& st : s.endpoints())
        if (st.endpoint == ep && !st.bound) return st;
    return std::nullopt;
}

bool in_state(const zmx::socket& s, const std::string& ep, zmx::endpoint_state state, int last_error) {
    const auto st = status_of(s, ep);
    return st && st->state == state && st->last_error == last_error;
}

bool state_is(const zmx::socket& s, const std::string& ep, zmx::endpoint_state state) {
    const auto st = status_of(s, ep);
    return st && st->state == state;
}

int attempts_of(const zmx::socket& s, const std::string& ep) {
    const auto st = status_of(s, ep);
    return st ? st->attempts : -1;
}

std::string show(const std::optional<zmx::endpoint_status>& st) {
    if (!st) return "(no such endpoint)";
    std::ostringstream os;
    os << zmx::to_string(st->state) << " last_error=" << st->last_error << " attempts=" << st->attempts;
    return os.str();
}

sockaddr_in ipv4(const char* ip, int port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    REQUIRE(::inet_pton(AF_INET, ip, &a.sin_addr) == 1);
    return a;
}

// Whether a plain TCP connect to ip:port is refused right now (see support.hpp's tcp_connect_refused).
bool refused_at(const char* ip, int port) {
    const sockaddr_in a = ipv4(ip, port);
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return false;
    int err = 0;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
        err = errno;
        if (err == EINPROGRESS) {
            pollfd p{fd, POLLOUT, 0};
            err = ETIMEDOUT;
            if (::poll(&p, 1, 100) == 1) {
                socklen_t len = sizeof err;
                if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
            }
        }
    }
    ::close(fd);
    return err == ECONNREFUSED;
}

// A loopback port on which connects are refused.
int refused_port() {
    const int port = free_port();
    REQUIRE(wait_until([&] { return refused_at("127.0.0.1", port); }));
    return port;
}

// A TCP listener on 127.0.0.1 (backlog as given); returns the fd and sets port.
int raw_listen(int backlog, int& port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in a = ipv4("127.0.0.1", 0);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd, backlog) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port = ntohs(a.sin_port);
    return fd;
}

// A peer that is not a ZMTP peer: a raw listener whose thread accepts each connection and closes it at
// once. The thread uses only its own copies of the fds and a shared counter; the destructor stops it
// through a pipe, joins it, and only then closes the fds.
class accept_and_close {
public:
    accept_and_close() {
        listen_fd_ = raw_listen(16, port_);
        REQUIRE(::pipe2(stop_, O_CLOEXEC) == 0);
        thread_ = std::thread([lfd = listen_fd_, sfd = stop_[0], n = accepted_] {
            for (;;) {
                pollfd p[2] = {{lfd, POLLIN, 0}, {sfd, POLLIN, 0}};
                if (::poll(p, 2, -1) < 0) {
                    if (errno == EINTR) continue;
                    return;
                }
                if (p[1].revents != 0) return;
                if (p[0].revents == 0) continue;
                const int fd = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
                if (fd < 0) continue;
                ++*n;
                ::close(fd);
            }
        });
    }
    ~accept_and_close() {
        const char c = 'x';
        while (::write(stop_[1], &c, 1) < 0 && errno == EINTR) {
        }
        thread_.join();
        ::close(listen_fd_);
        ::close(stop_[0]);
        ::close(stop_[1]);
    }
    accept_and_close(const accept_and_close&) = delete;
    accept_and_close& operator=(const accept_and_close&) = delete;

    int port() const { return port_; }
    int accepted() const { return accepted_->load(); }

private:
    int listen_fd_ = -1;
    int port_ = 0;
    int stop_[2] = {-1, -1};
    std::shared_ptr<std::atomic<int>> accepted_ = std::make_shared<std::atomic<int>>(0);
    std::thread thread_;
};

// An address whose SYNs go unanswered: a listener with backlog 0 that never accepts, its accept queue
// filled by raw connects. Linux (and gVisor's netstack) drop SYNs to a listener whose accept queue is
// full, so a connect to it stays in SYN-SENT for as long as the kernel keeps retrying (minutes). The
// filling stops at the first connect that is still pending after 200 ms: ready() says it got there.
class blackhole {
public:
    blackhole() {
        listen_fd_ = raw_listen(0, port_);
        const sockaddr_in a = ipv4("127.0.0.1", port_);
        for (int i = 0; i < 16 && !ready_; ++i) {
            const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
            REQUIRE(fd >= 0);
            fillers_.push_back(fd);
            if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0) continue;
            REQUIRE(errno == EINPROGRESS);
            pollfd p{fd, POLLOUT, 0};
            ready_ = ::poll(&p, 1, 200) == 0;
        }
    }
    ~blackhole() {
        for (int fd : fillers_) ::close(fd);
        ::close(listen_fd_);
    }
    blackhole(const blackhole&) = delete;
    blackhole& operator=(const blackhole&) = delete;

    bool ready() const { return ready_; }
    int port() const { return port_; }

private:
    int listen_fd_ = -1;
    int port_ = 0;
    bool ready_ = false;
    std::vector<int> fillers_;
};

// A round trip between a CLIENT and a SERVER.
void client_server_round_trip(zmx::socket& client, zmx::socket& server, const std::string& body) {
    send_ok(client, body);
    zmx::message m = recv_msg(server);
    CHECK(m.str() == body);
    send_to_ok(server, m.routing_id(), body + "-reply");
    CHECK(recv_str(client) == body + "-reply");
}

// A round trip between PEER a (to its peer `id`) and PEER b; returns the id b knows a by.
std::uint32_t peer_round_trip(zmx::socket& a, std::uint32_t id, zmx::socket& b, const std::string& body) {
    send_to_ok(a, id, body);
    zmx::message m = recv_msg(b);
    CHECK(m.str() == body);
    send_to_ok(b, m.routing_id(), body + "-reply");
    zmx::message r = recv_msg(a);
    CHECK(r.str() == body + "-reply");
    CHECK(r.routing_id() == id);
    return m.routing_id();
}

// The IPv4 addresses getaddrinfo gives for name, in order.
std::vector<std::string> ipv4_addresses_of(const char* name) {
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (::getaddrinfo(name, nullptr, &hints, &res) != 0) return {};
    std::vector<std::string> out;
    for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
        char text[INET_ADDRSTRLEN] = {};
        ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_addr, text, sizeof text);
        out.emplace_back(text);
    }
    ::freeaddrinfo(res);
    return out;
}

// The [.multiaddr] tests run only inside multi_address.sh's mount namespace, where zmx-multi has two
// addresses and the name server is on a loopback address.
void require_multiaddr_namespace() {
    INFO("run the [.multiaddr] tests through tests/sockets/multi_address.sh (private /etc/hosts)");
    REQUIRE(ipv4_addresses_of("zmx-multi") == std::vector<std::string>{"127.0.0.1", "127.0.0.2"});
}

}  // namespace

// ---------------------------------------------------------------------------------------------------
// Host names: resolved on the context's resolver thread, never on the I/O thread.

TEST_CASE("dialer: a host name resolves off the I/O thread and reaches its listener", "[dialer]") {
    zmx::context ctx;
    zmx::socket server = make(ctx, zmx::socket_type::server);
    zmx::socket client = make(ctx, zmx::socket_type::client);
    event_reader events(ctx, client);
    const int port = port_of(bind_any(server));
    const std::string ep = "tcp://localhost:" + std::to_string(port);
    client.connect(ep);
    const auto evs = events_until(events, zmx::event::handshake_succeeded);
    INFO(describe(evs));
    CHECK(kinds(evs) == std::vector<std::uint64_t>{zmx::event::connect_delayed, zmx::event::connected,
                                                   zmx::event::handshake_succeeded});
    for (const auto& e : evs) CHECK(e.endpoint == ep);
    client_server_round_trip(client, server, "by-name");
    const auto st = status_of(client, ep);
    REQUIRE(st);
    CHECK(st->state == zmx::endpoint_state::connected);
    CHECK(st->attempts == 0);
}

TEST_CASE("dialer: a name that does not resolve retries while other connections keep working", "[dialer]") {
    zmx::context ctx;
    zmx::socket a = make(ctx, zmx::socket_type::peer);
    zmx::socket b = make(ctx, zmx::socket_type::peer);
    event_reader events(ctx, a);
    const std::string good = bind_any(b);
    const std::string bad = "tcp://no-such-host.invalid:5555";

    const auto t0 = clock_type::now();
    const std::uint32_t bad_id = a.connect_peer(bad);  // returns at once: the lookup runs elsewhere
    CHECK(ms_since(t0) < 1000);
    CHECK(bad_id != 0);
    const std::uint32_t good_id = a.connect_peer(good);

    // Another pair of sockets in the same context.
    zmx::socket server = make(ctx, zmx::socket_type::server);
    zmx::socket client = make(ctx, zmx::socket_type::client);
    client.connect(bind_any(server));

    // Messages flow on both other connections while the lookups fail again and again.
    int rounds = 0;
    const auto deadline = clock_type::now() + timeout;
    while (clock_type::now() < deadline) {
        if (attempts_of(a, bad) >= 3) break;
        peer_round_trip(a, good_id, b, "peer-" + std::to_string(rounds));
        client_server_round_trip(client, server, "client-" + std::to_string(rounds));
        ++rounds;
    }
    INFO(show(status_of(a, bad)));
    CHECK(attempts_of(a, bad) >= 3);
    CHECK(rounds > 0);

    // Between lookups the endpoint waits, with EHOSTUNREACH.
    CHECK(wait_until([&] { return in_state(a, bad, zmx::endpoint_state::waiting, EHOSTUNREACH); }));

    // The monitor: retries for the bad name, never a connect attempt (there is no address to try).
    // (The dialer goes on retrying: read up to the third retry for the bad name.)
    std::vector<zmx::monitor_event> evs;
    while (count_of(evs, zmx::event::connect_retried) < 3) {
        const zmx::monitor_event e = events.next();
        if (e.event == 0) break;
        if (e.endpoint == bad) evs.push_back(e);
    }
    INFO(describe(evs));
    CHECK(count_of(evs, zmx::event::connect_retried) >= 3);
    CHECK(count_of(evs, zmx::event::connect_delayed) == 0);
    CHECK(count_of(evs, zmx::event::connected) == 0);
    CHECK(count_of(evs, zmx::event::connect_stopped) == 0);
}

// ---------------------------------------------------------------------------------------------------
// Backoff between rounds.

TEST_CASE("dialer: reconnect intervals double from RECONNECT_IVL up to RECONNECT_IVL_MAX plus jitter", "[dialer]") {
    zmx::context ctx;
    zmx::socket client = make(ctx, zmx::socket_type::client);
    client.set(zmx::sockopt::reconnect_ivl, 50);
    client.set(zmx::sockopt::reconnect_ivl_max, 400);
    event_reader events(ctx, client);
    const std::string ep = local_ep(refused_port());
    client.connect(ep);
    std::vector<std::uint64_t> values;
    for (int k = 0; k < 6; ++k) {
        const zmx::monitor_event ev = events.wait_for(zmx::event::connect_retried);
        REQUIRE(ev.event == zmx::event::connect_retried);
        values.push_back(ev.value);
    }
    for (std::size_t k = 0; k < values.size(); ++k) {
        const std::uint64_t base = std::min<std::uint64_t>(50u << k, 400);
        INFO("retry " << k << ": " << values[k] << " ms, base " << base);
        CHECK(values[k] >= base);
        CHECK(values[k] < base + 50);  // the jitter stays below RECONNECT_IVL
    }
    const auto st = status_of(client, ep);
    REQUIRE(st);
    CHECK(st->attempts >= 6);
    CHECK(st->last_error == ECONNREFUSED);
}

// ---------------------------------------------------------------------------------------------------
// Giving up: ZMQ_RECONNECT_STOP, ZMX_RECONNECT_MAX_ATTEMPTS, protocol errors, ZMQ_RECONNECT_IVL -1.

TEST_CASE("dialer: RECONNECT_STOP conn_refused stops after the first refused round", "[dialer]") {
    zmx::context ctx;
    zmx::socket client = make(ctx, zmx::socket_type::client);
    client.set(zmx::sockopt::reconnect_ivl, 20);
    client.set(zmx::sockopt::reconnect_stop, zmx::reconnect_stop::conn_refused);
    event_reader events(ctx, client);
    const std::string ep = local_ep(refused_port());
    client.connect(ep);
    const auto evs = events_until(events, zmx::event::connect_stopped);
    INFO(describe(evs));
    CHECK(kinds(evs) ==
          std::vector<std::uint64_t>{zmx::event::connect_delayed, zmx::event::closed, zmx::event::connect_stopped});
    CHECK(evs.back().value == ECONNREFUSED);
    CHECK(evs.back().endpoint == ep);
    CHECK(state_is(client, ep, zmx::endpoint_state::stopped));  // already, with the event
    const auto st = status_of(client, ep);
    REQUIRE(st);
    CHECK(st->last_error == ECONNREFUSED);
    CHECK(st->attempts == 1);
    CHECK(events.next(quiet_ms).event == 0);  // no retry (RECONNECT_IVL is 20 ms)
}

TEST_CASE("dialer: a PEER whose dialer stopped on a refusal fails sends to its id with EHOSTUNREACH", "[dialer]") {
    zmx::context ctx;
    zmx::socket a = make(ctx, zmx::socket_type::peer);
    a.set(zmx::sockopt::reconnect_stop, zmx::reconnect_stop::conn_refused);
    event_reader events(ctx, a);
    const std::string ep = local_ep(refused_port());
    const std::uint32_t id = a.connect_peer(ep);
    REQUIRE(id != 0);
    const zmx::monitor_event ev = events.wait_for(zmx::event::connect_stopped);
    REQUIRE(ev.event == zmx::event::connect_stopped);
    CHECK(ev.value == ECONNREFUSED);
    CHECK(in_state(a, ep, zmx::endpoint_state::stopped, ECONNREFUSED));
    int last = 0;
    const bool unreachable = wait_until([&] {
        last = error_of([&] { a.send_to(id, "x", zmx::send_flags::dontwait); });
        return last == EHOSTUNREACH;
    });
    INFO("last send_to error " << last);
    CHECK(unreachable);
}

TEST_CASE("dialer: RECONNECT_STOP handshake_failed stops when the peer drops the handshake", "[dialer]") {
    accept_and_close raw;
    zmx::context ctx;
    zmx::socket client = make(ctx, zmx::socket_type::client);
    client.set(zmx::sockopt::reconnect_ivl, 20);
    client.set(zmx::sockopt::reconnect_stop, zmx::reconnect_stop::handshake_failed);
    event_reader events(ctx, client);
    const std::string ep = local_ep(raw.port());
    client.connect(ep);
    const auto evs = events_until(events, zmx::event::connect_stopped);
    INFO(describe(evs));
    CHECK(kinds(evs) == std::vector<std::uint64_t>{zmx::event::connect_delayed, zmx::event::connected,
                                                   zmx::event::handshake_failed_no_detail, zmx::event::disconnected,
                                                   zmx::event::connect_stopped});
    REQUIRE(evs.size() == 5);
    // The peer's close: end of stream (ECONNRESET), or a reset under zmx's greeting (EPIPE/ECONNRESET).
    CHECK((evs[2].value == ECONNRESET || evs[2].value == EPIPE));
    CHECK(evs[4].value == evs[2].value);
    CHECK(events.next(quiet_ms).event == 0);  // no retry (RECONNECT_IVL is 20 ms)
    CHECK(raw.accepted() == 1);
    CHECK(state_is(client, ep, zmx::endpoint_state::stopped));  // already, with the event
}

TEST_CASE("dialer: without RECONNECT_STOP a dropped handshake is retried", "[dialer]") {
    accept_and_close raw;
    zmx::context ctx;
    zmx::socket client = make(ctx, zmx::socket_type::client);
    client.set(zmx::sockopt::reconnect_ivl, 20);
    event_reader events(ctx, client);
    const std::string ep = local_ep(raw.port());
    client.connect(ep);
    auto evs = events_until(events, zmx::event::handshake_failed_no_detail);
    INFO(describe(evs));
    REQUIRE(evs.back().event == zmx::event::handshake_failed_no_detail);
    evs = events_until(events, zmx::event::connect_retried);
    INFO(describe(evs));
    REQUIRE(evs.back().event == zmx::event::connect_retried);
    CHECK(count_of(evs, zmx::event::connect_stopped) == 0);
    // ...and the next attempt connects and fails the same way.
    evs = events_until(events, zmx::event::handshake_failed_no_detail);
    INFO(describe(evs));
    CHECK(count_of(evs, zmx::event::connected) == 1);
    CHECK(evs.back().event == zmx::event::handshake_failed_no_detail);
    CHECK(wait_until([&] { return raw.accepted() >= 2; }));
    const auto st = status_of(client, ep);
    REQUIRE(st);
    CHECK(st->state != zmx::endpoint_state::stopped);
    CHECK(st->attempts >= 1);
}

TEST_CASE("dialer: ZMX_RECONNECT_MAX_ATTEMPTS stops after that many failed rounds", "[dialer]") {
    zmx::context ctx;
    zmx::socket client = make(ctx, zmx::socket_type::client);
    client.set(zmx::sockopt::reconnect_ivl, 20);
    client.set(zmx::sockopt::reconnect_max_attempts, 3);
    event_reader events(ctx, client);
    const std::string ep = local_ep(refused_port());
    client.connect(ep);
    const auto evs = events_until(events, zmx::event::connect_stopped);
    INFO(describe(evs));
    REQUIRE(evs.back().event == zmx::event::connect_stopped);
    CHECK(evs.back().value == ECONNREFUSED);
    // One refused attempt per round (one address); a retry between rounds, none after the last.
    CHECK(count_of(evs, zmx::event::connect_delayed) == 3);
    CHECK(count_of(evs, zmx::event::closed) == 3);
    CHECK(count_of(evs, zmx::event::connect_retried) == 2);
    CHECK(state_is(client, ep, zmx::endpoint_state::stopped));  // already, with the event
    const auto st = status_of(client, ep);
    REQUIRE(st);
    CHECK(st->attempts == 3);
    CHECK(st->last_error == ECONNREFUSED);
    CHECK(events.next(quiet_ms).event == 0);
}

TEST_CASE("dialer: a protocol error in the handshake stops the dialer without retrying", "[dialer]") {
    zmx::context ctx;
    zmx::socket server = make(ctx, zmx::socket_type::server);
    zmx::socket peer = make(ctx, zmx::socket_type::peer);  // PEER may not talk to SERVER
    peer.set(zmx::sockopt::reconnect_ivl, 20);
    event_reader server_events(ctx, server);
    event_reader events(ctx, peer);
    const std::string ep = bind_any(server);
    peer.connect(ep);
    const auto evs = events_until(events, zmx::event::connect_stopped);
    INFO(describe(evs));
    REQUIRE(evs.back().event == zmx::event::connect_stopped);
    CHECK(kinds(evs) == std::vector<std::uint64_t>{zmx::event::connect_delayed, zmx::event::connected,
                                                   zmx::event::handshake_failed_protocol, zmx::event::disconnected,
                                                   zmx::event::connect_stopped});
    CHECK(evs[2].value == 0x10000018);  // ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA, as libzmq
    CHECK(evs.back().value == EPROTO);
    CHECK(events.next(quiet_ms).event == 0);                  // no retry (RECONNECT_IVL is 20 ms)
    CHECK(state_is(peer, ep, zmx::endpoint_state::stopped));  // already, with the event
    // The server saw exactly one connection.
    std::vector<zmx::monitor_event> server_evs;
    for (zmx::monitor_event e = server_events.next(50); e.event != 0; e = server_events.next(50))
        server_evs.push_back(e);
    INFO(describe(server_evs));
    CHECK(count_of(server_evs, zmx::event::accepted) == 1);
}

TEST_CASE("dialer: RECONNECT_IVL -1 stops after a disconnect and does not come back", "[dialer]") {
    zmx::context ctx;
    zmx::socket client = make(ctx, zmx::socket_type::client);
    client.set(zmx::sockopt::reconnect_ivl, -1);
    event_reader events(ctx, client);
    std::string ep;
    {
        zmx::socket server = make(ctx, zmx::socket_type::server);
        ep = bind_any(server);
        client.connect(ep);
        client_server_round_trip(client, server, "before");
    }  // the server goes away
    const auto evs = events_until(events, zmx::event::connect_stopped);
    INFO(describe(evs));
    REQUIRE(evs.back().event == zmx::event::connect_stopped);
    CHECK(count_of(evs, zmx::event::disconnected) == 1);
    CHECK(count_of(evs, zmx::event::connect_retried) == 0);
    CHECK(state_is(client, ep, zmx::endpoint_state::stopped));  // already, with the event

    // A listener comes back on the same port: nobody connects to it.
    zmx::socket server2 = make(ctx, zmx::socket_type::server);
    event_reader server2_events(ctx, server2);
    bind_retry(server2, ep);
    CHECK(server2_events.wait_for(zmx::event::accepted, quiet_ms).event == 0);
    CHECK(events.next(0).event == 0);
    CHECK(state_is(client, ep, zmx::endpoint_state::stopped));
}

// ---------------------------------------------------------------------------------------------------
// CONNECT_TIMEOUT.

TEST_CASE("dialer: CONNECT_TIMEOUT ends an unanswered connect attempt with ETIMEDOUT", "[dialer]") {
    blackhole hole;
    INFO("could not make a listener that leaves SYNs unanswered on this machine");
    REQUIRE(hole.ready());
    const std::string ep = local_ep(hole.port());
    zmx::context ctx;
    zmx::socket client = make(ctx, zmx::socket_type::client);
    client.set(zmx::sockopt::connect_timeout, 100);
    client.set(zmx::sockopt::reconnect_ivl, 5000);              // one attempt within the test
    zmx::socket control = make(ctx, zmx::socket_type::client);  // the same address, no CONNECT_TIMEOUT
    event_reader events(ctx, client);
    control.connect(ep);
    const auto t0 = clock_type::now();
    client.connect(ep);
    const auto evs = events_until(events, zmx::event::closed);
    const auto elapsed = ms_since(t0);
    INFO(describe(evs) << " after " << elapsed << " ms");
    CHECK(kinds(evs) == std::vector<std::uint64_t>{zmx::event::connect_delayed, zmx::event::closed});
    CHECK(elapsed >= 90);
    CHECK(elapsed < 1000);  // the kernel's first SYN retransmission alone is 1 s, its own timeout minutes
    const zmx::monitor_event retried = events.next();
    CHECK(retried.event == zmx::event::connect_retried);
    CHECK(in_state(client, ep, zmx::endpoint_state::waiting, ETIMEDOUT));
    CHECK(attempts_of(client, ep) == 1);
    // The control attempt, without CONNECT_TIMEOUT, is still pending: the address really is a black hole.
    INFO("control: " << show(status_of(control, ep)));
    CHECK(in_state(control, ep, zmx::endpoint_state::connecting, 0));
}

// ---------------------------------------------------------------------------------------------------
// Reconnecting.

TEST_CASE("dialer: a reconnect to a new listener keeps the PEER id and resets the attempts", "[dialer]") {
    zmx::context ctx;
    zmx::socket a = make(ctx, zmx::socket_type::peer);
    a.set(zmx::sockopt::reconnect_ivl, 20);
    event_reader events(ctx, a);
    std::string ep;
    std::uint32_t id = 0;
    {
        zmx::socket b = make(ctx, zmx::socket_type::peer);
        ep = bind_any(b);
        id = a.connect_peer(ep);
        REQUIRE(id != 0);
        peer_round_trip(a, id, b, "first");
        CHECK(wait_until([&] { return in_state(a, ep, zmx::endpoint_state::connected, 0); }));
    }  // b goes away
    REQUIRE(events.wait_for(zmx::event::disconnected).event == zmx::event::disconnected);
    REQUIRE(events.wait_for(zmx::event::closed).event == zmx::event::closed);  // a refused attempt
    CHECK(wait_until([&] {
        const auto st = status_of(a, ep);
        return st && st->attempts >= 1 && st->last_error == ECONNREFUSED;
    }));
    INFO(show(status_of(a, ep)));

    zmx::socket b2 = make(ctx, zmx::socket_type::peer);
    bind_retry(b2, ep);
    peer_round_trip(a, id, b2, "second");
    CHECK(wait_until([&] {
        const auto st = status_of(a, ep);
        return st && st->state == zmx::endpoint_state::connected && st->attempts == 0;
    }));
    INFO(show(status_of(a, ep)));
}

// ---------------------------------------------------------------------------------------------------
// Event and state agree: a dialer is stopped (endpoints()) by the time its CONNECT_STOPPED can be read,
// as it is waiting/connected by the time CONNECT_RETRIED/HANDSHAKE_SUCCEEDED can. (The event once went
// out before the state changed, and a reader that woke at once saw "connected". That was a race: this
// test caught it only some of the time; with the state set first it holds every time.)

TEST_CASE("dialer: endpoints() says stopped by the time CONNECT_STOPPED can be read", "[dialer]") {
    zmx::context ctx;
    std::vector<std::string> late;  // what endpoints() said right after the event, when not stopped
    for (int i = 0; i < 10; ++i) {
        // RECONNECT_IVL -1 after a disconnect.
        zmx::socket client = make(ctx, zmx::socket_type::client);
        client.set(zmx::sockopt::reconnect_ivl, -1);
        event_reader events(ctx, client);
        std::string ep;
        {
            zmx::socket server = make(ctx, zmx::socket_type::server);
            ep = bind_any(server);
            client.connect(ep);
            client_server_round_trip(client, server, "x");
        }
        const auto evs = events_until(events, zmx::event::connect_stopped);
        REQUIRE(evs.back().event == zmx::event::connect_stopped);
        if (!state_is(client, ep, zmx::endpoint_state::stopped))
            late.push_back("ivl -1: " + show(status_of(client, ep)));
    }
    for (int i = 0; i < 10; ++i) {
        // RECONNECT_STOP conn_refused.
        zmx::socket client = make(ctx, zmx::socket_type::client);
        client.set(zmx::sockopt::reconnect_stop, zmx::reconnect_stop::conn_refused);
        event_reader events(ctx, client);
        const std::string ep = local_ep(refused_port());
        client.connect(ep);
        REQUIRE(events.wait_for(zmx::event::connect_stopped).event == zmx::event::connect_stopped);
        if (!state_is(client, ep, zmx::endpoint_state::stopped))
            late.push_back("refused: " + show(status_of(client, ep)));
    }
    std::ostringstream os;
    for (const auto& l : late) os << l << "; ";
    INFO(late.size() << " of 20 not stopped yet: " << os.str());
    CHECK(late.empty());
}

// ---------------------------------------------------------------------------------------------------
// [.multiaddr]: names with several addresses and a name server that never answers. Run by
// multi_address.sh inside `unshare --mount`, with /etc/hosts mapping zmx-multi to 127.0.0.1 then
// 127.0.0.2 and /etc/resolv.conf naming one loopback address (127.53.x.y) with a 2 s timeout.

TEST_CASE("dialer: a name whose first address refuses reaches the listener on its second address", "[.multiaddr]") {
    require_multiaddr_namespace();
    zmx::context ctx;
    zmx::socket server = make(ctx, zmx::socket_type::server);
    server.bind("tcp://127.0.0.2:*");
    const int port = port_of(server.get(zmx::sockopt::last_endpoint));
    REQUIRE(port > 0);
    REQUIRE(wait_until([&] { return refused_at("127.0.0.1", port); }));  // nothing on the first address

    zmx::socket client = make(ctx, zmx::socket_type::client);
    event_reader events(ctx, client);
    const std::string ep = "tcp://zmx-multi:" + std::to_string(port);
    client.connect(ep);
    const auto evs = events_until(events, zmx::event::handshake_succeeded);
    INFO(describe(evs));
    // 127.0.0.1: delayed, refused (closed); 127.0.0.2: delayed, connected; all in one round.
    CHECK(kinds(evs) == std::vector<std::uint64_t>{zmx::event::connect_delayed, zmx::event::closed,
                                                   zmx::event::connect_delayed, zmx::event::connected,
                                                   zmx::event::handshake_succeeded});
    for (const auto& e : evs) CHECK(e.endpoint == ep);
    client_server_round_trip(client, server, "second-address");
    const auto st = status_of(client, ep);
    REQUIRE(st);
    CHECK(st->state == zmx::endpoint_state::connected);
    CHECK(st->attempts == 0);
    CHECK(st->last_error == ECONNREFUSED);  // from the first address
}

TEST_CASE("dialer: a name whose addresses all refuse is retried address by address", "[.multiaddr]") {
    require_multiaddr_namespace();
    zmx::context ctx;
    const int port = refused_port();
    REQUIRE(wait_until([&] { return refused_at("127.0.0.2", port); }));
    zmx::socket client = make(ctx, zmx::socket_type::client);
    client.set(zmx::sockopt::reconnect_ivl, 50);
    event_reader events(ctx, client);
    const std::string ep = "tcp://zmx-multi:" + std::to_string(port);
    client.connect(ep);
    // Each round tries both addresses, then waits.
    for (int round = 0; round < 3; ++round) {
        const auto evs = events_until(events, zmx::event::connect_retried);
        INFO("round " << round << ": " << describe(evs));
        CHECK(kinds(evs) == std::vector<std::uint64_t>{zmx::event::connect_delayed, zmx::event::closed,
                                                       zmx::event::connect_delayed, zmx::event::closed,
                                                       zmx::event::connect_retried});
    }
    CHECK(wait_until([&] {
        const auto st = status_of(client, ep);
        return st && st->state == zmx::endpoint_state::waiting && st->last_error == ECONNREFUSED && st->attempts >= 3;
    }));
    INFO(show(status_of(client, ep)));
}

TEST_CASE("dialer: a host name lookup that hangs holds up neither connect nor the I/O thread", "[.multiaddr]") {
    require_multiaddr_namespace();
    // The name server: the loopback address multi_address.sh wrote to /etc/resolv.conf, where a UDP
    // socket takes the queries and never answers.
    std::string server_ip;
    {
        std::ifstream rc("/etc/resolv.conf");
        for (std::string word; rc >> word;)
            if (word == "nameserver" && rc >> server_ip) break;
    }
    INFO("name server from /etc/resolv.conf: " << server_ip);
    REQUIRE(server_ip.rfind("127.", 0) == 0);
    const int dns = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(dns >= 0);
    const std::unique_ptr<int, void (*)(int*)> dns_guard(new int(dns), [](int* fd) {
        ::close(*fd);
        delete fd;
    });
    const sockaddr_in dns_addr = ipv4(server_ip.c_str(), 53);
    const int bind_rc = ::bind(dns, reinterpret_cast<const sockaddr*>(&dns_addr), sizeof dns_addr);
    INFO("bind " << server_ip << ":53: " << (bind_rc == 0 ? 0 : errno));
    REQUIRE(bind_rc == 0);

    zmx::context ctx;
    zmx::socket a = make(ctx, zmx::socket_type::peer);
    zmx::socket b = make(ctx, zmx::socket_type::peer);
    const std::string bad = "tcp://lookup-hangs.invalid:5555";
    const auto t0 = clock_type::now();
    a.connect_peer(bad);
    CHECK(ms_since(t0) < 500);

    // The lookup is under way once its query reaches the name server.
    pollfd p{dns, POLLIN, 0};
    REQUIRE(::poll(&p, 1, timeout_ms) == 1);
    const auto query_seen = clock_type::now();

    // Meanwhile a new connection on the same socket comes up and carries messages.
    const std::uint32_t id = a.connect_peer(bind_any(b));
    for (int i = 0; i < 10; ++i) peer_round_trip(a, id, b, "during-lookup-" + std::to_string(i));
    const auto busy = ms_since(query_seen);
    INFO("round trips done " << busy << " ms after the query; " << show(status_of(a, bad)));
    CHECK(busy < 1500);                                          // well within the name server's 2 s timeout...
    CHECK(in_state(a, bad, zmx::endpoint_state::resolving, 0));  // ...so the lookup is still pending

    // When the lookup times out, the dialer waits to retry, with EHOSTUNREACH.
    CHECK(wait_until([&] { return in_state(a, bad, zmx::endpoint_state::waiting, EHOSTUNREACH); }));
}
