// zmx_node — one end of the zmx interop test, written against zmx's C++ API.
// interop/libzmq_node.c is the same program against the reference libzmq; the two must stay in step.
//
// Usage: zmx_node <peer|server|client> <bind|connect> <endpoint> <count>
//
// Protocol (identical in both programs):
//   - The binding side binds, then prints "ENDPOINT <last_endpoint>" on stdout (flushed) before
//     anything else. The connecting side connects (PEER: connect_peer, keeping the returned id).
//   - First-sender rule: the DRIVER is whichever side is CLIENT, or the connecting PEER. The other
//     side (SERVER, or the binding PEER) is the RESPONDER and only ever replies. So in
//     CLIENT(bind) <-> SERVER(connect) the connecting SERVER still waits for the first message.
//   - The driver sends <count> messages; message i has size sizes[i % N] (0 B .. 1 MiB) and byte j
//     equal to (i*31 + j) % 251. It keeps at most `window` messages in flight (well under the HWM).
//   - The responder receives each message, checks its size and content, checks the routing id is
//     non-zero and the same for every message, and echoes it back to that routing id.
//   - The driver checks each echo's content and, for PEER, that its routing id equals the id
//     connect_peer returned.
//   - The driver then sends "END"; the responder answers "END <id it uses for the driver>" and both
//     print "OK <role> <bind|connect>: <count> messages, ..." with the routing ids they saw, exit 0.
//   - Any mismatch, error or 10 s receive/send timeout prints "FAIL ..." on stderr and exits 1.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>
#include <zmx/zmx.hpp>

namespace {

constexpr std::array<std::size_t, 23> sizes = {0,    1,    2,    7,     31,    32,    33,     40,
                                               41,   63,   64,   127,   128,   255,   256,    257,
                                               1000, 4096, 8191, 65535, 65536, 100000, 1048576};
constexpr long window = 100;
constexpr int timeout_ms = 10000;

std::string g_role = "?";
std::string g_mode = "?";

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "FAIL zmx %s %s: %s\n", g_role.c_str(), g_mode.c_str(), what.c_str());
    std::exit(1);
}

std::size_t size_of(long i) { return sizes[static_cast<std::size_t>(i) % sizes.size()]; }

std::string payload(long i) {
    std::string s(size_of(i), '\0');
    unsigned v = static_cast<unsigned>((static_cast<std::uint64_t>(i) * 31u) % 251u);
    for (char& c : s) {
        c = static_cast<char>(static_cast<unsigned char>(v));
        if (++v == 251u) v = 0;
    }
    return s;
}

// Returns the index of the first wrong byte, or n if all are right.
std::size_t check(const unsigned char* p, std::size_t n, long i) {
    unsigned v = static_cast<unsigned>((static_cast<std::uint64_t>(i) * 31u) % 251u);
    for (std::size_t j = 0; j < n; ++j) {
        if (p[j] != static_cast<unsigned char>(v)) return j;
        if (++v == 251u) v = 0;
    }
    return n;
}

void verify(const zmx::message& m, long i, const char* what) {
    const std::size_t want = size_of(i), got = m.size();
    if (m.more()) fail(std::string(what) + " " + std::to_string(i) + " has the MORE flag");
    if (got != want)
        fail(std::string(what) + " " + std::to_string(i) + ": size " + std::to_string(got) + ", expected " +
             std::to_string(want));
    const std::size_t bad = check(static_cast<const unsigned char*>(m.data()), got, i);
    if (bad != got)
        fail(std::string(what) + " " + std::to_string(i) + " (size " + std::to_string(got) +
             "): wrong byte at offset " + std::to_string(bad));
}

void recv_msg(zmx::socket& s, zmx::message& m, const char* what) {
    if (!s.recv(m)) fail("timed out (" + std::to_string(timeout_ms) + " ms) waiting for " + what);
}

// Sends data to routing id rid (0 = plain send).
void send_bytes(zmx::socket& s, std::string_view data, std::uint32_t rid) {
    const auto r = rid != 0 ? s.send_to(rid, data) : s.send(data);
    if (!r) fail("send timed out");
}

bool is_end(const zmx::message& m) { return m.size() >= 3 && m.str().substr(0, 3) == "END"; }

[[noreturn]] void usage() {
    std::fprintf(stderr, "usage: zmx_node <peer|server|client> <bind|connect> <endpoint> <count>\n");
    std::exit(2);
}

int run(int argc, char** argv) {
    if (argc != 5) usage();
    g_role = argv[1];
    g_mode = argv[2];
    const std::string endpoint = argv[3];
    char* endp = nullptr;
    const long count = std::strtol(argv[4], &endp, 10);
    if (*argv[4] == '\0' || *endp != '\0' || count < 0) usage();

    zmx::socket_type type;
    if (g_role == "peer") type = zmx::socket_type::peer;
    else if (g_role == "server") type = zmx::socket_type::server;
    else if (g_role == "client") type = zmx::socket_type::client;
    else usage();
    bool binding = false;
    if (g_mode == "bind") binding = true;
    else if (g_mode != "connect") usage();
    const bool is_peer = type == zmx::socket_type::peer;
    const bool is_client = type == zmx::socket_type::client;
    const bool driver = is_client || (is_peer && !binding);

    zmx::context ctx;
    zmx::socket s(ctx, type);
    s.set(zmx::sockopt::rcvtimeo, timeout_ms);
    s.set(zmx::sockopt::sndtimeo, timeout_ms);
    s.set(zmx::sockopt::linger, 2000);

    std::uint32_t my_id_for_peer = 0;  // the routing id this side uses to address the other side
    if (binding) {
        s.bind(endpoint);
        const std::string ep = s.get(zmx::sockopt::last_endpoint);
        std::printf("ENDPOINT %s\n", ep.c_str());
        std::fflush(stdout);
    } else if (is_peer) {
        my_id_for_peer = s.connect_peer(endpoint);
        if (my_id_for_peer == 0) fail("connect_peer returned 0");
    } else {
        s.connect(endpoint);
    }

    if (driver) {
        long sent = 0, got = 0;
        while (got < count) {
            while (sent < count && sent - got < window) send_bytes(s, payload(sent++), my_id_for_peer);
            zmx::message m;
            recv_msg(s, m, "an echo");
            verify(m, got, "echo");
            if (is_peer && m.routing_id() != my_id_for_peer)
                fail("echo " + std::to_string(got) + " has routing id " + std::to_string(m.routing_id()) +
                     ", connect_peer returned " + std::to_string(my_id_for_peer));
            ++got;
        }
        send_bytes(s, "END", my_id_for_peer);
        zmx::message m;
        recv_msg(s, m, "the END reply");
        if (!is_end(m)) fail("expected the END reply, got " + std::to_string(m.size()) + " bytes");
        const std::string reply(m.str().substr(0, 63));
        const std::string assigned = reply.size() > 4 && reply[3] == ' ' ? reply.substr(4) : "none";
        if (is_peer)
            std::printf("OK zmx %s %s: %ld messages, my id for peer = %u, peer-assigned id = %s\n",
                        g_role.c_str(), g_mode.c_str(), count, my_id_for_peer, assigned.c_str());
        else
            std::printf("OK zmx %s %s: %ld messages, my id for peer = none (CLIENT), peer-assigned id = %s\n",
                        g_role.c_str(), g_mode.c_str(), count, assigned.c_str());
    } else {
        long got = 0;
        for (;;) {
            zmx::message m;
            recv_msg(s, m, got < count ? "a message" : "END");
            const std::uint32_t rid = m.routing_id();
            if (!is_client) {
                if (rid == 0) fail("received a message with routing id 0");
                if (my_id_for_peer == 0) my_id_for_peer = rid;
                else if (rid != my_id_for_peer)
                    fail("message " + std::to_string(got) + " has routing id " + std::to_string(rid) +
                         ", earlier ones had " + std::to_string(my_id_for_peer));
            }
            if (got == count) {
                if (m.size() != 3 || !is_end(m))
                    fail("expected END after " + std::to_string(count) + " messages, got " +
                         std::to_string(m.size()) + " bytes");
                send_bytes(s, "END " + std::to_string(my_id_for_peer), my_id_for_peer);
                break;
            }
            verify(m, got, "message");
            // echo the message object itself (routing id set as libzmq's zmq_msg_send uses it; driver
            // messages go through send_to, so both paths are covered). CLIENT: plain send.
            if (!is_client) m.set_routing_id(my_id_for_peer);
            if (!s.send(m)) fail("echo send timed out");
            ++got;
        }
        if (is_client)
            std::printf("OK zmx %s %s: %ld messages, my id for peer = none (CLIENT)\n", g_role.c_str(),
                        g_mode.c_str(), count);
        else
            std::printf("OK zmx %s %s: %ld messages, my id for peer = %u\n", g_role.c_str(), g_mode.c_str(),
                        count, my_id_for_peer);
    }
    std::fflush(stdout);
    s.close();
    ctx.close();
    return 0;
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
