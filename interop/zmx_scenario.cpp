// zmx_scenario — one end of the scripted interop scenarios (restarts, heartbeats), written against
// zmx's C++ API. interop/libzmq_scenario.c is the same program against the reference libzmq; the two
// must stay in step (the usage, start-up lines, commands and message format are described at the top
// of libzmq_scenario.c). interop/run_scenario.sh drives them.
//
// Usage: zmx_scenario <peer|server|client> <bind|connect> <endpoint>
//                     [--hb-ivl MS] [--hb-timeout MS] [--hb-ttl MS] [--reconnect-ivl MS]
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <zmx/zmx.hpp>

namespace {

constexpr std::array<std::size_t, 10> sizes = {0, 1, 7, 33, 255, 256, 1000, 4096, 65536, 100000};
constexpr std::size_t header = 8;
constexpr long window = 64;
constexpr int timeout_ms = 10000;
constexpr long stream_limit_ms = 20000;
constexpr unsigned watchdog_s = 150;

std::string g_role = "?";
std::string g_mode = "?";
zmx::socket_type g_type = zmx::socket_type::peer;
zmx::socket* g_sock = nullptr;
zmx::socket* g_mon = nullptr;
std::uint32_t g_peer_id = 0;  // driver: the connect_peer id; responder: the sender's id
std::uint32_t g_batch = 0;    // the latest batch tag sent
const auto g_t0 = std::chrono::steady_clock::now();

long long now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - g_t0).count();
}

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "FAIL zmx %s %s: %s\n", g_role.c_str(), g_mode.c_str(), what.c_str());
    std::exit(1);
}

bool is_peer() { return g_type == zmx::socket_type::peer; }
bool is_client() { return g_type == zmx::socket_type::client; }

// ---- messages ----

void put32(std::string& s, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) s.push_back(static_cast<char>((v >> shift) & 0xFF));
}
std::uint32_t get32(const unsigned char* p) {
    return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | std::uint32_t{p[3]};
}
unsigned first_byte(std::uint32_t tag, std::uint32_t seq) {
    return static_cast<unsigned>((std::uint64_t{tag} * 7u + std::uint64_t{seq} * 31u) % 251u);
}

void send_data(std::uint32_t tag, std::uint32_t seq) {
    const std::size_t n = sizes[seq % sizes.size()];
    std::string s;
    s.reserve(header + n);
    put32(s, tag);
    put32(s, seq);
    unsigned v = first_byte(tag, seq);
    for (std::size_t j = 0; j < n; ++j) {
        s.push_back(static_cast<char>(static_cast<unsigned char>(v)));
        if (++v == 251u) v = 0;
    }
    const auto r = is_peer() ? g_sock->send_to(g_peer_id, s) : g_sock->send(s);
    if (!r) fail("send timed out");
}

void send_text(const std::string& text, std::uint32_t rid) {
    const auto r = rid != 0 ? g_sock->send_to(rid, text) : g_sock->send(text);
    if (!r) fail("send timed out");
}

bool is_end(const zmx::message& m) { return m.size() >= 3 && m.str().substr(0, 3) == "END"; }

// Checks a data message's shape and content; returns its tag and sequence number.
void check_data(const zmx::message& m, const std::string& what, std::uint32_t& tag, std::uint32_t& seq) {
    const auto* p = static_cast<const unsigned char*>(m.data());
    const std::size_t size = m.size();
    if (m.more()) fail(what + " has the MORE flag");
    if (size < header) fail(what + ": " + std::to_string(size) + " bytes, no header");
    tag = get32(p);
    seq = get32(p + 4);
    const std::string where = what + " (batch " + std::to_string(tag) + " #" + std::to_string(seq) + ")";
    const std::size_t want = sizes[seq % sizes.size()];
    if (size - header != want)
        fail(where + ": body of " + std::to_string(size - header) + " bytes, expected " + std::to_string(want));
    unsigned v = first_byte(tag, seq);
    for (std::size_t j = 0; j < want; ++j) {
        if (p[header + j] != static_cast<unsigned char>(v)) fail(where + ": wrong byte at offset " + std::to_string(j));
        if (++v == 251u) v = 0;
    }
}

// Receives with the given timeout; false on timeout.
bool recv_within(zmx::message& m, int ms) {
    g_sock->set(zmx::sockopt::rcvtimeo, ms);
    return g_sock->recv(m).has_value();
}

// ---- monitor ----

struct named_event {
    std::uint64_t value;
    const char* name;
};
constexpr std::array<named_event, 16> events = {{
    {zmx::event::connected, "connected"},
    {zmx::event::connect_delayed, "connect_delayed"},
    {zmx::event::connect_retried, "connect_retried"},
    {zmx::event::listening, "listening"},
    {zmx::event::bind_failed, "bind_failed"},
    {zmx::event::accepted, "accepted"},
    {zmx::event::accept_failed, "accept_failed"},
    {zmx::event::closed, "closed"},
    {zmx::event::close_failed, "close_failed"},
    {zmx::event::disconnected, "disconnected"},
    {zmx::event::monitor_stopped, "monitor_stopped"},
    {zmx::event::handshake_failed_no_detail, "handshake_failed_no_detail"},
    {zmx::event::handshake_succeeded, "handshake_succeeded"},
    {zmx::event::handshake_failed_protocol, "handshake_failed_protocol"},
    {zmx::event::handshake_failed_auth, "handshake_failed_auth"},
    {zmx::event::connect_stopped, "connect_stopped"},
}};

std::uint64_t event_by_name(const std::string& name) {
    for (const auto& e : events)
        if (name == e.name) return e.value;
    fail("unknown event name '" + name + "'");
}
const char* event_name(std::uint64_t ev) {
    for (const auto& e : events)
        if (e.value == ev) return e.name;
    return "?";
}

// Reads one monitor event within ms (0: only if one is queued); 0 if none. Logs it.
std::uint64_t next_event(int ms) {
    g_mon->set(zmx::sockopt::rcvtimeo, ms);
    const auto ev = zmx::recv_monitor_event(*g_mon, 1, ms == 0 ? zmx::recv_flags::dontwait : zmx::recv_flags::none);
    if (!ev) return 0;
    std::fprintf(stderr, "event %s value %llu endpoint %s at +%lld ms\n", event_name(ev->event),
                 static_cast<unsigned long long>(ev->value), ev->endpoint.c_str(), now_ms());
    return ev->event;
}

// ---- commands ----

void verify_echo_id(const zmx::message& m, const char* what) {
    if (is_peer() && m.routing_id() != g_peer_id)
        fail(std::string(what) + " has routing id " + std::to_string(m.routing_id()) + ", connect_peer returned " +
             std::to_string(g_peer_id));
}

// Receives one echo of batch `tag`; must be #want. Stale echoes (older batches) are counted.
bool recv_echo(std::uint32_t tag, std::uint32_t want, int ms, long& stale) {
    for (;;) {
        zmx::message m;
        if (!recv_within(m, ms)) return false;
        std::uint32_t t = 0, s = 0;
        check_data(m, "an echo", t, s);
        verify_echo_id(m, "an echo");
        if (t < tag) {
            ++stale;
            continue;
        }
        if (t != tag || s != want)
            fail("expected the echo of batch " + std::to_string(tag) + " #" + std::to_string(want) + ", got batch " +
                 std::to_string(t) + " #" + std::to_string(s));
        return true;
    }
}

void cmd_exchange(long n) {
    const std::uint32_t tag = ++g_batch;
    long sent = 0, got = 0, stale = 0;
    while (got < n) {
        while (sent < n && sent - got < window) send_data(tag, static_cast<std::uint32_t>(sent++));
        if (!recv_echo(tag, static_cast<std::uint32_t>(got), timeout_ms, stale))
            fail("exchange: timed out (" + std::to_string(timeout_ms) + " ms) waiting for the echo of batch " +
                 std::to_string(tag) + " #" + std::to_string(got));
        ++got;
    }
    std::printf("OK exchange %ld batch=%u stale=%ld id=%u\n", n, tag, stale, g_peer_id);
}

void cmd_stream(long k) {
    const std::uint32_t tag = ++g_batch;
    long sent = 0, got = 0, stale = 0;
    const long long deadline = now_ms() + stream_limit_ms;
    for (;;) {
        while (sent - got < window) send_data(tag, static_cast<std::uint32_t>(sent++));
        if (next_event(0) == zmx::event::disconnected) break;
        if (recv_echo(tag, static_cast<std::uint32_t>(got), 20, stale)) {
            if (++got == k) {
                std::printf("STREAMING %ld\n", k);
                std::fflush(stdout);
            }
        }
        if (now_ms() > deadline) fail("stream: no DISCONNECTED event within the limit");
    }
    std::printf("OK stream batch=%u sent=%ld echoed=%ld stale=%ld\n", tag, sent, got, stale);
}

void cmd_end() {
    send_text("END", is_peer() ? g_peer_id : 0);
    for (;;) {
        zmx::message m;
        if (!recv_within(m, timeout_ms)) fail("end: timed out waiting for the END reply");
        if (is_end(m)) {
            verify_echo_id(m, "the END reply");
            std::printf("OK end reply='%s' id=%u\n", std::string(m.str().substr(0, 63)).c_str(), g_peer_id);
            return;
        }
        std::uint32_t t = 0, s = 0;
        check_data(m, "a message before the END reply", t, s);
        if (t >= g_batch) fail("end: an echo of the current batch after the batch was complete");
    }
}

// n < 0: until END.
void cmd_respond(long n) {
    long got = 0;
    for (;;) {
        if (n >= 0 && got == n) break;
        zmx::message m;
        if (!recv_within(m, timeout_ms))
            fail("respond: timed out (" + std::to_string(timeout_ms) + " ms) waiting for message " +
                 std::to_string(got));
        const std::uint32_t rid = m.routing_id();
        if (!is_client()) {
            if (rid == 0) fail("a message with routing id 0");
            if (g_peer_id == 0) g_peer_id = rid;
            else if (rid != g_peer_id)
                fail("message " + std::to_string(got) + " has routing id " + std::to_string(rid) +
                     ", earlier ones had " + std::to_string(g_peer_id));
        }
        if (m.size() < header && is_end(m)) {
            if (n >= 0) fail("respond: END before the count was reached");
            send_text("END " + std::to_string(g_peer_id), is_client() ? 0 : g_peer_id);
            std::printf("OK echo %ld id=%u\n", got, g_peer_id);
            return;
        }
        std::uint32_t t = 0, s = 0;
        check_data(m, "a message", t, s);
        if (!g_sock->send(m)) fail("echo send timed out");  // the message keeps its routing id
        ++got;
    }
    std::printf("OK respond %ld id=%u\n", got, g_peer_id);
}

void cmd_expect_event(const std::string& name, long ms) {
    const std::uint64_t want = event_by_name(name);
    const long long start = now_ms(), deadline = start + ms;
    for (;;) {
        const long long left = deadline - now_ms();
        if (left <= 0) fail("expect_event: no " + name + " event within " + std::to_string(ms) + " ms");
        if (next_event(static_cast<int>(left)) == want) break;
    }
    std::printf("OK expect_event %s after=%lld ms\n", name.c_str(), now_ms() - start);
}

void cmd_expect_no_event(const std::string& name, long ms) {
    const std::uint64_t unwanted = event_by_name(name);
    const long long start = now_ms(), deadline = start + ms;
    long seen = 0;
    for (;;) {
        const long long left = deadline - now_ms();
        const std::uint64_t ev = next_event(left > 0 ? static_cast<int>(left) : 0);  // 0 ms: only what is queued
        if (ev == 0) break;
        ++seen;
        if (ev == unwanted)
            fail("expect_no_event: " + name + " after " + std::to_string(now_ms() - start) + " ms of " +
                 std::to_string(ms));
    }
    std::printf("OK expect_no_event %s %ld ms (%ld other events)\n", name.c_str(), ms, seen);
}

[[noreturn]] void usage() {
    std::fprintf(stderr, "usage: zmx_scenario <peer|server|client> <bind|connect> <endpoint> [--hb-ivl MS] "
                         "[--hb-timeout MS] [--hb-ttl MS] [--reconnect-ivl MS]\n");
    std::exit(2);
}

int run(int argc, char** argv) {
    if (argc < 4) usage();
    g_role = argv[1];
    g_mode = argv[2];
    const std::string endpoint = argv[3];
    ::alarm(watchdog_s);

    if (g_role == "peer") g_type = zmx::socket_type::peer;
    else if (g_role == "server") g_type = zmx::socket_type::server;
    else if (g_role == "client") g_type = zmx::socket_type::client;
    else usage();
    bool binding = false;
    if (g_mode == "bind") binding = true;
    else if (g_mode != "connect") usage();

    zmx::context ctx;
    zmx::socket s(ctx, g_type);
    g_sock = &s;
    s.set(zmx::sockopt::sndtimeo, timeout_ms);
    s.set(zmx::sockopt::linger, 0);
    for (int i = 4; i < argc; i += 2) {
        if (i + 1 >= argc) usage();
        char* endp = nullptr;
        const long v = std::strtol(argv[i + 1], &endp, 10);
        if (*argv[i + 1] == '\0' || *endp != '\0') usage();
        const std::string_view opt = argv[i];
        const int iv = static_cast<int>(v);
        if (opt == "--hb-ivl") s.set(zmx::sockopt::heartbeat_ivl, iv);
        else if (opt == "--hb-timeout") s.set(zmx::sockopt::heartbeat_timeout, iv);
        else if (opt == "--hb-ttl") s.set(zmx::sockopt::heartbeat_ttl, iv);
        else if (opt == "--reconnect-ivl") s.set(zmx::sockopt::reconnect_ivl, iv);
        else usage();
        std::fprintf(stderr, "option %s %ld\n", argv[i], v);
    }

    s.monitor("inproc://scenario-monitor", zmx::event::all);
    zmx::socket mon(ctx, zmx::socket_type::pair);
    g_mon = &mon;
    mon.set(zmx::sockopt::linger, 0);
    mon.connect("inproc://scenario-monitor");

    if (binding) {
        s.bind(endpoint);
        std::printf("ENDPOINT %s\n", s.get(zmx::sockopt::last_endpoint).c_str());
    } else {
        if (is_peer()) {
            g_peer_id = s.connect_peer(endpoint);
            if (g_peer_id == 0) fail("connect_peer returned 0");
        } else {
            s.connect(endpoint);
        }
        std::printf("CONNECTING %s %u\n", endpoint.c_str(), g_peer_id);
    }
    std::fflush(stdout);

    std::string line;
    while (std::getline(std::cin, line)) {
        std::fprintf(stderr, "command: %s\n", line.c_str());
        std::istringstream in(line);
        std::string cmd, arg1;
        long n = 0;
        in >> cmd;
        if (cmd.empty()) continue;
        const bool has1 = static_cast<bool>(in >> arg1);
        const bool has2 = has1 && static_cast<bool>(in >> n);
        const long a1 = has1 ? std::strtol(arg1.c_str(), nullptr, 10) : 0;
        if (cmd == "exchange" && has1) cmd_exchange(a1);
        else if (cmd == "stream" && has1) cmd_stream(a1);
        else if (cmd == "end") cmd_end();
        else if (cmd == "respond" && has1) cmd_respond(a1);
        else if (cmd == "echo") cmd_respond(-1);
        else if (cmd == "expect_event" && has2) cmd_expect_event(arg1, n);
        else if (cmd == "expect_no_event" && has2) cmd_expect_no_event(arg1, n);
        else if (cmd == "quit") {
            s.close();
            mon.close();
            ctx.close();
            std::printf("OK quit\n");
            std::fflush(stdout);
            return 0;
        } else {
            fail("bad command: " + line);
        }
        std::fflush(stdout);
    }
    fail("end of input before quit");
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const zmx::error& e) {
        std::fprintf(stderr, "FAIL zmx %s %s: zmx::error %d: %s\n", g_role.c_str(), g_mode.c_str(), e.num(),
                     e.what());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "FAIL zmx %s %s: exception: %s\n", g_role.c_str(), g_mode.c_str(), e.what());
    }
    return 1;
}
