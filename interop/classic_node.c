/* classic_node — one end of the interop test of the classic socket types (PAIR, PUB/SUB/XPUB/XSUB,
 * REQ/REP/DEALER/ROUTER, PUSH/PULL, STREAM) against the real libzmq. Owner: the interop helper.
 *
 * ONE program, written against zmq.h only, built twice (interop/CMakeLists.txt): classic_node_libzmq
 * against the reference libzmq 4.3.4 and classic_node_zmx against zmx's include/zmq.h and libzmx (so
 * it also proves the C drop-in). Single-threaded; one socket per process (plus a monitor for "pub").
 *
 * Usage: classic_node <role> <bind|connect> <endpoint> <count> <peer-role> [topics=<len>,<len>...]
 *   role: pair pub xpub sub xsub req rep dealer router push pull stream tcpraw ("tcpraw" is a plain
 *   POSIX TCP socket, no zmq). The binder prints "ENDPOINT <last endpoint>" first (run_pair.sh reads
 *   it); every role prints "OK ..." on success and exits 0; any mismatch, error or 10 s timeout prints
 *   "FAIL ..." on stderr and exits 1.
 *
 * Messages: message i is a header frame then 1 + i%3 body parts; part p has SIZES[(5i+3p) % N] bytes
 * (0 B .. 1 MiB) of a pattern seeded by (4i+p). Every receiver checks frame counts, sizes, bytes, order.
 *   pair     the connector sends <count> messages ["H i -"][parts] (at most WINDOW in flight), the
 *            binder checks and echoes each; then "END" -> "END-OK".
 *   push     sends <count> messages then "END"; pull checks them in order.
 *   requester (req; dealer; the connecting router of router/router; the connecting dealer of
 *            dealer/dealer) sends ["H i <own id>"][parts] behind the envelope its type needs (dealer to
 *            rep: an empty delimiter; router: the peer's id = its ZMQ_CONNECT_ROUTING_ID), the
 *            replier answers ["R i"][the parts in reverse order]; REQ keeps one request in flight,
 *            the others WINDOW. A ROUTER replier checks the envelope: the id frame is the same for
 *            every request and is exactly the id the requester declares in its header (dealer:
 *            ZMQ_ROUTING_ID "dealer-<pid>", router: "rc-<pid>"), or a libzmq-style auto id (5 bytes,
 *            first 0) for REQ; REQ's empty delimiter is there. "END" -> "END-OK" ends the exchange.
 *   publisher / subscriber: the universe of topics is T5 T246 T250 T255 T256 T300 (a topic of that
 *            many bytes, "T<len>." then letters), "T5" (a prefix of T5's topic, not a match) and
 *            "U-unrelated". Each round publishes [topic]["P <round> <topic index>"] for all 8. The
 *            subscriber subscribes to the topics= lengths (default 5,250,300): SUB with ZMQ_SUBSCRIBE,
 *            XSUB by sending 0x01|topic messages. It must receive only those topics, each with
 *            consecutive rounds, in publishing order; it is done once each has <count> rounds.
 *            "xpub" first receives exactly the expected subscription messages, then publishes rounds
 *            0..count-1 (the subscriber then checks that it got all of them from round 0) and closes.
 *            "pub" cannot know when subscriptions arrive: it publishes a round every millisecond
 *            until the subscriber disconnects (seen on its socket monitor) and then exits OK.
 *   stream / tcpraw: raw bytes. The connector sends chunks 0..count-1 (SIZES, empty ones skipped)
 *            of one byte stream, the binder echoes every byte it reads; the connector checks the echo,
 *            then closes (STREAM: [id][""]); the binder checks it got every byte and sees the
 *            close (STREAM: the [id][""] disconnect notification). STREAM also checks the [id][""]
 *            connect notification. A STREAM binder against a STREAM connector is raw TCP on both ends.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#ifndef CLASSIC_NODE_IMPL
#error "build with -DCLASSIC_NODE_IMPL=\"libzmq\" or \"zmx\""
#endif

static const size_t SIZES[] = {0,    1,    2,     7,     31,    32,     33,     40,
                               41,   63,   64,    127,   128,   255,    256,    257,
                               1000, 4096, 8191,  65535, 65536, 100000, 1048576};
#define N_SIZES (sizeof SIZES / sizeof SIZES[0])
#define WINDOW 20
#define TIMEOUT_MS 10000
#define LINGER_MS 10000
#define MAXF 8
#define STREAM_WINDOW_BYTES (2u << 20)

static const char *g_role = "?";
static const char *g_mode = "?";

/* ---- failures -------------------------------------------------------------------------------- */

__attribute__((noreturn, format(printf, 1, 2))) static void fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "FAIL %s %s %s: ", CLASSIC_NODE_IMPL, g_role, g_mode);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

__attribute__((noreturn)) static void fail_zmq(const char *what) {
    int e = zmq_errno();
    if (e == EAGAIN) fail("%s: timed out (%d ms)", what, TIMEOUT_MS);
    fail("%s: %s (errno %d)", what, zmq_strerror(e), e);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- payload patterns ------------------------------------------------------------------------ */

static int n_parts(long i) { return 1 + (int)(i % 3); }
static size_t part_size(long i, int p) { return SIZES[(size_t)(i * 5 + p * 3) % N_SIZES]; }
static unsigned part_seed(long i, int p) { return (unsigned)((i * 4 + p) % 251); }

static void fill(unsigned char *d, size_t n, unsigned v) {
    for (size_t j = 0; j < n; ++j) {
        d[j] = (unsigned char)v;
        if (++v == 251u) v = 0;
    }
}
/* The index of the first wrong byte, or n. */
static size_t check_fill(const unsigned char *d, size_t n, unsigned v) {
    for (size_t j = 0; j < n; ++j) {
        if (d[j] != (unsigned char)v) return j;
        if (++v == 251u) v = 0;
    }
    return n;
}

/* Byte k of a raw (STREAM/tcpraw) byte stream. */
static unsigned char stream_byte(uint64_t k) { return (unsigned char)((k * 2654435761u) >> 13); }

/* ---- frames ---------------------------------------------------------------------------------- */

typedef struct {
    zmq_msg_t f[MAXF];
    int n;
} frames_t;

static size_t fsize(frames_t *m, int k) { return zmq_msg_size(&m->f[k]); }
static const unsigned char *fdata(frames_t *m, int k) { return (const unsigned char *)zmq_msg_data(&m->f[k]); }
static int frame_eq(frames_t *m, int k, const void *d, size_t n) {
    return k < m->n && fsize(m, k) == n && (n == 0 || memcmp(fdata(m, k), d, n) == 0);
}
static int frame_is(frames_t *m, int k, const char *s) { return frame_eq(m, k, s, strlen(s)); }

/* A printable view of some bytes for failure messages (static buffer: one call per message). */
static const char *show(const unsigned char *d, size_t n) {
    static char out[2][160];
    static int which;
    char *o = out[which ^= 1];
    size_t w = (size_t)snprintf(o, 160, "%zu B \"", n);
    for (size_t j = 0; j < n && w < 140; ++j)
        w += (size_t)snprintf(o + w, 160 - w, (d[j] >= 32 && d[j] < 127 && d[j] != '"') ? "%c" : "\\x%02x", d[j]);
    snprintf(o + w, 160 - w, n > 0 && w >= 140 ? "\"..." : "\"");
    return o;
}
static const char *show_frame(frames_t *m, int k) { return k < m->n ? show(fdata(m, k), fsize(m, k)) : "(missing)"; }

static void recv_frames(void *s, frames_t *m, const char *what) {
    m->n = 0;
    for (;;) {
        if (m->n == MAXF) fail("%s: more than %d frames", what, MAXF);
        zmq_msg_t *f = &m->f[m->n];
        zmq_msg_init(f);
        if (zmq_msg_recv(f, s, 0) < 0) fail_zmq(what);
        m->n++;
        if (!zmq_msg_more(f)) break;
    }
}
static void close_frames(frames_t *m) {
    for (int k = 0; k < m->n; ++k) zmq_msg_close(&m->f[k]);
    m->n = 0;
}

static void send_buf(void *s, const void *d, size_t n, int more, const char *what) {
    zmq_msg_t m;
    if (zmq_msg_init_size(&m, n) != 0) fail_zmq("zmq_msg_init_size");
    if (n) memcpy(zmq_msg_data(&m), d, n);
    if (zmq_msg_send(&m, s, more ? ZMQ_SNDMORE : 0) < 0) {
        zmq_msg_close(&m);
        fail_zmq(what);
    }
}
static void send_str(void *s, const char *str, int more, const char *what) {
    send_buf(s, str, strlen(str), more, what);
}

/* Sends the body parts of message i (in reverse order if asked); the last one has MORE if more. */
static void send_parts(void *s, long i, int reversed, int more) {
    const int n = n_parts(i);
    for (int k = 0; k < n; ++k) {
        const int p = reversed ? n - 1 - k : k;
        zmq_msg_t m;
        if (zmq_msg_init_size(&m, part_size(i, p)) != 0) fail_zmq("zmq_msg_init_size");
        fill((unsigned char *)zmq_msg_data(&m), part_size(i, p), part_seed(i, p));
        if (zmq_msg_send(&m, s, (k < n - 1 || more) ? ZMQ_SNDMORE : 0) < 0) {
            zmq_msg_close(&m);
            fail_zmq("send a body part");
        }
    }
}

/* Checks that frames first.. are exactly the body parts of message i (reversed if asked). */
static void check_parts(frames_t *m, int first, long i, int reversed, const char *what) {
    const int n = n_parts(i);
    if (m->n - first != n) fail("%s %ld: %d body parts, expected %d", what, i, m->n - first, n);
    for (int k = 0; k < n; ++k) {
        const int p = reversed ? n - 1 - k : k;
        const size_t want = part_size(i, p), got = fsize(m, first + k);
        if (got != want) fail("%s %ld part %d: %zu bytes, expected %zu", what, i, p, got, want);
        const size_t bad = check_fill(fdata(m, first + k), got, part_seed(i, p));
        if (bad != got) fail("%s %ld part %d (%zu B): wrong byte at offset %zu", what, i, p, got, bad);
    }
}

/* Parses header frame k "<tag> <index> [<id>]"; fails unless the tag and index are the expected. */
static void check_header(frames_t *m, int k, char tag, long want, char *id_out, size_t id_cap, const char *what) {
    char buf[128], id[100] = "";
    long got = -1;
    char t = 0;
    if (k >= m->n || fsize(m, k) >= sizeof buf) fail("%s %ld: bad header frame %s", what, want, show_frame(m, k));
    memcpy(buf, fdata(m, k), fsize(m, k));
    buf[fsize(m, k)] = '\0';
    if (sscanf(buf, "%c %ld %99s", &t, &got, id) < 2 || t != tag || got != want)
        fail("%s: expected header \"%c %ld ...\", got %s", what, tag, want, show_frame(m, k));
    if (id_out) snprintf(id_out, id_cap, "%s", id);
}

/* ---- sockets --------------------------------------------------------------------------------- */

static void set_int(void *s, int opt, int v, const char *name) {
    if (zmq_setsockopt(s, opt, &v, sizeof v) != 0) fail_zmq(name);
}

static void *open_socket(void *ctx, int type) {
    void *s = zmq_socket(ctx, type);
    if (!s) fail_zmq("zmq_socket");
    set_int(s, ZMQ_RCVTIMEO, TIMEOUT_MS, "ZMQ_RCVTIMEO");
    set_int(s, ZMQ_SNDTIMEO, TIMEOUT_MS, "ZMQ_SNDTIMEO");
    set_int(s, ZMQ_LINGER, LINGER_MS, "ZMQ_LINGER");
    return s;
}

static void print_endpoint(const char *ep) {
    printf("ENDPOINT %s\n", ep);
    fflush(stdout);
}

static void attach(void *s, int binding, const char *endpoint) {
    if (binding) {
        if (zmq_bind(s, endpoint) != 0) fail_zmq("zmq_bind");
        char ep[1024];
        size_t len = sizeof ep;
        if (zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, ep, &len) != 0) fail_zmq("ZMQ_LAST_ENDPOINT");
        print_endpoint(ep);
    } else if (zmq_connect(s, endpoint) != 0) {
        fail_zmq("zmq_connect");
    }
}

/* ---- PAIR ------------------------------------------------------------------------------------ */

static void run_pair(void *s, int binding, long count) {
    frames_t m;
    char hdr[64];
    if (!binding) {
        long sent = 0, got = 0;
        while (got < count) {
            while (sent < count && sent - got < WINDOW) {
                snprintf(hdr, sizeof hdr, "H %ld -", sent);
                send_str(s, hdr, 1, "send a header");
                send_parts(s, sent++, 0, 0);
            }
            recv_frames(s, &m, "an echo");
            check_header(&m, 0, 'H', got, NULL, 0, "echo");
            check_parts(&m, 1, got, 0, "echo");
            close_frames(&m);
            ++got;
        }
        send_str(s, "END", 0, "send END");
        recv_frames(s, &m, "END-OK");
        if (m.n != 1 || !frame_is(&m, 0, "END-OK")) fail("expected END-OK, got %s", show_frame(&m, 0));
        close_frames(&m);
        printf("OK %s pair connect: %ld multipart messages echoed and checked\n", CLASSIC_NODE_IMPL, count);
    } else {
        long got = 0;
        for (;;) {
            recv_frames(s, &m, got < count ? "a message" : "END");
            if (got == count) {
                if (m.n != 1 || !frame_is(&m, 0, "END")) fail("expected END, got %s", show_frame(&m, 0));
                close_frames(&m);
                send_str(s, "END-OK", 0, "send END-OK");
                break;
            }
            check_header(&m, 0, 'H', got, NULL, 0, "message");
            check_parts(&m, 1, got, 0, "message");
            for (int k = 0; k < m.n; ++k)
                if (zmq_msg_send(&m.f[k], s, k < m.n - 1 ? ZMQ_SNDMORE : 0) < 0) fail_zmq("echo");
            close_frames(&m);
            ++got;
        }
        printf("OK %s pair bind: %ld multipart messages checked and echoed\n", CLASSIC_NODE_IMPL, count);
    }
}

/* ---- PUSH / PULL ----------------------------------------------------------------------------- */

static void run_push(void *s, long count) {
    char hdr[64];
    for (long i = 0; i < count; ++i) {
        snprintf(hdr, sizeof hdr, "H %ld -", i);
        send_str(s, hdr, 1, "send a header");
        send_parts(s, i, 0, 0);
    }
    send_str(s, "END", 0, "send END");
    printf("OK %s push %s: %ld messages and END sent\n", CLASSIC_NODE_IMPL, g_mode, count);
}

static void run_pull(void *s, long count) {
    frames_t m;
    for (long i = 0; i < count; ++i) {
        recv_frames(s, &m, "a message");
        check_header(&m, 0, 'H', i, NULL, 0, "message");
        check_parts(&m, 1, i, 0, "message");
        close_frames(&m);
    }
    recv_frames(s, &m, "END");
    if (m.n != 1 || !frame_is(&m, 0, "END")) fail("expected END, got %s", show_frame(&m, 0));
    close_frames(&m);
    printf("OK %s pull %s: %ld messages received in order and checked\n", CLASSIC_NODE_IMPL, g_mode, count);
}

/* ---- REQ / REP / DEALER / ROUTER --------------------------------------------------------------- */

#define ROUTER_BINDER_ID "router-binder"

/* The envelope a requester puts before its header and expects before each reply's header. */
static void requester_envelope(int type, const char *peer, const char **frame) {
    *frame = NULL; /* REQ adds and strips its delimiter itself */
    if (type == ZMQ_DEALER && strcmp(peer, "rep") == 0) *frame = "";
    if (type == ZMQ_ROUTER) *frame = ROUTER_BINDER_ID;
}

static void run_requester(void *s, int type, const char *peer, const char *my_id, long count) {
    const char *env;
    requester_envelope(type, peer, &env);
    const int first = env ? 1 : 0;
    const long window = type == ZMQ_REQ ? 1 : WINDOW;
    frames_t m;
    char hdr[128];
    long sent = 0, got = 0;
    while (got < count) {
        while (sent < count && sent - got < window) {
            if (env) send_str(s, env, 1, "send the envelope");
            snprintf(hdr, sizeof hdr, "H %ld %s", sent, my_id);
            send_str(s, hdr, 1, "send a request header");
            send_parts(s, sent++, 0, 0);
        }
        recv_frames(s, &m, "a reply");
        if (env && !frame_is(&m, 0, env))
            fail("reply %ld: envelope frame %s, expected \"%s\"", got, show_frame(&m, 0), env);
        check_header(&m, first, 'R', got, NULL, 0, "reply");
        check_parts(&m, first + 1, got, 1, "reply");
        close_frames(&m);
        ++got;
    }
    if (env) send_str(s, env, 1, "send the envelope");
    send_str(s, "END", 0, "send END");
    recv_frames(s, &m, "END-OK");
    if (m.n != first + 1 || (env && !frame_is(&m, 0, env)) || !frame_is(&m, first, "END-OK"))
        fail("expected END-OK, got %d frames: %s %s", m.n, show_frame(&m, 0), show_frame(&m, 1));
    close_frames(&m);
    printf("OK %s %s %s: %ld requests (window %ld) answered and checked, my id %s\n", CLASSIC_NODE_IMPL, g_role,
           g_mode, count, window, my_id);
}

static void run_replier(void *s, int type, const char *peer, long count) {
    const int router = type == ZMQ_ROUTER;
    const int delim = router && strcmp(peer, "req") == 0; /* REQ's empty delimiter after the id */
    const int first = (router ? 1 : 0) + (delim ? 1 : 0);
    unsigned char id[256];
    size_t id_len = 0;
    int have_id = 0;
    frames_t m;
    char hdr[64], declared[100];
    for (long i = 0;; ++i) {
        recv_frames(s, &m, i < count ? "a request" : "END");
        if (m.n <= first) fail("request %ld: only %d frames", i, m.n);
        if (router) {
            if (fsize(&m, 0) == 0 || fsize(&m, 0) > sizeof id) fail("request %ld: id frame %s", i, show_frame(&m, 0));
            if (!have_id) {
                id_len = fsize(&m, 0);
                memcpy(id, fdata(&m, 0), id_len);
                have_id = 1;
            } else if (!frame_eq(&m, 0, id, id_len)) {
                fail("request %ld: id frame %s, earlier ones %s", i, show_frame(&m, 0), show(id, id_len));
            }
            if (delim && fsize(&m, 1) != 0) fail("request %ld: frame 1 %s, expected the empty delimiter", i, show_frame(&m, 1));
        }
        if (i == count) {
            if (m.n != first + 1 || !frame_is(&m, first, "END")) fail("expected END, got %s", show_frame(&m, first));
            close_frames(&m);
            if (router) send_buf(s, id, id_len, 1, "send the id");
            if (delim) send_str(s, "", 1, "send the delimiter");
            send_str(s, "END-OK", 0, "send END-OK");
            break;
        }
        check_header(&m, first, 'H', i, declared, sizeof declared, "request");
        if (router) {
            if (strcmp(declared, "-") == 0) {
                if (id_len != 5 || id[0] != 0)
                    fail("request %ld: the requester set no id; expected an auto id (5 bytes, first 0), got %s", i,
                         show(id, id_len));
            } else if (!frame_eq(&m, 0, declared, strlen(declared))) {
                fail("request %ld: the requester's id is \"%s\", the envelope says %s", i, declared, show_frame(&m, 0));
            }
        }
        check_parts(&m, first + 1, i, 0, "request");
        close_frames(&m);
        if (router) send_buf(s, id, id_len, 1, "send the id");
        if (delim) send_str(s, "", 1, "send the delimiter");
        snprintf(hdr, sizeof hdr, "R %ld", i);
        send_str(s, hdr, 1, "send a reply header");
        send_parts(s, i, 1, 0);
    }
    printf("OK %s %s %s: %ld requests checked and answered, peer id %s\n", CLASSIC_NODE_IMPL, g_role, g_mode, count,
           router ? show(id, id_len) : "(not visible)");
}

/* ---- PUB / XPUB / SUB / XSUB ------------------------------------------------------------------- */

static const int TOPIC_LENS[] = {5, 246, 250, 255, 256, 300};
#define N_LENS ((int)(sizeof TOPIC_LENS / sizeof TOPIC_LENS[0]))
#define N_TOPICS (N_LENS + 2) /* + "T5" (a prefix of T5.ab, no match) + "U-unrelated" */

/* Topic u of the universe into buf (>= 300 bytes); returns its length. */
static size_t make_topic(int u, unsigned char *buf) {
    if (u == N_LENS) {
        memcpy(buf, "T5", 2);
        return 2;
    }
    if (u == N_LENS + 1) {
        memcpy(buf, "U-unrelated", 11);
        return 11;
    }
    const size_t len = (size_t)TOPIC_LENS[u];
    int w = snprintf((char *)buf, 16, "T%d.", TOPIC_LENS[u]);
    for (size_t j = (size_t)w; j < len; ++j) buf[j] = (unsigned char)('a' + j % 26);
    return len;
}
static int topic_index(const unsigned char *d, size_t n) {
    unsigned char t[300];
    for (int u = 0; u < N_TOPICS; ++u) {
        size_t len = make_topic(u, t);
        if (len == n && memcmp(t, d, n) == 0) return u;
    }
    return -1;
}
static const char *topic_name(int u) {
    static char names[N_TOPICS][16];
    if (u == N_LENS) return "\"T5\"";
    if (u == N_LENS + 1) return "\"U-unrelated\"";
    snprintf(names[u], sizeof names[u], "T%d", TOPIC_LENS[u]);
    return names[u];
}

/* topics=5,250,300 -> subscribed[u] for the universe indices. */
static void parse_topics(const char *spec, int subscribed[N_TOPICS]) {
    memset(subscribed, 0, sizeof(int) * N_TOPICS);
    char buf[128];
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int len = atoi(tok), u = 0;
        while (u < N_LENS && TOPIC_LENS[u] != len) ++u;
        if (u == N_LENS) {
            fprintf(stderr, "topics=: %s is not one of the topic lengths\n", tok);
            exit(2);
        }
        subscribed[u] = 1;
    }
}

static void publish_round(void *s, long round) {
    unsigned char t[300];
    char body[64];
    for (int u = 0; u < N_TOPICS; ++u) {
        size_t len = make_topic(u, t);
        send_buf(s, t, len, 1, "publish a topic frame");
        snprintf(body, sizeof body, "P %ld %d", round, u);
        send_str(s, body, 0, "publish a body frame");
    }
}

/* PUB: a round every millisecond until the subscriber that connected (handshake seen on the
   monitor) disconnects. */
static void run_pub(void *s, void *mon) {
    const double start = now_s();
    long round = 0, handshakes = 0;
    for (;;) {
        publish_round(s, round++);
        zmq_pollitem_t it = {mon, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&it, 1, 1) < 0) fail_zmq("zmq_poll on the monitor");
        while (it.revents & ZMQ_POLLIN) {
            frames_t ev;
            recv_frames(mon, &ev, "a monitor event");
            uint16_t id = 0;
            if (ev.n < 1 || fsize(&ev, 0) != 6) fail("monitor event with a %zu-byte first frame", fsize(&ev, 0));
            memcpy(&id, fdata(&ev, 0), 2);
            close_frames(&ev);
            if (id == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) ++handshakes;
            if (id == ZMQ_EVENT_DISCONNECTED && handshakes > 0) {
                printf("OK %s pub %s: %ld rounds published, the subscriber disconnected\n", CLASSIC_NODE_IMPL,
                       g_mode, round);
                return;
            }
            if (zmq_poll(&it, 1, 0) < 0) fail_zmq("zmq_poll on the monitor");
        }
        if (handshakes == 0 && now_s() - start > TIMEOUT_MS / 1000.0) fail("no subscriber connected within 10 s");
        if (now_s() - start > 6 * TIMEOUT_MS / 1000.0) fail("the subscriber did not disconnect within 60 s");
    }
}

/* XPUB: receive exactly the expected subscriptions, then publish rounds 0..count-1. */
static void run_xpub(void *s, const int subscribed[N_TOPICS], long count) {
    int seen[N_TOPICS] = {0}, want = 0, have = 0;
    for (int u = 0; u < N_TOPICS; ++u) want += subscribed[u];
    while (have < want) {
        frames_t m;
        recv_frames(s, &m, "a subscription");
        if (m.n != 1 || fsize(&m, 0) < 1 || fdata(&m, 0)[0] != 1)
            fail("expected a subscription message (0x01|topic), got %d frame(s): %s", m.n, show_frame(&m, 0));
        int u = topic_index(fdata(&m, 0) + 1, fsize(&m, 0) - 1);
        if (u < 0 || !subscribed[u] || seen[u])
            fail("unexpected subscription %s (%s)", show_frame(&m, 0), u < 0 ? "unknown" : seen[u] ? "twice" : "not asked");
        seen[u] = 1;
        ++have;
        close_frames(&m);
    }
    for (long r = 0; r < count; ++r) publish_round(s, r);
    printf("OK %s xpub %s: %d subscriptions received, %ld rounds published\n", CLASSIC_NODE_IMPL, g_mode, want, count);
}

static void run_sub(void *s, int type, const char *peer, const int subscribed[N_TOPICS], long count) {
    if (type == ZMQ_XSUB)
        for (int u = 0; u < N_TOPICS; ++u)
            if (subscribed[u]) {
                unsigned char msg[301];
                msg[0] = 1;
                size_t len = make_topic(u, msg + 1);
                send_buf(s, msg, len + 1, 0, "send a subscription");
            }
    const int exact = strcmp(peer, "xpub") == 0; /* rounds 0..count-1, none missing */
    long last_round[N_TOPICS], first_round[N_TOPICS], got[N_TOPICS];
    long prev_r = -1, prev_u = -1;
    int want = 0;
    for (int u = 0; u < N_TOPICS; ++u) {
        last_round[u] = first_round[u] = -1;
        got[u] = 0;
        want += subscribed[u];
    }
    int done = 0;
    while (done < want) {
        frames_t m;
        recv_frames(s, &m, "a published message");
        if (m.n != 2) fail("a published message has %d frames: %s", m.n, show_frame(&m, 0));
        int u = topic_index(fdata(&m, 0), fsize(&m, 0));
        if (u < 0) fail("unknown topic %s", show_frame(&m, 0));
        if (!subscribed[u]) fail("received topic %s, not subscribed to it", topic_name(u));
        char body[64];
        long r = -1;
        int bu = -1;
        if (fsize(&m, 1) >= sizeof body) fail("bad body %s", show_frame(&m, 1));
        memcpy(body, fdata(&m, 1), fsize(&m, 1));
        body[fsize(&m, 1)] = '\0';
        if (sscanf(body, "P %ld %d", &r, &bu) != 2 || bu != u)
            fail("topic %s with body %s", topic_name(u), show_frame(&m, 1));
        close_frames(&m);
        if (last_round[u] < 0) {
            if (exact && r != 0) fail("the first %s message is from round %ld, expected 0", topic_name(u), r);
            first_round[u] = r;
        } else if (r != last_round[u] + 1) {
            fail("%s: round %ld after round %ld", topic_name(u), r, last_round[u]);
        }
        if (r < prev_r || (r == prev_r && u <= prev_u))
            fail("%s round %ld arrived after %s round %ld", topic_name(u), r, topic_name((int)prev_u), prev_r);
        prev_r = r;
        prev_u = u;
        last_round[u] = r;
        if (++got[u] == count) ++done;
    }
    printf("OK %s %s %s: %d topics x %ld rounds in order, first rounds:", CLASSIC_NODE_IMPL, g_role, g_mode, want,
           count);
    for (int u = 0; u < N_TOPICS; ++u)
        if (subscribed[u]) printf(" %s@%ld", topic_name(u), first_round[u]);
    printf("\n");
}

/* ---- STREAM and plain TCP -------------------------------------------------------------------- */

static uint64_t stream_total(long count) {
    uint64_t t = 0;
    for (long i = 0; i < count; ++i) t += SIZES[(size_t)i % N_SIZES];
    return t;
}
static void check_stream(const unsigned char *d, size_t n, uint64_t offset, const char *what) {
    for (size_t j = 0; j < n; ++j)
        if (d[j] != stream_byte(offset + j))
            fail("%s: wrong byte at stream offset %llu", what, (unsigned long long)(offset + j));
}

/* Checks a STREAM notification [id][""]; stores the id if id is empty, else compares. */
static int stream_recv(void *s, frames_t *m, unsigned char *id, size_t *id_len, const char *what) {
    recv_frames(s, m, what);
    if (m->n != 2) fail("%s: %d frames, expected [id][data]", what, m->n);
    if (fsize(m, 0) == 0 || fsize(m, 0) > 255) fail("%s: id frame %s", what, show_frame(m, 0));
    if (*id_len == 0) {
        *id_len = fsize(m, 0);
        memcpy(id, fdata(m, 0), *id_len);
    } else if (!frame_eq(m, 0, id, *id_len)) {
        fail("%s: id %s, the connection's is %s", what, show_frame(m, 0), show(id, *id_len));
    }
    return fsize(m, 1) == 0;
}

static void run_stream_binder(void *s, long count) {
    unsigned char id[256];
    size_t id_len = 0;
    frames_t m;
    if (!stream_recv(s, &m, id, &id_len, "the connect notification"))
        fail("the first message is %s, expected the connect notification [id][\"\"]", show_frame(&m, 1));
    close_frames(&m);
    const uint64_t total = stream_total(count);
    uint64_t got = 0;
    long chunks = 0;
    for (;;) {
        if (stream_recv(s, &m, id, &id_len, "data or the disconnect notification")) break;
        check_stream(fdata(&m, 1), fsize(&m, 1), got, "received data");
        got += fsize(&m, 1);
        ++chunks;
        if (zmq_msg_send(&m.f[0], s, ZMQ_SNDMORE) < 0) fail_zmq("echo the id");
        if (zmq_msg_send(&m.f[1], s, 0) < 0) fail_zmq("echo data");
        close_frames(&m);
    }
    close_frames(&m);
    if (got != total) fail("the peer closed after %llu bytes, expected %llu", (unsigned long long)got,
                           (unsigned long long)total);
    printf("OK %s stream bind: %llu bytes in %ld chunks checked and echoed, connect and disconnect notifications "
           "seen, id %s\n",
           CLASSIC_NODE_IMPL, (unsigned long long)got, chunks, show(id, id_len));
}

static void run_stream_connector(void *s, long count) {
    unsigned char id[256];
    size_t id_len = 0;
    frames_t m;
    if (!stream_recv(s, &m, id, &id_len, "the connect notification"))
        fail("the first message is %s, expected the connect notification [id][\"\"]", show_frame(&m, 1));
    close_frames(&m);
    const uint64_t total = stream_total(count);
    uint64_t sent = 0, echoed = 0;
    long i = 0;
    while (echoed < total) {
        if (i < count && sent - echoed <= STREAM_WINDOW_BYTES) {
            const size_t n = SIZES[(size_t)i++ % N_SIZES];
            if (n == 0) continue; /* [id][""] would close the connection */
            zmq_msg_t d;
            if (zmq_msg_init_size(&d, n) != 0) fail_zmq("zmq_msg_init_size");
            for (size_t j = 0; j < n; ++j) ((unsigned char *)zmq_msg_data(&d))[j] = stream_byte(sent + j);
            send_buf(s, id, id_len, 1, "send the id");
            if (zmq_msg_send(&d, s, 0) < 0) fail_zmq("send data");
            sent += n;
            continue;
        }
        if (stream_recv(s, &m, id, &id_len, "the echo"))
            fail("the peer closed after echoing %llu of %llu bytes", (unsigned long long)echoed,
                 (unsigned long long)total);
        check_stream(fdata(&m, 1), fsize(&m, 1), echoed, "echo");
        echoed += fsize(&m, 1);
        close_frames(&m);
    }
    send_buf(s, id, id_len, 1, "send the id");
    send_str(s, "", 0, "close the connection");
    printf("OK %s stream connect: %llu bytes sent, echoed and checked, connection closed, id %s\n",
           CLASSIC_NODE_IMPL, (unsigned long long)total, show(id, id_len));
}

/* Plain TCP: waits up to 10 s for fd to be ready for events. */
static void wait_fd(int fd, short events, const char *what) {
    struct pollfd p = {fd, events, 0};
    int rc = poll(&p, 1, TIMEOUT_MS);
    if (rc < 0) fail("%s: poll: %s", what, strerror(errno));
    if (rc == 0) fail("%s: timed out (%d ms)", what, TIMEOUT_MS);
}

static int parse_tcp(const char *ep, struct sockaddr_in *sa) {
    unsigned a, b, c, d, port = 0;
    char star = 0;
    memset(sa, 0, sizeof *sa);
    if (sscanf(ep, "tcp://%u.%u.%u.%u:%u", &a, &b, &c, &d, &port) != 5 &&
        (sscanf(ep, "tcp://%u.%u.%u.%u:%c", &a, &b, &c, &d, &star) != 5 || star != '*'))
        return -1; /* "*": any port (bind) */
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    sa->sin_addr.s_addr = htonl((a << 24) | (b << 16) | (c << 8) | d);
    return 0;
}

static void run_tcpraw(int binding, const char *endpoint, long count) {
    struct sockaddr_in sa;
    if (parse_tcp(endpoint, &sa) != 0) fail("tcpraw needs tcp://a.b.c.d:port, got %s", endpoint);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) fail("socket: %s", strerror(errno));
    const uint64_t total = stream_total(count);
    unsigned char *buf = malloc(1 << 16);
    if (!buf) fail("out of memory");
    if (binding) {
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        socklen_t sl = sizeof sa;
        if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 1) != 0 ||
            getsockname(fd, (struct sockaddr *)&sa, &sl) != 0)
            fail("bind/listen: %s", strerror(errno));
        char ep[64];
        snprintf(ep, sizeof ep, "tcp://127.0.0.1:%u", ntohs(sa.sin_port));
        print_endpoint(ep);
        wait_fd(fd, POLLIN, "accept");
        int c = accept(fd, NULL, NULL);
        if (c < 0) fail("accept: %s", strerror(errno));
        close(fd);
        /* Echo everything until EOF. Blocking writes are fine: the peer reads while it writes. */
        uint64_t got = 0;
        for (;;) {
            wait_fd(c, POLLIN, "data or EOF");
            ssize_t n = read(c, buf, 1 << 16);
            if (n < 0) fail("read: %s", strerror(errno));
            if (n == 0) break;
            check_stream(buf, (size_t)n, got, "received data");
            got += (uint64_t)n;
            for (ssize_t w = 0; w < n;) {
                wait_fd(c, POLLOUT, "write the echo");
                ssize_t k = write(c, buf + w, (size_t)(n - w));
                if (k < 0) fail("write: %s", strerror(errno));
                w += k;
            }
        }
        close(c);
        if (got != total) fail("EOF after %llu bytes, expected %llu", (unsigned long long)got,
                               (unsigned long long)total);
        printf("OK %s tcpraw bind: %llu bytes checked and echoed, then EOF\n", CLASSIC_NODE_IMPL,
               (unsigned long long)got);
    } else {
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) fail("connect: %s", strerror(errno));
        if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) fail("fcntl: %s", strerror(errno));
        unsigned char *out = malloc(1 << 16);
        if (!out) fail("out of memory");
        uint64_t sent = 0, echoed = 0;
        while (echoed < total) {
            struct pollfd p = {fd, (short)(POLLIN | (sent < total ? POLLOUT : 0)), 0};
            int rc = poll(&p, 1, TIMEOUT_MS);
            if (rc <= 0) fail("waiting for the echo (%llu of %llu bytes back): %s", (unsigned long long)echoed,
                              (unsigned long long)total, rc == 0 ? "timed out" : strerror(errno));
            if (p.revents & POLLOUT) {
                size_t n = total - sent < (1 << 16) ? (size_t)(total - sent) : (1 << 16);
                for (size_t j = 0; j < n; ++j) out[j] = stream_byte(sent + j);
                ssize_t k = write(fd, out, n);
                if (k < 0 && errno != EAGAIN) fail("write: %s", strerror(errno));
                if (k > 0) sent += (uint64_t)k;
            }
            if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
                ssize_t n = read(fd, buf, 1 << 16);
                if (n < 0 && errno != EAGAIN) fail("read: %s", strerror(errno));
                if (n == 0) fail("EOF after %llu of %llu echoed bytes", (unsigned long long)echoed,
                                 (unsigned long long)total);
                if (n > 0) {
                    check_stream(buf, (size_t)n, echoed, "echo");
                    echoed += (uint64_t)n;
                }
            }
        }
        /* Half-close; the peer must see EOF, close its end, and send nothing more. */
        if (shutdown(fd, SHUT_WR) != 0) fail("shutdown: %s", strerror(errno));
        for (;;) {
            wait_fd(fd, POLLIN, "the peer's close");
            ssize_t n = read(fd, buf, 1 << 16);
            if (n == 0) break;
            if (n < 0 && errno == EAGAIN) continue;
            if (n < 0) fail("read after shutdown: %s", strerror(errno));
            fail("%zd unexpected bytes after the echo", n);
        }
        close(fd);
        free(out);
        printf("OK %s tcpraw connect: %llu bytes sent, echoed and checked; the peer closed\n", CLASSIC_NODE_IMPL,
               (unsigned long long)total);
    }
    free(buf);
}

/* ---- main ------------------------------------------------------------------------------------ */

static void usage(void) {
    fprintf(stderr, "usage: classic_node <pair|pub|xpub|sub|xsub|req|rep|dealer|router|push|pull|stream|tcpraw> "
                    "<bind|connect> <endpoint> <count> <peer-role> [topics=<len>,...]\n");
    exit(2);
}

static int type_of(const char *role) {
    static const struct {
        const char *name;
        int type;
    } t[] = {{"pair", ZMQ_PAIR}, {"pub", ZMQ_PUB},       {"xpub", ZMQ_XPUB},     {"sub", ZMQ_SUB},
             {"xsub", ZMQ_XSUB}, {"req", ZMQ_REQ},       {"rep", ZMQ_REP},       {"dealer", ZMQ_DEALER},
             {"router", ZMQ_ROUTER}, {"push", ZMQ_PUSH}, {"pull", ZMQ_PULL},     {"stream", ZMQ_STREAM}};
    for (size_t k = 0; k < sizeof t / sizeof t[0]; ++k)
        if (strcmp(role, t[k].name) == 0) return t[k].type;
    return -1;
}

int main(int argc, char **argv) {
    if (argc < 6 || argc > 7) usage();
    g_role = argv[1];
    g_mode = argv[2];
    const char *endpoint = argv[3], *peer = argv[5];
    char *endp = NULL;
    const long count = strtol(argv[4], &endp, 10);
    if (*argv[4] == '\0' || *endp != '\0' || count < 0) usage();
    int subscribed[N_TOPICS];
    parse_topics("5,250,300", subscribed);
    if (argc == 7) {
        if (strncmp(argv[6], "topics=", 7) != 0) usage();
        parse_topics(argv[6] + 7, subscribed);
    }
    int binding;
    if (strcmp(g_mode, "bind") == 0) binding = 1;
    else if (strcmp(g_mode, "connect") == 0) binding = 0;
    else usage();

    if (strcmp(g_role, "tcpraw") == 0) {
        run_tcpraw(binding, endpoint, count);
        return 0;
    }
    const int type = type_of(g_role);
    if (type < 0) usage();

    void *ctx = zmq_ctx_new();
    if (!ctx) fail_zmq("zmq_ctx_new");
    void *s = open_socket(ctx, type);
    void *mon = NULL;
    char my_id[64] = "-";
    if (type == ZMQ_DEALER) {
        snprintf(my_id, sizeof my_id, "dealer-%ld", (long)getpid());
        if (zmq_setsockopt(s, ZMQ_ROUTING_ID, my_id, strlen(my_id)) != 0) fail_zmq("ZMQ_ROUTING_ID");
    }
    if (type == ZMQ_ROUTER) {
        set_int(s, ZMQ_ROUTER_MANDATORY, 1, "ZMQ_ROUTER_MANDATORY");
        if (strcmp(peer, "router") == 0 && binding) {
            if (zmq_setsockopt(s, ZMQ_ROUTING_ID, ROUTER_BINDER_ID, strlen(ROUTER_BINDER_ID)) != 0)
                fail_zmq("ZMQ_ROUTING_ID");
        } else if (strcmp(peer, "router") == 0) {
            snprintf(my_id, sizeof my_id, "rc-%ld", (long)getpid());
            if (zmq_setsockopt(s, ZMQ_ROUTING_ID, my_id, strlen(my_id)) != 0) fail_zmq("ZMQ_ROUTING_ID");
            if (zmq_setsockopt(s, ZMQ_CONNECT_ROUTING_ID, ROUTER_BINDER_ID, strlen(ROUTER_BINDER_ID)) != 0)
                fail_zmq("ZMQ_CONNECT_ROUTING_ID");
        }
    }
    if (type == ZMQ_SUB) {
        unsigned char t[300];
        for (int u = 0; u < N_TOPICS; ++u)
            if (subscribed[u] && zmq_setsockopt(s, ZMQ_SUBSCRIBE, t, make_topic(u, t)) != 0) fail_zmq("ZMQ_SUBSCRIBE");
    }
    /* Subscribers send nothing that matters at the end; a PUB that connected keeps queueing for a
       subscriber that is gone (it exits on the disconnect): neither may wait at zmq_ctx_term. */
    if (type == ZMQ_SUB || type == ZMQ_XSUB || type == ZMQ_PUB) set_int(s, ZMQ_LINGER, 0, "ZMQ_LINGER");
    /* A publisher drops at its HWM, which would show as a gap in the rounds: room for 30 s of a
       subscriber that a loaded machine does not schedule. */
    if (type == ZMQ_PUB || type == ZMQ_XPUB) set_int(s, ZMQ_SNDHWM, 100000, "ZMQ_SNDHWM");
    if (type == ZMQ_SUB || type == ZMQ_XSUB) set_int(s, ZMQ_RCVHWM, 100000, "ZMQ_RCVHWM");
    if (type == ZMQ_PUB) {
        char addr[64];
        snprintf(addr, sizeof addr, "inproc://classic-node-monitor-%ld", (long)getpid());
        if (zmq_socket_monitor(s, addr, ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED) != 0)
            fail_zmq("zmq_socket_monitor");
        mon = open_socket(ctx, ZMQ_PAIR);
        set_int(mon, ZMQ_LINGER, 0, "ZMQ_LINGER");
        if (zmq_connect(mon, addr) != 0) fail_zmq("connect the monitor");
    }
    attach(s, binding, endpoint);

    const int peer_is_replier = strcmp(peer, "rep") == 0 || strcmp(peer, "router") == 0;
    switch (type) {
    case ZMQ_PAIR: run_pair(s, binding, count); break;
    case ZMQ_PUSH: run_push(s, count); break;
    case ZMQ_PULL: run_pull(s, count); break;
    case ZMQ_REQ: run_requester(s, type, peer, my_id, count); break;
    case ZMQ_REP: run_replier(s, type, peer, count); break;
    case ZMQ_DEALER:
        /* a dealer requests from REP and ROUTER; of two dealers the connector requests */
        if (peer_is_replier || (strcmp(peer, "dealer") == 0 && !binding)) run_requester(s, type, peer, my_id, count);
        else run_replier(s, type, peer, count);
        break;
    case ZMQ_ROUTER:
        if (strcmp(peer, "router") == 0 && !binding) run_requester(s, type, peer, my_id, count);
        else run_replier(s, type, peer, count);
        break;
    case ZMQ_PUB: run_pub(s, mon); break;
    case ZMQ_XPUB: run_xpub(s, subscribed, count); break;
    case ZMQ_SUB:
    case ZMQ_XSUB: run_sub(s, type, peer, subscribed, count); break;
    case ZMQ_STREAM:
        if (binding) run_stream_binder(s, count);
        else run_stream_connector(s, count);
        break;
    default: usage();
    }
    fflush(stdout);
    if (mon && zmq_close(mon) != 0) fail_zmq("zmq_close the monitor");
    if (zmq_close(s) != 0) fail_zmq("zmq_close");
    if (zmq_ctx_term(ctx) != 0) fail_zmq("zmq_ctx_term");
    return 0;
}
