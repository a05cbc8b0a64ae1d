// Liveness and limits of a ZMTP connection (stream_engine): heartbeats (PING/PONG, HEARTBEAT_IVL/TTL/
// TIMEOUT, the peer's PING TTL), HANDSHAKE_IVL, MAXMSGSIZE, TCP keepalive options, HELLO_MSG, and the
// exact engine_error each failure reports. Raw POSIX peers play the other side; every wait is a poll
// or a blocking call with a deadline.
#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/uio.h>

#include <atomic>
#include <mutex>

#include "../sockets/support.hpp"
#include "core/options.hpp"
#include "core/pipe.hpp"
#include "io/io_thread.hpp"
#include "mechanisms/mechanism.hpp"
#include "sockets/socket_type.hpp"
#include "transports/stream_engine.hpp"
#include "transports/transport.hpp"

using namespace zmx::test;

namespace {

// zmq.h option numbers the C++ tags do not cover yet.
constexpr int opt_tcp_keepalive = 34;
constexpr int opt_tcp_keepalive_cnt = 35;
constexpr int opt_tcp_keepalive_idle = 36;
constexpr int opt_tcp_keepalive_intvl = 37;
constexpr int opt_heartbeat_ivl = 75;
constexpr int opt_heartbeat_ttl = 76;
constexpr int opt_heartbeat_timeout = 77;
constexpr int opt_hello_msg = 110;

void set_int(zmx::socket& s, int id, int v) {
    s.set(id, &v, sizeof v);
}

zmx::socket make(zmx::context& ctx, zmx::socket_type t) {
    zmx::socket s(ctx, t);
    set_timeouts(s);
    s.set(zmx::sockopt::linger, 0);
    return s;
}

std::int64_t ms_since(clock_type::time_point t0) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - t0).count();
}

bytes cat(std::initializer_list<bytes> parts) {
    bytes out;
    for (const bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

// A command frame (short) with the given name and data.
bytes command_frame(std::string_view name, const bytes& data = {}) {
    bytes body = {static_cast<std::uint8_t>(name.size())};
    append(body, name);
    body.insert(body.end(), data.begin(), data.end());
    // Header prepended in place (GCC 12 -Warray-bounds misfires on inserting a range into a 2-byte vector).
    const auto size = static_cast<std::uint8_t>(body.size());
    body.insert(body.begin(), size);
    body.insert(body.begin(), std::uint8_t{0x04});
    return body;
}

bytes ping_frame(std::uint16_t ttl_ds, std::string_view context = {}) {
    bytes data = {static_cast<std::uint8_t>(ttl_ds >> 8), static_cast<std::uint8_t>(ttl_ds & 0xFF)};
    append(data, context);
    return command_frame("PING", data);
}

// The header of a LONG final message frame announcing `size` body bytes.
bytes long_header(std::uint64_t size) {
    bytes h = {0x02};
    for (int i = 7; i >= 0; --i) h.push_back(static_cast<std::uint8_t>(size >> (8 * i)));
    return h;
}

bool is_command(const std::pair<std::uint8_t, bytes>& f, std::string_view name) {
    const bytes& b = f.second;
    return (f.first & 0x04) != 0 && !b.empty() && b[0] == name.size() && b.size() > name.size() &&
           std::string_view(reinterpret_cast<const char*>(b.data()) + 1, name.size()) == name;
}

std::string body_str(const bytes& b) {
    return std::string(b.begin(), b.end());
}

// support.hpp's raw_fd plus what these tests need of a ZMTP peer: skipping heartbeats, and a NULL
// handshake.
class zmtp_raw : public raw_fd {
public:
    using raw_fd::raw_fd;

    static std::unique_ptr<zmtp_raw> connect_to(int port) {
        return std::make_unique<zmtp_raw>(connect_loopback(port));
    }

    // The next frame that is not a PING/PONG command (zmx heartbeats may come in between).
    std::optional<std::pair<std::uint8_t, bytes>> read_data_frame(std::chrono::milliseconds limit = timeout) {
        for (;;) {
            auto f = read_frame(limit);
            if (!f || !(is_command(*f, "PING") || is_command(*f, "PONG"))) return f;
        }
    }

    // Completes a NULL handshake as a `socket_type` peer: sends greeting and READY (plus `extra`),
    // then reads the other side's greeting and READY.
    bool handshake(std::string_view socket_type, const bytes& extra = {}) {
        if (!write(cat({zmtp_greeting(), zmtp_ready(socket_type), extra}))) return false;
        auto g = read_exact(64);
        if (!g || (*g)[0] != 0xFF || (*g)[9] != 0x7F || (*g)[10] != 3) return false;
        auto ready = read_frame();
        return ready && is_command(*ready, "READY");
    }
};

// A raw listening socket on 127.0.0.1 (for zmx sockets that connect).
class raw_listener {
public:
    raw_listener() {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd_ >= 0);
        const int one = 1;
        ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(::listen(fd_, 16) == 0);
        socklen_t len = sizeof a;
        REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
        port_ = ntohs(a.sin_port);
    }
    ~raw_listener() { ::close(fd_); }
    raw_listener(const raw_listener&) = delete;
    raw_listener& operator=(const raw_listener&) = delete;

    int port() const noexcept { return port_; }
    std::string endpoint() const { return local_ep(port_); }

    // The next connection within the deadline, or null.
    std::unique_ptr<zmtp_raw> accept(std::chrono::milliseconds limit = timeout) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(limit.count())) != 1) return nullptr;
        const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) return nullptr;
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        return std::make_unique<zmtp_raw>(fd);
    }

private:
    int fd_ = -1;
    int port_ = 0;
};

int local_port(int fd) {
    sockaddr_in a{};
    socklen_t len = sizeof a;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0 || a.sin_family != AF_INET) return -1;
    return ntohs(a.sin_port);
}
int peer_port(int fd) {
    sockaddr_in a{};
    socklen_t len = sizeof a;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0 || a.sin_family != AF_INET) return -1;
    return ntohs(a.sin_port);
}

// The fd of this process whose TCP connection runs from local port `local` to peer port `peer` (zmx's
// own end of a connection), found by walking /proc/self/fd; -1 if there is none.
int find_tcp_fd(int local, int peer) {
    DIR* d = ::opendir("/proc/self/fd");
    if (d == nullptr) return -1;
    int found = -1;
    while (const dirent* e = ::readdir(d)) {
        char* end = nullptr;
        const long fd = std::strtol(e->d_name, &end, 10);
        if (end == e->d_name || *end != '\0' || fd == ::dirfd(d)) continue;
        int type = 0;
        socklen_t len = sizeof type;
        if (::getsockopt(static_cast<int>(fd), SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM) continue;
        if (local_port(static_cast<int>(fd)) == local && peer_port(static_cast<int>(fd)) == peer) {
            found = static_cast<int>(fd);
            break;
        }
    }
    ::closedir(d);
    return found;
}

int sockopt_int(int fd, int level, int name) {
    int v = -12345;
    socklen_t len = sizeof v;
    if (::getsockopt(fd, level, name, &v, &len) != 0) return -12345;
    return v;
}

// ---------------------------------------------------------------------------------------------------
// Engine-level harness: one stream_engine on an I/O thread over one end of a socketpair; the test
// holds the other end. It records the engine_error the engine reports.

using zmx::detail::engine_error;

class fd_stream final : public zmx::detail::stream {
public:
    explicit fd_stream(int fd) : fd_(fd) {}
    ~fd_stream() override { ::close(fd_); }
    int fd() const override { return fd_; }
    long read(std::span<std::byte> buf) override { return ::recv(fd_, buf.data(), buf.size(), 0); }
    long writev(const iovec* iov, int count) override {
        msghdr mh{};
        mh.msg_iov = const_cast<iovec*>(iov);
        mh.msg_iovlen = static_cast<std::size_t>(count);
        return ::sendmsg(fd_, &mh, MSG_NOSIGNAL);
    }
    std::string peer_address() const override { return "socketpair"; }

private:
    int fd_;
};

class engine_harness final : public zmx::detail::engine_events {
public:
    explicit engine_harness(zmx::detail::socket_options o) : opts_(std::move(o)) {
        type_ = zmx::detail::find_socket_type(12);  // SERVER
        REQUIRE(type_ != nullptr);
        int fds[2];
        REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
        REQUIRE(::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK) == 0);
        raw = std::make_unique<zmtp_raw>(fds[1]);
        const int engine_fd = fds[0];
        on_loop([this, engine_fd] {
            engine_ = std::make_unique<zmx::detail::stream_engine>(
                thread_.loop(), std::make_unique<fd_stream>(engine_fd), opts_, *type_, *this);
            engine_->start();
        });
    }
    ~engine_harness() {
        on_loop([this] {
            if (engine_) engine_->stop();
            engine_.reset();
            link_.reset();
        });
        thread_.stop_and_join();
    }
    engine_harness(const engine_harness&) = delete;
    engine_harness& operator=(const engine_harness&) = delete;

    // The error the engine failed with, if it fails within limit.
    std::optional<engine_error> failure(std::chrono::milliseconds limit = timeout) {
        std::unique_lock lock(mutex_);
        cv_.wait_for(lock, limit, [&] { return failed_.has_value(); });
        return failed_;
    }
    bool ready(std::chrono::milliseconds limit = timeout) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, limit, [&] { return ready_; });
    }
    // Stops the engine (as an owner does before letting go), keeping it alive.
    void stop_engine() {
        on_loop([this] {
            if (engine_) engine_->stop();
        });
    }

    std::unique_ptr<zmtp_raw> raw;

private:
    void on_loop(std::function<void()> fn) {
        auto done = std::make_shared<std::promise<void>>();
        auto f = done->get_future();
        thread_.post([fn = std::move(fn), done] {
            fn();
            done->set_value();
        });
        REQUIRE(f.wait_for(timeout) == std::future_status::ready);
    }

    void engine_ready(zmx::detail::engine& e) override {
        link_ = zmx::detail::make_pipe(1000, 1000);
        e.plug(link_->end(1));
        const std::lock_guard lock(mutex_);
        ready_ = true;
        cv_.notify_all();
    }
    void engine_failed(zmx::detail::engine&, const engine_error& why) override {
        const std::lock_guard lock(mutex_);
        if (!failed_) failed_ = why;
        cv_.notify_all();
    }
    void engine_drained(zmx::detail::engine&) override {}

    zmx::detail::socket_options opts_;
    const zmx::detail::socket_type_info* type_ = nullptr;
    zmx::detail::io_thread thread_;
    std::unique_ptr<zmx::detail::stream_engine> engine_;
    std::shared_ptr<zmx::detail::pipe_link> link_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool ready_ = false;
    std::optional<engine_error> failed_;
};

zmx::detail::socket_options engine_opts() {
    zmx::detail::socket_options o;
    o.type = 12;
    return o;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------
// engine_error: the reason each failure reports.

TEST_CASE("engine: the handshake deadline fails as a timeout with ETIMEDOUT", "[liveness][engine]") {
    auto o = engine_opts();
    o.handshake_ivl = 200;
    engine_harness h(o);
    const auto t0 = clock_type::now();
    const auto why = h.failure();
    REQUIRE(why.has_value());
    CHECK(ms_since(t0) >= 150);
    CHECK(why->reason == engine_error::kind::timeout);
    CHECK(why->err == ETIMEDOUT);
    CHECK_FALSE(why->handshaked);
    CHECK(why->protocol_error == 0);
    CHECK(why->auth_status == 0);
}

TEST_CASE("engine: a mechanism mismatch fails as a protocol error with its ZMQ_PROTOCOL_ERROR", "[liveness][engine]") {
    engine_harness h(engine_opts());
    bytes g = zmtp_greeting();
    std::memcpy(g.data() + 12, "PLAIN", 5);
    REQUIRE(h.raw->write(g));
    const auto why = h.failure();
    REQUIRE(why.has_value());
    CHECK(why->reason == engine_error::kind::protocol);
    CHECK(why->err == EPROTO);
    CHECK_FALSE(why->handshaked);
    CHECK(why->protocol_error == zmx::detail::protocol_errors::zmtp_mechanism_mismatch);
    CHECK(why->auth_status == 0);
}

TEST_CASE("engine: an ERROR with a ZAP status during the handshake reports auth_status", "[liveness][engine]") {
    engine_harness h(engine_opts());
    REQUIRE(h.raw->write(cat({zmtp_greeting(), command_frame("ERROR", bytes{3, '4', '0', '0'})})));
    const auto why = h.failure();
    REQUIRE(why.has_value());
    CHECK(why->reason == engine_error::kind::protocol);
    CHECK(why->err == EPROTO);
    CHECK_FALSE(why->handshaked);
    CHECK(why->protocol_error != 0);
    CHECK(why->auth_status == 400);
}

TEST_CASE("engine: an incompatible Socket-Type fails as a protocol error without auth_status", "[liveness][engine]") {
    engine_harness h(engine_opts());
    REQUIRE(h.raw->write(cat({zmtp_greeting(), zmtp_ready("DEALER")})));
    const auto why = h.failure();
    REQUIRE(why.has_value());
    CHECK(why->reason == engine_error::kind::protocol);
    CHECK(why->err == EPROTO);
    CHECK(why->protocol_error == zmx::detail::protocol_errors::zmtp_invalid_metadata);
    CHECK(why->auth_status == 0);
}

TEST_CASE("engine: a handshake frame over MAXMSGSIZE fails as a protocol error with EMSGSIZE",
          "[liveness][engine][maxmsgsize]") {
    auto o = engine_opts();
    o.maxmsgsize = 1000;
    engine_harness h(o);
    bytes hdr = long_header(std::uint64_t{1} << 30);
    hdr[0] = 0x06;  // a LONG command announcing 1 GiB, where READY belongs
    REQUIRE(h.raw->write(cat({zmtp_greeting(), hdr})));
    const auto why = h.failure();
    REQUIRE(why.has_value());
    CHECK(why->reason == engine_error::kind::protocol);
    CHECK(why->err == EMSGSIZE);
    CHECK_FALSE(why->handshaked);
}

TEST_CASE("engine: a traffic frame over MAXMSGSIZE fails on its header as a protocol error with EMSGSIZE",
          "[liveness][engine][maxmsgsize]") {
    auto o = engine_opts();
    o.maxmsgsize = 200000;
    engine_harness h(o);
    REQUIRE(h.raw->handshake("CLIENT"));
    REQUIRE(h.ready());
    // A large frame within the limit first: its body goes through the direct-read path.
    bytes big = long_header(150000);
    big.resize(big.size() + 150000, 0x42);
    REQUIRE(h.raw->write(big));
    // Then a header announcing 1 GiB, and nothing more: the engine must not wait for the body.
    REQUIRE(h.raw->write(long_header(std::uint64_t{1} << 30)));
    const auto why = h.failure();
    REQUIRE(why.has_value());
    CHECK(why->reason == engine_error::kind::protocol);
    CHECK(why->err == EMSGSIZE);
    CHECK(why->handshaked);
    CHECK(why->protocol_error == 0);
}

TEST_CASE("engine: an orderly end of stream fails as a connection error", "[liveness][engine]") {
    engine_harness h(engine_opts());
    REQUIRE(h.raw->handshake("CLIENT"));
    REQUIRE(h.ready());
    h.raw->close();
    const auto why = h.failure();
    REQUIRE(why.has_value());
    CHECK(why->reason == engine_error::kind::connection);
    CHECK(why->err != 0);
    CHECK(why->handshaked);
    CHECK(why->protocol_error == 0);
}

TEST_CASE("engine: no heartbeat answer fails as a timeout with ETIMEDOUT", "[liveness][engine][heartbeat]") {
    auto o = engine_opts();
    o.heartbeat_ivl = 100;
    o.heartbeat_timeout = 200;
    engine_harness h(o);
    REQUIRE(h.raw->handshake("CLIENT"));
    const auto why = h.failure();
    REQUIRE(why.has_value());
    CHECK(why->reason == engine_error::kind::timeout);
    CHECK(why->err == ETIMEDOUT);
    CHECK(why->handshaked);
}

TEST_CASE("engine: a peer PING TTL with silence after it fails as a timeout", "[liveness][engine][heartbeat]") {
    engine_harness h(engine_opts());
    REQUIRE(h.raw->handshake("CLIENT", ping_frame(3)));
    const auto t0 = clock_type::now();
    const auto why = h.failure();
    REQUIRE(why.has_value());
    CHECK(ms_since(t0) >= 250);
    CHECK(why->reason == engine_error::kind::timeout);
    CHECK(why->err == ETIMEDOUT);
}

TEST_CASE("engine: a PING TTL above 655 deciseconds is not cut to 16 bits", "[liveness][engine][heartbeat]") {
    engine_harness h(engine_opts());
    // 656 ds = 65.6 s; libzmq's uint16 arithmetic makes it 64 ms.
    REQUIRE(h.raw->handshake("CLIENT", ping_frame(656)));
    auto pong = h.raw->read_frame();
    REQUIRE(pong.has_value());
    CHECK(is_command(*pong, "PONG"));
    CHECK_FALSE(h.failure(std::chrono::milliseconds(1000)).has_value());
}

TEST_CASE("engine: stop() cancels the heartbeat and TTL timers", "[liveness][engine][heartbeat]") {
    auto o = engine_opts();
    o.heartbeat_ivl = 50;
    o.heartbeat_timeout = 100;
    engine_harness h(o);
    REQUIRE(h.raw->handshake("CLIENT", ping_frame(1)));
    REQUIRE(h.ready());
    h.stop_engine();
    // Drain what was written before the stop, then: no more PINGs, and no failure report.
    while (!h.raw->quiet_for(std::chrono::milliseconds(20))) {
        if (!h.raw->read_frame(std::chrono::milliseconds(100))) break;
    }
    CHECK(h.raw->quiet_for(std::chrono::milliseconds(400)));
    CHECK_FALSE(h.failure(std::chrono::milliseconds(10)).has_value());
}

// ---------------------------------------------------------------------------------------------------
// Heartbeats between sockets and raw peers.

TEST_CASE("heartbeat: a raw peer that never answers is dropped after HEARTBEAT_TIMEOUT", "[liveness][heartbeat]") {
    zmx::context ctx;
    zmx::socket server = make(ctx, zmx::socket_type::server);
    set_int(server, opt_heartbeat_ivl, 100);
    set_int(server, opt_heartbeat_timeout, 300);
    const std::string ep = bind_any(server);

    auto raw = zmtp_raw::connect_to(port_of(ep));
    REQUIRE(raw->handshake("CLIENT"));
    const auto t0 = clock_type::now();
    CHECK(raw->wait_closed(std::chrono::milliseconds(3000)));
    const auto took = ms_since(t0);
    CHECK(took >= 300);  // first PING after 100 ms, then 300 ms of silence
    CHECK(took < 3000);

    // The SERVER itself carries on.
    zmx::socket client = make(ctx, zmx::socket_type::client);
    client.connect(ep);
    send_ok(client, "still here");
    CHECK(recv_str(server) == "still here");
}

TEST_CASE("heartbeat: a CLIENT drops a silent raw server after HEARTBEAT_TIMEOUT and reconnects",
          "[liveness][heartbeat]") {
    zmx::context ctx;
    raw_listener listener;
    zmx::socket client = make(ctx, zmx::socket_type::client);
    set_int(client, opt_heartbeat_ivl, 100);
    set_int(client, opt_heartbeat_timeout, 300);
    client.connect(listener.endpoint());

    auto first = listener.accept();
    REQUIRE(first);
    REQUIRE(first->handshake("SERVER"));
    CHECK(first->wait_closed(std::chrono::milliseconds(3000)));
    // A timeout is not a protocol error: the CLIENT dials again.
    auto second = listener.accept();
    REQUIRE(second);
    REQUIRE(second->handshake("SERVER"));
}

TEST_CASE("heartbeat: PINGs carry HEARTBEAT_TTL in deciseconds and no context", "[liveness][heartbeat]") {
    zmx::context ctx;
    zmx::socket server = make(ctx, zmx::socket_type::server);
    set_int(server, opt_heartbeat_ivl, 100);
    set_int(server, opt_heartbeat_ttl, 5000);
    const std::string ep = bind_any(server);

    auto raw = zmtp_raw::connect_to(port_of(ep));
    REQUIRE(raw->handshake("CLIENT"));
    for (int i = 0; i < 3; ++i) {
        auto f = raw->read_frame(std::chrono::milliseconds(2000));
        REQUIRE(f.has_value());
        CHECK(f->first == 0x04);
        CHECK(f->second == bytes{0x04, 'P', 'I', 'N', 'G', 0x00, 0x32});  // TTL 5000 ms -> 00 32
        REQUIRE(raw->write(command_frame("PONG")));  // or the 100 ms HEARTBEAT_TIMEOUT (= IVL) drops us
    }
}

TEST_CASE("heartbeat: a PING is answered with a PONG echoing its context", "[liveness][heartbeat]") {
    zmx::context ctx;
    zmx::socket server = make(ctx, zmx::socket_type::server);
    const std::string ep = bind_any(server);

    auto raw = zmtp_raw::connect_to(port_of(ep));
    REQUIRE(raw->handshake("CLIENT"));
    REQUIRE(raw->write(ping_frame(0, "ctx-1234")));
    auto pong = raw->read_frame();
    REQUIRE(pong.has_value());
    CHECK(pong->first == 0x04);
    CHECK(body_str(pong->second) == "\x04PONGctx-1234");

    // A context over 16 bytes comes back cut to 16; an empty one comes back empty.
    REQUIRE(raw->write(ping_frame(0, "0123456789abcdefXYZ")));
    pong = raw->read_frame();
    REQUIRE(pong.has_value());
    CHECK(body_str(pong->second) == "\x04PONG0123456789abcdef");
    REQUIRE(raw->write(ping_frame(0)));
    pong = raw->read_frame();
    REQUIRE(pong.has_value());
    CHECK(body_str(pong->second) == "\x04PONG");

    // Data still flows both ways.
    REQUIRE(raw->write(zmtp_frame("data")));
    zmx::message m = recv_msg(server);
    CHECK(m.str() == "data");
    send_to_ok(server, m.routing_id(), "back");
    auto back = raw->read_data_frame();
    REQUIRE(back.has_value());
    CHECK(body_str(back->second) == "back");
}

TEST_CASE("heartbeat: two PEERs with heartbeats stay connected while idle", "[liveness][heartbeat]") {
    zmx::context ctx;
    zmx::socket a = make(ctx, zmx::socket_type::peer);
    zmx::socket b = make(ctx, zmx::socket_type::peer);
    for (zmx::socket* s : {&a, &b}) {
        set_int(*s, opt_heartbeat_ivl, 100);
        set_int(*s, opt_heartbeat_timeout, 400);  // margins for a loaded machine: a PONG is due within 400 ms
        set_int(*s, opt_heartbeat_ttl, 500);
    }
    const std::string ep = bind_any(a);
    const std::uint32_t to_a = b.connect_peer(ep);
    REQUIRE(to_a != 0);
    send_to_ok(b, to_a, "one");
    zmx::message m = recv_msg(a);
    CHECK(m.str() == "one");
    const std::uint32_t to_b = m.routing_id();  // a's id for this connection; a reconnect would change it

    // Idle for well over five intervals (and over every timeout and TTL).
    a.set(zmx::sockopt::rcvtimeo, 800);
    zmx::message none;
    CHECK_FALSE(a.recv(none).has_value());
    a.set(zmx::sockopt::rcvtimeo, timeout_ms);

    send_to_ok(a, to_b, "two");
    CHECK(recv_str(b) == "two");
    send_to_ok(b, to_a, "three");
    zmx::message m3 = recv_msg(a);
    CHECK(m3.str() == "three");
    CHECK(m3.routing_id() == to_b);
}

TEST_CASE("heartbeat: a PING with a TTL then silence drops the peer after about the TTL", "[liveness][heartbeat]") {
    zmx::context ctx;
    zmx::socket server = make(ctx, zmx::socket_type::server);  // no heartbeats of its own
    const std::string ep = bind_any(server);

    auto raw = zmtp_raw::connect_to(port_of(ep));
    REQUIRE(raw->handshake("CLIENT"));
    const auto t0 = clock_type::now();
    REQUIRE(raw->write(ping_frame(3)));  // 300 ms
    auto pong = raw->read_frame();
    REQUIRE(pong.has_value());
    CHECK(is_command(*pong, "PONG"));
    CHECK(raw->wait_closed(std::chrono::milliseconds(3000)));
    const auto took = ms_since(t0);
    CHECK(took >= 250);
    CHECK(took < 3000);
}

TEST_CASE("heartbeat: any frame after a PING cancels its TTL", "[liveness][heartbeat]") {
    zmx::context ctx;
    zmx::socket server = make(ctx, zmx::socket_type::server);
    const std::string ep = bind_any(server);

    auto raw = zmtp_raw::connect_to(port_of(ep));
    REQUIRE(raw->handshake("CLIENT"));
    REQUIRE(raw->write(cat({ping_frame(2), zmtp_frame("after the ping")})));  // TTL 200 ms, then a frame
    CHECK(recv_str(server) == "after the ping");
    auto pong = raw->read_frame();
    REQUIRE(pong.has_value());
    CHECK(is_command(*pong, "PONG"));
    CHECK(raw->quiet_for(std::chrono::milliseconds(700)));  // not dropped
    REQUIRE(raw->write(zmtp_frame("later")));
    CHECK(recv_str(server) == "later");
}

TEST_CASE("heartbeat: a PING TTL above 655 deciseconds keeps the peer for the full TTL", "[liveness][heartbeat]") {
    zmx::context ctx;
    zmx::socket server = make(ctx, zmx::socket_type::server);
    const std::string ep = bind_any(server);

    auto raw = zmtp_raw::connect_to(port_of(ep));
    REQUIRE(raw->handshake("CLIENT"));
    REQUIRE(raw->write(ping_frame(656)));  // 65.6 s (libzmq: 64 ms, from 65600 mod 65536)
    auto pong = raw->read_frame();
    REQUIRE(pong.has_value());
    CHECK(is_command(*pong, "PONG"));
    CHECK(raw->quiet_for(std::chrono::milliseconds(1000)));
    REQUIRE(raw->write(zmtp_frame("alive")));
    CHECK(recv_str(server) == "alive");
}

TEST_CASE("heartbeat: the timeout counts from the last PING sent after the last frame received",
          "[liveness][heartbeat]") {
    zmx::context ctx;
    zmx::socket server = make(ctx, zmx::socket_type::server);
    set_int(server, opt_heartbeat_ivl, 200);
    set_int(server, opt_heartbeat_timeout, 500);
    const std::string ep = bind_any(server);

    auto raw = zmtp_raw::connect_to(port_of(ep));
    REQUIRE(raw->handshake("CLIENT"));
    // Answer the first PING only. The PING after that (≈200 ms later) waits 500 ms for traffic; the
    // timer armed by the first PING must not end the connection ≈500 ms after the answer.
    auto ping = raw->read_frame(std::chrono::milliseconds(2000));
    REQUIRE(ping.has_value());
    REQUIRE(is_command(*ping, "PING"));
    REQUIRE(raw->write(command_frame("PONG")));
    const auto t0 = clock_type::now();
    CHECK(raw->wait_closed(std::chrono::milliseconds(4000)));
    const auto took = ms_since(t0);
    CHECK(took >= 600);
    CHECK(took < 4000);
}

// ---------------------------------------------------------------------------------------------------
// MAXMSGSIZE and HANDSHAKE_IVL on a SERVER.

TEST_CASE("maxmsgsize: a header announcing 1 GiB drops that peer at once and others carry on",
          "[liveness][maxmsgsize]") {
    zmx::context ctx;
    zmx::socket server = make(ctx, zmx::socket_type::server);
    server.set(zmx::sockopt::maxmsgsize, std::int64_t{1} << 20);
    const std::string ep = bind_any(server);
    zmx::socket client = make(ctx, zmx::socket_type::client);
    client.connect(ep);
    send_ok(client, "before");
    zmx::message m = recv_msg(server);
    CHECK(m.str() == "before");

    auto raw = zmtp_raw::connect_to(port_of(ep));
    REQUIRE(raw->handshake("CLIENT"));
    const auto t0 = clock_type::now();
    REQUIRE(raw->write(long_header(std::uint64_t{1} << 30)));  // the header only: no body follows
    CHECK(raw->wait_closed(std::chrono::milliseconds(2000)));
    CHECK(ms_since(t0) < 2000);

    send_to_ok(server, m.routing_id(), "reply");
    CHECK(recv_str(client) == "reply");
    send_ok(client, "after");
    CHECK(recv_str(server) == "after");
}

TEST_CASE("handshake_ivl: a peer trickling its greeting is dropped at the deadline", "[liveness][handshake]") {
    zmx::context ctx;
    zmx::socket server = make(ctx, zmx::socket_type::server);
    server.set(zmx::sockopt::handshake_ivl, 300);
    const std::string ep = bind_any(server);

    auto raw = zmtp_raw::connect_to(port_of(ep));
    const auto t0 = clock_type::now();
    REQUIRE(raw->read_exact(64).has_value());  // zmx's greeting comes at once
    const bytes greeting = zmtp_greeting();
    std::size_t sent = 0;
    bool closed = false;
    // One byte every 100 ms: the whole greeting would take 6.4 s.
    while (sent < greeting.size() && ms_since(t0) < 5000) {
        if (!raw->quiet_for(std::chrono::milliseconds(100))) {
            closed = raw->wait_closed(std::chrono::milliseconds(100));
            break;
        }
        if (!raw->write(bytes{greeting[sent]})) {
            closed = true;
            break;
        }
        ++sent;
    }
    const auto took = ms_since(t0);
    CHECK(closed);
    CHECK(sent < greeting.size());
    CHECK(took >= 250);
    CHECK(took < 2000);
}

TEST_CASE("handshake_ivl: a peer that handshakes in time is unaffected by the deadline", "[liveness][handshake]") {
    zmx::context ctx;
    zmx::socket server = make(ctx, zmx::socket_type::server);
    server.set(zmx::sockopt::handshake_ivl, 300);
    const std::string ep = bind_any(server);

    auto raw = zmtp_raw::connect_to(port_of(ep));
    REQUIRE(raw->handshake("CLIENT"));
    CHECK(raw->quiet_for(std::chrono::milliseconds(600)));  // past the deadline: still open
    REQUIRE(raw->write(zmtp_frame("in time")));
    zmx::message m = recv_msg(server);
    CHECK(m.str() == "in time");

    zmx::socket client = make(ctx, zmx::socket_type::client);
    client.connect(ep);
    send_ok(client, "ping");
    zmx::message m2 = recv_msg(server);
    CHECK(m2.str() == "ping");
    // Past the deadline too.
    server.set(zmx::sockopt::rcvtimeo, 500);
    zmx::message none;
    CHECK_FALSE(server.recv(none).has_value());
    send_to_ok(server, m2.routing_id(), "pong");
    CHECK(recv_str(client) == "pong");
}

// ---------------------------------------------------------------------------------------------------
// TCP keepalive options on zmx's own fds.

TEST_CASE("tcp keepalive: options apply to accepted connections", "[liveness][keepalive]") {
    zmx::context ctx;
    zmx::socket server = make(ctx, zmx::socket_type::server);
    set_int(server, opt_tcp_keepalive, 1);
    set_int(server, opt_tcp_keepalive_cnt, 5);
    set_int(server, opt_tcp_keepalive_idle, 60);
    set_int(server, opt_tcp_keepalive_intvl, 7);
    const std::string ep = bind_any(server);

    auto raw = zmtp_raw::connect_to(port_of(ep));
    REQUIRE(raw->read_exact(64).has_value());  // the engine runs: the fd was tuned before
    const int fd = find_tcp_fd(port_of(ep), local_port(raw->fd()));
    REQUIRE(fd >= 0);
    CHECK(sockopt_int(fd, SOL_SOCKET, SO_KEEPALIVE) == 1);
    CHECK(sockopt_int(fd, IPPROTO_TCP, TCP_KEEPCNT) == 5);
    CHECK(sockopt_int(fd, IPPROTO_TCP, TCP_KEEPIDLE) == 60);
    CHECK(sockopt_int(fd, IPPROTO_TCP, TCP_KEEPINTVL) == 7);
}

TEST_CASE("tcp keepalive: options apply to connecting sockets and 0 turns keepalive off", "[liveness][keepalive]") {
    zmx::context ctx;
    raw_listener listener;
    zmx::socket on = make(ctx, zmx::socket_type::client);
    set_int(on, opt_tcp_keepalive, 1);
    set_int(on, opt_tcp_keepalive_idle, 42);  // count and interval left at -1: the OS defaults stay
    on.connect(listener.endpoint());
    auto a = listener.accept();
    REQUIRE(a);
    REQUIRE(a->read_exact(64).has_value());
    const int default_cnt = [] {
        const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        const int v = sockopt_int(s, IPPROTO_TCP, TCP_KEEPCNT);
        ::close(s);
        return v;
    }();
    const int fd_on = find_tcp_fd(peer_port(a->fd()), listener.port());
    REQUIRE(fd_on >= 0);
    CHECK(sockopt_int(fd_on, SOL_SOCKET, SO_KEEPALIVE) == 1);
    CHECK(sockopt_int(fd_on, IPPROTO_TCP, TCP_KEEPIDLE) == 42);
    CHECK(sockopt_int(fd_on, IPPROTO_TCP, TCP_KEEPCNT) == default_cnt);

    zmx::socket off = make(ctx, zmx::socket_type::client);
    set_int(off, opt_tcp_keepalive, 0);
    off.connect(listener.endpoint());
    auto b = listener.accept();
    REQUIRE(b);
    REQUIRE(b->read_exact(64).has_value());
    const int fd_off = find_tcp_fd(peer_port(b->fd()), listener.port());
    REQUIRE(fd_off >= 0);
    CHECK(sockopt_int(fd_off, SOL_SOCKET, SO_KEEPALIVE) == 0);
}

// ---------------------------------------------------------------------------------------------------
// HELLO_MSG.

TEST_CASE("hello_msg: a CLIENT connecting to a SERVER with HELLO_MSG receives it first", "[liveness][hello]") {
    zmx::context ctx;
    zmx::socket server = make(ctx, zmx::socket_type::server);
    server.set(opt_hello_msg, "hi", 2);
    const std::string ep = bind_any(server);

    for (int i = 0; i < 2; ++i) {  // every connection gets it
        zmx::socket client = make(ctx, zmx::socket_type::client);
        client.connect(ep);
        CHECK(recv_str(client) == "hi");
        send_ok(client, "hello " + std::to_string(i));
        zmx::message m = recv_msg(server);
        CHECK(m.str() == "hello " + std::to_string(i));
        send_to_ok(server, m.routing_id(), "reply");
        CHECK(recv_str(client) == "reply");
    }
}

TEST_CASE("hello_msg: a raw peer sees HELLO_MSG as the first data frame after READY", "[liveness][hello]") {
    zmx::context ctx;
    zmx::socket server = make(ctx, zmx::socket_type::server);
    server.set(opt_hello_msg, "hi", 2);
    const std::string ep = bind_any(server);

    auto raw = zmtp_raw::connect_to(port_of(ep));
    REQUIRE(raw->handshake("CLIENT"));
    auto f = raw->read_frame();
    REQUIRE(f.has_value());
    CHECK(f->first == 0x00);
    CHECK(f->second == bytes{'h', 'i'});
}

TEST_CASE("hello_msg: a CLIENT sends HELLO_MSG before queued messages and again after a reconnect",
          "[liveness][hello]") {
    zmx::context ctx;
    raw_listener listener;
    zmx::socket client = make(ctx, zmx::socket_type::client);
    const std::string hello = "hello from the client";
    client.set(opt_hello_msg, hello.data(), hello.size());
    client.connect(listener.endpoint());
    send_ok(client, "queued");  // before the link is up

    auto first = listener.accept();
    REQUIRE(first);
    REQUIRE(first->handshake("SERVER"));
    auto f1 = first->read_frame();
    REQUIRE(f1.has_value());
    CHECK(body_str(f1->second) == hello);
    auto f2 = first->read_frame();
    REQUIRE(f2.has_value());
    CHECK(body_str(f2->second) == "queued");
    first->close();

    auto second = listener.accept();
    REQUIRE(second);
    REQUIRE(second->handshake("SERVER"));
    auto g1 = second->read_frame();
    REQUIRE(g1.has_value());
    CHECK(body_str(g1->second) == hello);
    send_ok(client, "after the reconnect");
    auto g2 = second->read_frame();
    REQUIRE(g2.has_value());
    CHECK(body_str(g2->second) == "after the reconnect");
}

// ---------------------------------------------------------------------------------------------------
// A failure while input is paused.

TEST_CASE("engine: a reset while input is paused neither spins nor loses what was read", "[liveness][engine]") {
    zmx::context ctx;
    zmx::socket server = make(ctx, zmx::socket_type::server);
    server.set(zmx::sockopt::rcvhwm, 5);
    const std::string ep = bind_any(server);

    auto raw = zmtp_raw::connect_to(port_of(ep));
    REQUIRE(raw->handshake("CLIENT"));
    constexpr int count = 200;
    bytes burst;
    for (int i = 0; i < count; ++i) {
        const bytes f = zmtp_frame("m" + std::to_string(i));
        burst.insert(burst.end(), f.begin(), f.end());
    }
    REQUIRE(raw->write(burst));
    CHECK(recv_str(server) == "m0");  // the engine has read; its pipe fills up again and input pauses
    raw->reset();

    // An error reported while input is paused must not make the I/O thread spin.
    rusage before{};
    rusage after{};
    ::getrusage(RUSAGE_SELF, &before);
    {
        int fds[2];
        REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
        zmtp_raw idle(fds[0]);
        zmtp_raw other(fds[1]);
        CHECK(idle.quiet_for(std::chrono::milliseconds(400)));  // a window in which nothing should run
    }
    ::getrusage(RUSAGE_SELF, &after);
    const auto cpu_us = [](const rusage& r) {
        return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1000000L + r.ru_utime.tv_usec + r.ru_stime.tv_usec;
    };
    CHECK(cpu_us(after) - cpu_us(before) < 200000);

    // Messages read before the reset still arrive, in order.
    server.set(zmx::sockopt::rcvtimeo, 500);
    int next = 1;
    zmx::message m;
    while (server.recv(m).has_value()) {
        CHECK(m.str() == "m" + std::to_string(next));
        ++next;
    }
    CHECK(next > 5);
}
