#pragma once
// Helpers shared by the socket-level and transport tests (tests/sockets, tests/transports): endpoints
// and free ports, bounded receives, polling with a deadline, error capture, and a raw POSIX TCP peer
// for feeding hand-written bytes to zmx. Test-only; each helper is used by one thread at a time.
// No helper sleeps for a fixed time: waits are a blocking call with a timeout, or a poll-with-deadline.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>
#include <zmx/zmx.hpp>

namespace zmx::test {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

// How long any single expected event may take before the test fails.
constexpr int timeout_ms = 5000;
constexpr auto timeout = std::chrono::milliseconds(timeout_ms);

// Runs f and returns the zmx::error number it threw, or 0 if it returned normally.
template <typename F>
int error_of(F&& f) {
    try {
        f();
    } catch (const zmx::error& e) {
        return e.num();
    }
    return 0;
}

// Polls pred until it is true or the deadline passes, yielding between tries. Returns pred's last value.
template <typename Pred>
bool wait_until(Pred&& pred, std::chrono::milliseconds limit = timeout) {
    const auto deadline = clock_type::now() + limit;
    for (;;) {
        if (pred()) return true;
        if (clock_type::now() >= deadline) return pred();
        std::this_thread::yield();
    }
}

// A function running on a thread of its own whose end can be awaited with a deadline. If it has not
// ended by then (or by destruction) the thread is detached and left running, so the test fails instead
// of hanging: fn must therefore own (capture by value / shared_ptr) everything it uses. No Catch2
// assertions inside fn: Catch2 is single-threaded.
class background {
public:
    explicit background(std::function<void()> fn) {
        auto done = std::make_shared<std::promise<void>>();
        fut_ = done->get_future();
        t_ = std::thread([f = std::move(fn), done] {
            try {
                f();
            } catch (...) {
            }
            done->set_value();
        });
    }
    background(const background&) = delete;
    background& operator=(const background&) = delete;
    ~background() { wait(); }

    // True if fn returned within limit (the thread is then joined).
    bool wait(std::chrono::milliseconds limit = timeout) {
        if (!t_.joinable()) return finished_;
        finished_ = fut_.wait_for(limit) == std::future_status::ready;
        if (finished_)
            t_.join();
        else
            t_.detach();
        return finished_;
    }

private:
    std::thread t_;
    std::future<void> fut_;
    bool finished_ = false;
};

// Runs fn on a thread of its own and reports whether it returned within limit (see background).
inline bool finishes_within(std::function<void()> fn, std::chrono::milliseconds limit = timeout) {
    background b(std::move(fn));
    return b.wait(limit);
}

// The port of a "tcp://host:port" endpoint (0 if there is none).
inline int port_of(std::string_view ep) {
    const auto colon = ep.rfind(':');
    if (colon == std::string_view::npos) return 0;
    int port = 0;
    for (char c : ep.substr(colon + 1)) {
        if (c < '0' || c > '9') return 0;
        port = port * 10 + (c - '0');
    }
    return port;
}

inline std::string local_ep(int port) {
    return "tcp://127.0.0.1:" + std::to_string(port);
}

// Binds s to tcp://127.0.0.1:* and returns the exact endpoint from ZMQ_LAST_ENDPOINT.
inline std::string bind_any(zmx::socket& s) {
    s.bind("tcp://127.0.0.1:*");
    std::string ep = s.get(zmx::sockopt::last_endpoint);
    REQUIRE(port_of(ep) > 0);
    return ep;
}

// A loopback port that was free a moment ago: bind a throwaway socket to port 0, read it, close it.
inline int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    ::close(fd);
    return ntohs(a.sin_port);
}

// Binds s to ep, retrying while the port is still held by a listener that is closing (EADDRINUSE).
inline void bind_retry(zmx::socket& s, const std::string& ep) {
    int last = 0;
    const bool ok = wait_until([&] {
        last = error_of([&] { s.bind(ep); });
        return last != EADDRINUSE;
    });
    INFO("bind " << ep << " -> " << last);
    REQUIRE(ok);
    REQUIRE(last == 0);
}

inline void set_timeouts(zmx::socket& s, int ms = timeout_ms) {
    s.set(zmx::sockopt::rcvtimeo, ms);
    s.set(zmx::sockopt::sndtimeo, ms);
}

// A socket with the test timeouts and LINGER 0, so a test's leftovers never hold up its context's end.
inline zmx::socket make_quick(zmx::context& ctx, zmx::socket_type t) {
    zmx::socket s(ctx, t);
    set_timeouts(s);
    s.set(zmx::sockopt::linger, 0);
    return s;
}

// A unique inproc endpoint per call, so tests never share a name by accident.
inline std::string unique_inproc(std::string_view base) {
    static std::atomic<int> counter{0};
    return "inproc://" + std::string(base) + "-" + std::to_string(counter++);
}

// The transports that the pattern tests run over, and a fresh endpoint of each: bind_ep binds s and
// returns the exact endpoint to connect to.
inline const char* const transports[] = {"tcp", "ipc", "inproc"};

inline std::string bind_ep(zmx::socket& s, std::string_view transport) {
    if (transport == "tcp") return bind_any(s);
    if (transport == "ipc") {
        s.bind("ipc://*");
        return s.get(zmx::sockopt::last_endpoint);
    }
    const std::string ep = unique_inproc("bind-ep");
    s.bind(ep);
    return ep;
}

// Receives one message, failing the test if none arrives within the socket's RCVTIMEO.
inline zmx::message recv_msg(zmx::socket& s) {
    zmx::message m;
    const auto r = s.recv(m);
    REQUIRE(r.has_value());
    return m;
}

inline std::string recv_str(zmx::socket& s) {
    return std::string(recv_msg(s).str());
}

// Sends, failing the test on EAGAIN (the caller sets SNDTIMEO so this cannot hang).
inline void send_ok(zmx::socket& s, std::string_view data) {
    REQUIRE(s.send(data).has_value());
}
inline void send_to_ok(zmx::socket& s, std::uint32_t id, std::string_view data) {
    REQUIRE(s.send_to(id, data).has_value());
}

// Sends the frames as one message (the last one with `last`), failing the test on any refusal.
inline void send_multipart(zmx::socket& s, const std::vector<std::string>& frames,
                           zmx::send_flags last = zmx::send_flags::none) {
    for (std::size_t i = 0; i < frames.size(); ++i)
        REQUIRE(s.send(frames[i], i + 1 < frames.size() ? zmx::send_flags::sndmore : last).has_value());
}

// One whole message, every frame of it (each within the socket's RCVTIMEO).
inline std::vector<std::string> recv_multipart(zmx::socket& s) {
    std::vector<std::string> frames;
    for (;;) {
        zmx::message m = recv_msg(s);
        frames.emplace_back(m.str());
        if (!m.more()) return frames;
    }
}

// True if no message arrives within limit (for "this was dropped" checks): a bounded poll.
inline bool no_message_within(zmx::socket& s, std::chrono::milliseconds limit) {
    zmx::message m;
    const auto deadline = clock_type::now() + limit;
    while (clock_type::now() < deadline) {
        if (s.recv(m, zmx::recv_flags::dontwait).has_value()) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
}

// Whether the machine can bind a socket to the IPv6 loopback address.
inline bool have_ipv6_loopback() {
    const int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
}

using bytes = std::vector<std::uint8_t>;

inline void append(bytes& b, std::string_view s) {
    b.insert(b.end(), s.begin(), s.end());
}

// A ZMTP 3.1 NULL greeting as libzmq sends it (RFC 37; zmtp-digest.md §1.1).
inline bytes zmtp_greeting() {
    bytes g = {0xFF, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x7F, 0x03, 0x01};
    append(g, "NULL");
    g.insert(g.end(), 16, 0);  // mechanism is 20 bytes, NUL-padded
    g.push_back(0);            // as-server
    g.insert(g.end(), 31, 0);  // filler
    return g;
}

// A short READY command frame carrying only Socket-Type (zmtp-digest.md §1.5/1.6).
inline bytes zmtp_ready(std::string_view socket_type) {
    bytes body = {0x05};
    append(body, "READY");
    body.push_back(0x0B);
    append(body, "Socket-Type");
    const auto n = static_cast<std::uint32_t>(socket_type.size());
    body.insert(body.end(), {static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
                             static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)});
    append(body, socket_type);
    // Header prepended in place (GCC 12 -Warray-bounds misfires on inserting a range into a 2-byte vector).
    const auto size = static_cast<std::uint8_t>(body.size());
    body.insert(body.begin(), size);
    body.insert(body.begin(), std::uint8_t{0x04});
    return body;
}

// A short (< 256 bytes) final message frame.
inline bytes zmtp_frame(std::string_view body) {
    bytes f = {0x00, static_cast<std::uint8_t>(body.size())};
    append(f, body);
    return f;
}

// One raw POSIX stream socket (connected, accepted, or a socketpair end; adopted, closed on
// destruction) with deadline-bounded reads, for feeding hand-written ZMTP bytes to zmx.
class raw_fd {
public:
    explicit raw_fd(int fd) : fd_(fd) {}
    ~raw_fd() { close(); }
    raw_fd(const raw_fd&) = delete;
    raw_fd& operator=(const raw_fd&) = delete;

    // A blocking connect to 127.0.0.1:port with TCP_NODELAY; fails the test if it does not connect.
    static int connect_loopback(int port) {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd >= 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(static_cast<std::uint16_t>(port));
        REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        return fd;
    }

    int fd() const noexcept { return fd_; }
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    // Closes with SO_LINGER 0: the peer sees a reset, not an orderly end.
    void reset() {
        const linger l{1, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        close();
    }

    // Writes everything; false if the peer has gone (EPIPE/ECONNRESET). Never raises SIGPIPE.
    bool write(const bytes& b) {
        std::size_t off = 0;
        while (off < b.size()) {
            const auto n = ::send(fd_, b.data() + off, b.size() - off, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR) continue;
                return false;
            }
            off += static_cast<std::size_t>(n);
        }
        return true;
    }

    // Reads exactly n bytes within the deadline; nullopt on timeout, EOF or error.
    std::optional<bytes> read_exact(std::size_t n, std::chrono::milliseconds limit = timeout) {
        const auto deadline = clock_type::now() + limit;
        bytes out(n);
        std::size_t got = 0;
        while (got < n) {
            if (!wait_readable(deadline)) return std::nullopt;
            const auto r = ::recv(fd_, out.data() + got, n - got, 0);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) return std::nullopt;
            got += static_cast<std::size_t>(r);
        }
        return out;
    }

    // Reads one ZMTP frame, all of it within limit: (flags, body); nullopt on timeout/EOF.
    std::optional<std::pair<std::uint8_t, bytes>> read_frame(std::chrono::milliseconds limit = timeout) {
        const auto deadline = clock_type::now() + limit;
        const auto left = [&] {
            return std::max(std::chrono::milliseconds(1),
                            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now()));
        };
        auto flags = read_exact(1, left());
        if (!flags) return std::nullopt;
        std::uint64_t size = 0;
        if (((*flags)[0] & 0x02) != 0) {
            auto s = read_exact(8, left());
            if (!s) return std::nullopt;
            for (std::uint8_t c : *s) size = size << 8 | c;
        } else {
            auto s = read_exact(1, left());
            if (!s) return std::nullopt;
            size = (*s)[0];
        }
        if (size > (1u << 24)) return std::nullopt;
        auto body = read_exact(static_cast<std::size_t>(size), left());
        if (!body) return std::nullopt;
        return std::make_pair((*flags)[0], std::move(*body));
    }

    // Reads and discards whatever arrives until the peer closes (EOF or reset): true, or false if the
    // connection is still open when the deadline passes.
    bool wait_closed(std::chrono::milliseconds limit = timeout) {
        const auto deadline = clock_type::now() + limit;
        std::uint8_t buf[4096];
        for (;;) {
            if (!wait_readable(deadline)) return false;
            const auto r = ::recv(fd_, buf, sizeof buf, 0);
            if (r == 0) return true;
            if (r < 0 && errno != EINTR && errno != EAGAIN) return true;  // ECONNRESET and the like
        }
    }

    // Waits up to limit for the peer to send something or close; true if it did neither.
    bool quiet_for(std::chrono::milliseconds limit) { return !wait_readable(clock_type::now() + limit); }

private:
    bool wait_readable(clock_type::time_point deadline) {
        for (;;) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now()).count();
            if (left <= 0) return false;
            pollfd p{fd_, POLLIN, 0};
            const int r = ::poll(&p, 1, static_cast<int>(left));
            if (r > 0) return true;
            if (r < 0 && errno != EINTR) return false;
        }
    }
    int fd_ = -1;
};

// A raw blocking-connect TCP client to 127.0.0.1:port.
class raw_client : public raw_fd {
public:
    explicit raw_client(int port) : raw_fd(connect_loopback(port)) {}
};

// A plain TCP listener on 127.0.0.1 (port chosen by the kernel) for zmx sockets to connect to: the
// test plays the peer on each accepted connection.
class tcp_listener {
public:
    tcp_listener() {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd_ >= 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(::listen(fd_, 16) == 0);
        socklen_t len = sizeof a;
        REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
        port_ = ntohs(a.sin_port);
    }
    ~tcp_listener() { ::close(fd_); }
    tcp_listener(const tcp_listener&) = delete;
    tcp_listener& operator=(const tcp_listener&) = delete;

    int port() const { return port_; }
    std::string endpoint() const { return local_ep(port_); }
    // The next connection, accepted within the test timeout (the test fails otherwise).
    std::unique_ptr<raw_fd> accept() {
        pollfd p{fd_, POLLIN, 0};
        REQUIRE(::poll(&p, 1, timeout_ms) == 1);
        const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        REQUIRE(fd >= 0);
        return std::make_unique<raw_fd>(fd);
    }

private:
    int fd_ = -1;
    int port_ = 0;
};

// Makes sure ctx's (single) I/O thread has run everything posted to it so far: closures run in post
// order, so once a message has gone both ways between a fresh CLIENT and SERVER in ctx (whose own
// setup was posted later), every earlier post - e.g. the start of a dial - has run. Any thread; no
// Catch2 assertions, so it may run inside a background thread. Returns false if the round trip failed.
inline bool io_barrier(zmx::context& ctx) {
    zmx::socket server(ctx, zmx::socket_type::server);
    zmx::socket client(ctx, zmx::socket_type::client);
    for (zmx::socket* s : {&server, &client}) {
        s->set(zmx::sockopt::linger, 0);
        s->set(zmx::sockopt::rcvtimeo, timeout_ms);
        s->set(zmx::sockopt::sndtimeo, timeout_ms);
    }
    server.bind("tcp://127.0.0.1:*");
    client.connect(server.get(zmx::sockopt::last_endpoint));
    zmx::message m;
    if (!client.send("barrier").has_value() || !server.recv(m).has_value()) return false;
    if (!server.send_to(m.routing_id(), "barrier").has_value() || !client.recv(m).has_value()) return false;
    return true;
}

// Whether a plain TCP connect to 127.0.0.1:port is refused right now. The attempt is given 100 ms (a
// SYN that hit a listener while it was closing is retransmitted only after a second); an attempt
// still pending then counts as "not refused", so callers poll this with a deadline.
inline bool tcp_connect_refused(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return false;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    int err = 0;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
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

}  // namespace zmx::test
