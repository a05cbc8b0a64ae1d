/* libzmq_scenario — one end of the scripted interop scenarios (restarts, heartbeats), written against
 * the reference libzmq (draft API). interop/zmx_scenario.cpp is the same program against zmx's C++
 * API; the two must stay in step. interop/run_scenario.sh drives them.
 *
 * Usage: libzmq_scenario <peer|server|client> <bind|connect> <endpoint>
 *                        [--hb-ivl MS] [--hb-timeout MS] [--hb-ttl MS] [--reconnect-ivl MS]
 *
 * Start-up: the socket gets the options, a monitor (every event, read through an inproc PAIR), then
 * binds and prints "ENDPOINT <last_endpoint>", or connects and prints "CONNECTING <endpoint> <id>"
 * (PEER: the id zmq_connect_peer returned; otherwise 0). Every monitor event is logged on stderr.
 *
 * Then it reads one command per line on stdin and answers each with exactly one "OK <command> ..."
 * line on stdout (plus, for stream, one "STREAMING" progress line before it). Any failure prints
 * "FAIL ..." on stderr and exits 1; end of input exits 1 too. Commands:
 *   exchange N      driver: sends batch b = N new messages (window WINDOW) and receives their N echoes
 *                   in order, each checked (content; PEER: routing id == the connect_peer id). Echoes
 *                   of earlier batches (left over from a connection that broke) are checked for
 *                   content and counted as stale, nothing more.
 *   stream K        driver: sends a new batch without end, receiving echoes in order, and prints
 *                   "STREAMING K" once K echoes are back; ends ("OK stream ...") at the first
 *                   DISCONNECTED monitor event. FAIL if none within STREAM_LIMIT_MS.
 *   end             driver: sends "END", waits for "END <id the responder uses for us>".
 *   respond N       responder: receives N messages and echoes each to its sender (the routing id is
 *                   checked: non-zero and the same for all, for PEER/SERVER).
 *   echo            responder: echoes every message until "END", which it answers "END <id>".
 *   expect_event E MS      waits up to MS ms for monitor event E (others are skipped); FAIL if none.
 *   expect_no_event E MS   watches the monitor for MS ms (0: only the events already queued);
 *                          FAIL if E shows up.
 *   quit            closes everything and exits 0.
 * Messages: an 8-byte header (batch tag, sequence number; big-endian u32 each), then a body of
 * SIZES[seq % N] bytes, byte j = (tag*7 + seq*31 + j) % 251. "END" messages are 3+ bytes, no header.
 * Every receive waits at most TIMEOUT_MS. A watchdog alarm ends a forgotten process.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef ZMQ_BUILD_DRAFT_API
#define ZMQ_BUILD_DRAFT_API
#endif
#include <zmq.h>

#if ZMQ_VERSION < ZMQ_MAKE_VERSION(4, 3, 0)
#error "reference libzmq must be 4.3.x or later"
#endif

static const size_t SIZES[] = {0, 1, 7, 33, 255, 256, 1000, 4096, 65536, 100000};
#define N_SIZES (sizeof SIZES / sizeof SIZES[0])
#define HEADER 8
#define WINDOW 64
#define TIMEOUT_MS 10000
#define STREAM_LIMIT_MS 20000
#define WATCHDOG_S 150

static const char *g_role = "?";
static const char *g_mode = "?";
static void *g_sock;
static void *g_mon;
static int g_type;
static uint32_t g_peer_id;     /* driver: the connect_peer id; responder: the sender's id */
static uint32_t g_batch;       /* the latest batch tag sent */
static long long g_t0;

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void fail(const char *what) {
    fprintf(stderr, "FAIL libzmq %s %s: %s\n", g_role, g_mode, what);
    exit(1);
}
static void fail_zmq(const char *what) {
    fprintf(stderr, "FAIL libzmq %s %s: %s: %s (errno %d)\n", g_role, g_mode, what, zmq_strerror(zmq_errno()),
            zmq_errno());
    exit(1);
}

static void set_int(void *s, int opt, int v, const char *name) {
    if (zmq_setsockopt(s, opt, &v, sizeof v) != 0) fail_zmq(name);
}

/* ---- messages ---- */

static void put32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}
static uint32_t get32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}
static unsigned first_byte(uint32_t tag, uint32_t seq) {
    return (unsigned)(((uint64_t)tag * 7u + (uint64_t)seq * 31u) % 251u);
}

static void send_data(uint32_t tag, uint32_t seq) {
    size_t n = SIZES[seq % N_SIZES];
    zmq_msg_t m;
    if (zmq_msg_init_size(&m, HEADER + n) != 0) fail_zmq("zmq_msg_init_size");
    unsigned char *p = (unsigned char *)zmq_msg_data(&m);
    put32(p, tag);
    put32(p + 4, seq);
    unsigned v = first_byte(tag, seq);
    for (size_t j = 0; j < n; ++j) {
        p[HEADER + j] = (unsigned char)v;
        if (++v == 251u) v = 0;
    }
    if (g_type == ZMQ_PEER && zmq_msg_set_routing_id(&m, g_peer_id) != 0) fail_zmq("zmq_msg_set_routing_id");
    if (zmq_msg_send(&m, g_sock, 0) < 0) {
        zmq_msg_close(&m);
        if (zmq_errno() == EAGAIN) fail("send timed out");
        fail_zmq("send");
    }
}

static void send_text(const char *text, uint32_t rid) {
    zmq_msg_t m;
    size_t n = strlen(text);
    if (zmq_msg_init_size(&m, n) != 0) fail_zmq("zmq_msg_init_size");
    memcpy(zmq_msg_data(&m), text, n);
    if (rid != 0 && zmq_msg_set_routing_id(&m, rid) != 0) fail_zmq("zmq_msg_set_routing_id");
    if (zmq_msg_send(&m, g_sock, 0) < 0) {
        zmq_msg_close(&m);
        fail_zmq("send");
    }
}

static int is_end(zmq_msg_t *m) { return zmq_msg_size(m) >= 3 && memcmp(zmq_msg_data(m), "END", 3) == 0; }

/* Checks a data message's shape and content; returns its tag and sequence number. */
static void check_data(zmq_msg_t *m, const char *what, uint32_t *tag, uint32_t *seq) {
    char buf[256];
    const unsigned char *p = (const unsigned char *)zmq_msg_data(m);
    size_t size = zmq_msg_size(m);
    if (zmq_msg_more(m)) {
        snprintf(buf, sizeof buf, "%s has the MORE flag", what);
        fail(buf);
    }
    if (size < HEADER) {
        snprintf(buf, sizeof buf, "%s: %zu bytes, no header", what, size);
        fail(buf);
    }
    *tag = get32(p);
    *seq = get32(p + 4);
    size_t want = SIZES[*seq % N_SIZES];
    if (size - HEADER != want) {
        snprintf(buf, sizeof buf, "%s (batch %u #%u): body of %zu bytes, expected %zu", what, *tag, *seq,
                 size - HEADER, want);
        fail(buf);
    }
    unsigned v = first_byte(*tag, *seq);
    for (size_t j = 0; j < want; ++j) {
        if (p[HEADER + j] != (unsigned char)v) {
            snprintf(buf, sizeof buf, "%s (batch %u #%u, %zu bytes): wrong byte at offset %zu", what, *tag,
                     *seq, want, j);
            fail(buf);
        }
        if (++v == 251u) v = 0;
    }
}

/* Receives with the given timeout; returns 0 on timeout. */
static int recv_within(zmq_msg_t *m, int ms) {
    set_int(g_sock, ZMQ_RCVTIMEO, ms, "ZMQ_RCVTIMEO");
    if (zmq_msg_recv(m, g_sock, 0) < 0) {
        if (zmq_errno() == EAGAIN) return 0;
        fail_zmq("recv");
    }
    return 1;
}

/* ---- monitor ---- */

static const struct {
    uint64_t value;
    const char *name;
} EVENTS[] = {
    {ZMQ_EVENT_CONNECTED, "connected"},
    {ZMQ_EVENT_CONNECT_DELAYED, "connect_delayed"},
    {ZMQ_EVENT_CONNECT_RETRIED, "connect_retried"},
    {ZMQ_EVENT_LISTENING, "listening"},
    {ZMQ_EVENT_BIND_FAILED, "bind_failed"},
    {ZMQ_EVENT_ACCEPTED, "accepted"},
    {ZMQ_EVENT_ACCEPT_FAILED, "accept_failed"},
    {ZMQ_EVENT_CLOSED, "closed"},
    {ZMQ_EVENT_CLOSE_FAILED, "close_failed"},
    {ZMQ_EVENT_DISCONNECTED, "disconnected"},
    {ZMQ_EVENT_MONITOR_STOPPED, "monitor_stopped"},
    {ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, "handshake_failed_no_detail"},
    {ZMQ_EVENT_HANDSHAKE_SUCCEEDED, "handshake_succeeded"},
    {ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, "handshake_failed_protocol"},
    {ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, "handshake_failed_auth"},
};
#define N_EVENTS (sizeof EVENTS / sizeof EVENTS[0])

static uint64_t event_by_name(const char *name) {
    for (size_t i = 0; i < N_EVENTS; ++i)
        if (strcmp(EVENTS[i].name, name) == 0) return EVENTS[i].value;
    char buf[128];
    snprintf(buf, sizeof buf, "unknown event name '%s'", name);
    fail(buf);
    return 0;
}
static const char *event_name(uint64_t ev) {
    for (size_t i = 0; i < N_EVENTS; ++i)
        if (EVENTS[i].value == ev) return EVENTS[i].name;
    return "?";
}

/* Reads one monitor event within ms (0: only if one is queued); returns 0 if none. Logs it. */
static uint64_t next_event(int ms) {
    set_int(g_mon, ZMQ_RCVTIMEO, ms, "monitor ZMQ_RCVTIMEO");
    zmq_msg_t f1, f2;
    zmq_msg_init(&f1);
    if (zmq_msg_recv(&f1, g_mon, ms == 0 ? ZMQ_DONTWAIT : 0) < 0) {
        zmq_msg_close(&f1);
        if (zmq_errno() == EAGAIN) return 0;
        fail_zmq("monitor recv");
    }
    if (zmq_msg_size(&f1) != 6 || !zmq_msg_more(&f1)) fail("malformed monitor event");
    uint16_t ev;
    uint32_t value;
    memcpy(&ev, zmq_msg_data(&f1), 2);
    memcpy(&value, (const char *)zmq_msg_data(&f1) + 2, 4);
    zmq_msg_close(&f1);
    zmq_msg_init(&f2);
    set_int(g_mon, ZMQ_RCVTIMEO, TIMEOUT_MS, "monitor ZMQ_RCVTIMEO");
    if (zmq_msg_recv(&f2, g_mon, 0) < 0) fail_zmq("monitor recv (endpoint)");
    fprintf(stderr, "event %s value %u endpoint %.*s at +%lld ms\n", event_name(ev), value,
            (int)zmq_msg_size(&f2), (const char *)zmq_msg_data(&f2), now_ms() - g_t0);
    zmq_msg_close(&f2);
    return ev;
}

/* ---- commands ---- */

static void verify_echo_id(zmq_msg_t *m, const char *what) {
    if (g_type == ZMQ_PEER && zmq_msg_routing_id(m) != g_peer_id) {
        char buf[160];
        snprintf(buf, sizeof buf, "%s has routing id %u, zmq_connect_peer returned %u", what,
                 zmq_msg_routing_id(m), g_peer_id);
        fail(buf);
    }
}

/* Receives one echo of batch `tag`; must be #want. Stale echoes (older batches) are counted. */
static int recv_echo(uint32_t tag, uint32_t want, int ms, long *stale) {
    char buf[200];
    for (;;) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (!recv_within(&m, ms)) {
            zmq_msg_close(&m);
            return 0;
        }
        uint32_t t, s;
        check_data(&m, "an echo", &t, &s);
        verify_echo_id(&m, "an echo");
        zmq_msg_close(&m);
        if (t < tag) {
            ++*stale;
            continue;
        }
        if (t != tag || s != want) {
            snprintf(buf, sizeof buf, "expected the echo of batch %u #%u, got batch %u #%u", tag, want, t, s);
            fail(buf);
        }
        return 1;
    }
}

static void cmd_exchange(long n) {
    uint32_t tag = ++g_batch;
    long sent = 0, got = 0, stale = 0;
    while (got < n) {
        while (sent < n && sent - got < WINDOW) send_data(tag, (uint32_t)sent++);
        if (!recv_echo(tag, (uint32_t)got, TIMEOUT_MS, &stale)) {
            char buf[160];
            snprintf(buf, sizeof buf, "exchange: timed out (%d ms) waiting for the echo of batch %u #%ld",
                     TIMEOUT_MS, tag, got);
            fail(buf);
        }
        ++got;
    }
    printf("OK exchange %ld batch=%u stale=%ld id=%u\n", n, tag, stale, g_peer_id);
}

static void cmd_stream(long k) {
    uint32_t tag = ++g_batch;
    long sent = 0, got = 0, stale = 0;
    long long deadline = now_ms() + STREAM_LIMIT_MS;
    for (;;) {
        while (sent - got < WINDOW) send_data(tag, (uint32_t)sent++);
        uint64_t ev = next_event(0);
        if (ev == ZMQ_EVENT_DISCONNECTED) break;
        if (recv_echo(tag, (uint32_t)got, 20, &stale)) {
            if (++got == k) {
                printf("STREAMING %ld\n", k);
                fflush(stdout);
            }
        }
        if (now_ms() > deadline) fail("stream: no DISCONNECTED event within the limit");
    }
    printf("OK stream batch=%u sent=%ld echoed=%ld stale=%ld\n", tag, sent, got, stale);
}

static void cmd_end(void) {
    send_text("END", g_type == ZMQ_PEER ? g_peer_id : 0);
    for (;;) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (!recv_within(&m, TIMEOUT_MS)) fail("end: timed out waiting for the END reply");
        if (is_end(&m)) {
            char text[64];
            size_t n = zmq_msg_size(&m) < sizeof text - 1 ? zmq_msg_size(&m) : sizeof text - 1;
            memcpy(text, zmq_msg_data(&m), n);
            text[n] = '\0';
            verify_echo_id(&m, "the END reply");
            zmq_msg_close(&m);
            printf("OK end reply='%s' id=%u\n", text, g_peer_id);
            return;
        }
        uint32_t t, s;
        check_data(&m, "a message before the END reply", &t, &s);
        zmq_msg_close(&m);
        if (t >= g_batch) fail("end: an echo of the current batch after the batch was complete");
    }
}

/* n < 0: until END. */
static void cmd_respond(long n) {
    long got = 0;
    char buf[200];
    for (;;) {
        if (n >= 0 && got == n) break;
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (!recv_within(&m, TIMEOUT_MS)) {
            snprintf(buf, sizeof buf, "respond: timed out (%d ms) waiting for message %ld", TIMEOUT_MS, got);
            fail(buf);
        }
        uint32_t rid = zmq_msg_routing_id(&m);
        if (g_type != ZMQ_CLIENT) {
            if (rid == 0) fail("a message with routing id 0");
            if (g_peer_id == 0) g_peer_id = rid;
            else if (rid != g_peer_id) {
                snprintf(buf, sizeof buf, "message %ld has routing id %u, earlier ones had %u", got, rid,
                         g_peer_id);
                fail(buf);
            }
        }
        if (zmq_msg_size(&m) < HEADER && is_end(&m)) {
            zmq_msg_close(&m);
            if (n >= 0) fail("respond: END before the count was reached");
            snprintf(buf, sizeof buf, "END %u", g_peer_id);
            send_text(buf, g_type == ZMQ_CLIENT ? 0 : g_peer_id);
            printf("OK echo %ld id=%u\n", got, g_peer_id);
            return;
        }
        uint32_t t, s;
        check_data(&m, "a message", &t, &s);
        if (zmq_msg_send(&m, g_sock, 0) < 0) fail_zmq("echo send");
        ++got;
    }
    printf("OK respond %ld id=%u\n", got, g_peer_id);
}

static void cmd_expect_event(const char *name, long ms) {
    uint64_t want = event_by_name(name);
    long long start = now_ms(), deadline = start + ms;
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0) {
            char buf[128];
            snprintf(buf, sizeof buf, "expect_event: no %s event within %ld ms", name, ms);
            fail(buf);
        }
        if (next_event((int)left) == want) break;
    }
    printf("OK expect_event %s after=%lld ms\n", name, now_ms() - start);
}

static void cmd_expect_no_event(const char *name, long ms) {
    uint64_t unwanted = event_by_name(name);
    long long start = now_ms(), deadline = start + ms;
    long seen = 0;
    for (;;) {
        long long left = deadline - now_ms();
        uint64_t ev = next_event(left > 0 ? (int)left : 0); /* 0 ms: only what is queued */
        if (ev == 0) break;
        ++seen;
        if (ev == unwanted) {
            char buf[128];
            snprintf(buf, sizeof buf, "expect_no_event: %s after %lld ms of %ld", name, now_ms() - start, ms);
            fail(buf);
        }
    }
    printf("OK expect_no_event %s %ld ms (%ld other events)\n", name, ms, seen);
}

static void usage(void) {
    fprintf(stderr, "usage: libzmq_scenario <peer|server|client> <bind|connect> <endpoint> [--hb-ivl MS] "
                    "[--hb-timeout MS] [--hb-ttl MS] [--reconnect-ivl MS]\n");
    exit(2);
}

int main(int argc, char **argv) {
    if (argc < 4) usage();
    g_role = argv[1];
    g_mode = argv[2];
    const char *endpoint = argv[3];
    alarm(WATCHDOG_S);
    g_t0 = now_ms();

    if (strcmp(g_role, "peer") == 0) g_type = ZMQ_PEER;
    else if (strcmp(g_role, "server") == 0) g_type = ZMQ_SERVER;
    else if (strcmp(g_role, "client") == 0) g_type = ZMQ_CLIENT;
    else usage();
    int binding;
    if (strcmp(g_mode, "bind") == 0) binding = 1;
    else if (strcmp(g_mode, "connect") == 0) binding = 0;
    else usage();

    void *ctx = zmq_ctx_new();
    if (!ctx) fail_zmq("zmq_ctx_new");
    g_sock = zmq_socket(ctx, g_type);
    if (!g_sock) fail_zmq("zmq_socket");
    set_int(g_sock, ZMQ_SNDTIMEO, TIMEOUT_MS, "ZMQ_SNDTIMEO");
    set_int(g_sock, ZMQ_LINGER, 0, "ZMQ_LINGER");
    for (int i = 4; i < argc; i += 2) {
        if (i + 1 >= argc) usage();
        char *endp = NULL;
        long v = strtol(argv[i + 1], &endp, 10);
        if (*argv[i + 1] == '\0' || *endp != '\0') usage();
        if (strcmp(argv[i], "--hb-ivl") == 0) set_int(g_sock, ZMQ_HEARTBEAT_IVL, (int)v, "ZMQ_HEARTBEAT_IVL");
        else if (strcmp(argv[i], "--hb-timeout") == 0)
            set_int(g_sock, ZMQ_HEARTBEAT_TIMEOUT, (int)v, "ZMQ_HEARTBEAT_TIMEOUT");
        else if (strcmp(argv[i], "--hb-ttl") == 0) set_int(g_sock, ZMQ_HEARTBEAT_TTL, (int)v, "ZMQ_HEARTBEAT_TTL");
        else if (strcmp(argv[i], "--reconnect-ivl") == 0)
            set_int(g_sock, ZMQ_RECONNECT_IVL, (int)v, "ZMQ_RECONNECT_IVL");
        else usage();
        fprintf(stderr, "option %s %ld\n", argv[i], v);
    }

    if (zmq_socket_monitor(g_sock, "inproc://scenario-monitor", ZMQ_EVENT_ALL) != 0) fail_zmq("zmq_socket_monitor");
    g_mon = zmq_socket(ctx, ZMQ_PAIR);
    if (!g_mon) fail_zmq("zmq_socket (monitor)");
    set_int(g_mon, ZMQ_LINGER, 0, "monitor ZMQ_LINGER");
    if (zmq_connect(g_mon, "inproc://scenario-monitor") != 0) fail_zmq("zmq_connect (monitor)");

    if (binding) {
        if (zmq_bind(g_sock, endpoint) != 0) fail_zmq("zmq_bind");
        char ep[1024];
        size_t len = sizeof ep;
        if (zmq_getsockopt(g_sock, ZMQ_LAST_ENDPOINT, ep, &len) != 0) fail_zmq("ZMQ_LAST_ENDPOINT");
        printf("ENDPOINT %s\n", ep);
    } else {
        if (g_type == ZMQ_PEER) {
            g_peer_id = zmq_connect_peer(g_sock, endpoint);
            if (g_peer_id == 0) fail_zmq("zmq_connect_peer returned 0");
        } else if (zmq_connect(g_sock, endpoint) != 0) {
            fail_zmq("zmq_connect");
        }
        printf("CONNECTING %s %u\n", endpoint, g_peer_id);
    }
    fflush(stdout);

    char line[256];
    while (fgets(line, sizeof line, stdin) != NULL) {
        char cmd[64] = "", arg1[64] = "";
        long n = 0;
        int fields = sscanf(line, "%63s %63s %ld", cmd, arg1, &n);
        long a1 = fields >= 2 ? strtol(arg1, NULL, 10) : 0;
        fprintf(stderr, "command: %s", line);
        if (fields < 1) continue;
        if (strcmp(cmd, "exchange") == 0 && fields == 2) cmd_exchange(a1);
        else if (strcmp(cmd, "stream") == 0 && fields == 2) cmd_stream(a1);
        else if (strcmp(cmd, "end") == 0) cmd_end();
        else if (strcmp(cmd, "respond") == 0 && fields == 2) cmd_respond(a1);
        else if (strcmp(cmd, "echo") == 0) cmd_respond(-1);
        else if (strcmp(cmd, "expect_event") == 0 && fields == 3) cmd_expect_event(arg1, n);
        else if (strcmp(cmd, "expect_no_event") == 0 && fields == 3) cmd_expect_no_event(arg1, n);
        else if (strcmp(cmd, "quit") == 0) {
            if (zmq_close(g_sock) != 0) fail_zmq("zmq_close");
            if (zmq_close(g_mon) != 0) fail_zmq("zmq_close (monitor)");
            if (zmq_ctx_term(ctx) != 0) fail_zmq("zmq_ctx_term");
            printf("OK quit\n");
            fflush(stdout);
            return 0;
        } else {
            fprintf(stderr, "FAIL libzmq %s %s: bad command: %s", g_role, g_mode, line);
            return 1;
        }
        fflush(stdout);
    }
    fail("end of input before quit");
    return 1;
}
