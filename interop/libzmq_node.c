/* libzmq_node — one end of the zmx interop test, written against the reference libzmq (draft API).
 * interop/zmx_node.cpp is the same program against zmx's C++ API; the two must stay in step.
 *
 * Usage: libzmq_node <peer|server|client> <bind|connect> <endpoint> <count>
 *
 * Protocol (identical in both programs):
 *   - The binding side binds, then prints "ENDPOINT <last_endpoint>" on stdout (flushed) before
 *     anything else. The connecting side connects (PEER: zmq_connect_peer, keeping the returned id).
 *   - First-sender rule: the DRIVER is whichever side is CLIENT, or the connecting PEER. The other
 *     side (SERVER, or the binding PEER) is the RESPONDER and only ever replies. So in
 *     CLIENT(bind) <-> SERVER(connect) the connecting SERVER still waits for the first message.
 *   - The driver sends <count> messages; message i has size SIZES[i % N] (0 B .. 1 MiB) and byte j
 *     equal to (i*31 + j) % 251. It keeps at most WINDOW messages in flight (well under the HWM).
 *   - The responder receives each message, checks its size and content, checks the routing id is
 *     non-zero and the same for every message, and echoes it back to that routing id.
 *   - The driver checks each echo's content and, for PEER, that its routing id equals the id
 *     zmq_connect_peer returned.
 *   - The driver then sends "END"; the responder answers "END <id it uses for the driver>" and both
 *     print "OK <role> <bind|connect>: <count> messages, ..." with the routing ids they saw, exit 0.
 *   - Any mismatch, error or 10 s receive/send timeout prints "FAIL ..." on stderr and exits 1.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef ZMQ_BUILD_DRAFT_API
#define ZMQ_BUILD_DRAFT_API
#endif
#include <zmq.h>

#if ZMQ_VERSION < ZMQ_MAKE_VERSION(4, 3, 0)
#error "reference libzmq must be 4.3.x or later"
#endif

static const size_t SIZES[] = {0,    1,    2,     7,     31,    32,     33,     40,
                               41,   63,   64,    127,   128,   255,    256,    257,
                               1000, 4096, 8191,  65535, 65536, 100000, 1048576};
#define N_SIZES (sizeof SIZES / sizeof SIZES[0])
#define WINDOW 100
#define TIMEOUT_MS 10000

static const char *g_role = "?";
static const char *g_mode = "?";

static void fail(const char *what) {
    fprintf(stderr, "FAIL libzmq %s %s: %s\n", g_role, g_mode, what);
    exit(1);
}
static void fail_zmq(const char *what) {
    fprintf(stderr, "FAIL libzmq %s %s: %s: %s (errno %d)\n", g_role, g_mode, what, zmq_strerror(zmq_errno()),
            zmq_errno());
    exit(1);
}

static size_t size_of(long i) { return SIZES[(size_t)i % N_SIZES]; }

static void fill(unsigned char *p, size_t n, long i) {
    unsigned v = (unsigned)(((uint64_t)i * 31u) % 251u);
    for (size_t j = 0; j < n; ++j) {
        p[j] = (unsigned char)v;
        if (++v == 251u) v = 0;
    }
}

/* Returns the index of the first wrong byte, or n if all are right. */
static size_t check(const unsigned char *p, size_t n, long i) {
    unsigned v = (unsigned)(((uint64_t)i * 31u) % 251u);
    for (size_t j = 0; j < n; ++j) {
        if (p[j] != (unsigned char)v) return j;
        if (++v == 251u) v = 0;
    }
    return n;
}

static void verify(zmq_msg_t *m, long i, const char *what) {
    size_t want = size_of(i), got = zmq_msg_size(m);
    char buf[256];
    if (zmq_msg_more(m)) {
        snprintf(buf, sizeof buf, "%s %ld has the MORE flag", what, i);
        fail(buf);
    }
    if (got != want) {
        snprintf(buf, sizeof buf, "%s %ld: size %zu, expected %zu", what, i, got, want);
        fail(buf);
    }
    size_t bad = check((const unsigned char *)zmq_msg_data(m), got, i);
    if (bad != got) {
        snprintf(buf, sizeof buf, "%s %ld (size %zu): wrong byte at offset %zu", what, i, got, bad);
        fail(buf);
    }
}

static void recv_msg(void *s, zmq_msg_t *m, const char *what) {
    if (zmq_msg_recv(m, s, 0) < 0) {
        if (zmq_errno() == EAGAIN) {
            char buf[128];
            snprintf(buf, sizeof buf, "timed out (%d ms) waiting for %s", TIMEOUT_MS, what);
            fail(buf);
        }
        fail_zmq(what);
    }
}

/* Sends a copy of body (len bytes) to routing id rid (0 = plain send). */
static void send_bytes(void *s, const void *body, size_t len, uint32_t rid, const char *what) {
    zmq_msg_t m;
    if (zmq_msg_init_size(&m, len) != 0) fail_zmq("zmq_msg_init_size");
    if (len) memcpy(zmq_msg_data(&m), body, len);
    if (rid != 0 && zmq_msg_set_routing_id(&m, rid) != 0) fail_zmq("zmq_msg_set_routing_id");
    if (zmq_msg_send(&m, s, 0) < 0) {
        zmq_msg_close(&m);
        if (zmq_errno() == EAGAIN) fail("send timed out");
        fail_zmq(what);
    }
}

static void send_payload(void *s, long i, uint32_t rid) {
    zmq_msg_t m;
    size_t n = size_of(i);
    if (zmq_msg_init_size(&m, n) != 0) fail_zmq("zmq_msg_init_size");
    fill((unsigned char *)zmq_msg_data(&m), n, i);
    if (rid != 0 && zmq_msg_set_routing_id(&m, rid) != 0) fail_zmq("zmq_msg_set_routing_id");
    if (zmq_msg_send(&m, s, 0) < 0) {
        zmq_msg_close(&m);
        if (zmq_errno() == EAGAIN) fail("send timed out");
        fail_zmq("send");
    }
}

static int is_end(zmq_msg_t *m) { return zmq_msg_size(m) >= 3 && memcmp(zmq_msg_data(m), "END", 3) == 0; }

static void usage(void) {
    fprintf(stderr, "usage: libzmq_node <peer|server|client> <bind|connect> <endpoint> <count>\n");
    exit(2);
}

int main(int argc, char **argv) {
    if (argc != 5) usage();
    g_role = argv[1];
    g_mode = argv[2];
    const char *endpoint = argv[3];
    char *endp = NULL;
    long count = strtol(argv[4], &endp, 10);
    if (*argv[4] == '\0' || *endp != '\0' || count < 0) usage();

    int type;
    if (strcmp(g_role, "peer") == 0) type = ZMQ_PEER;
    else if (strcmp(g_role, "server") == 0) type = ZMQ_SERVER;
    else if (strcmp(g_role, "client") == 0) type = ZMQ_CLIENT;
    else usage();
    int binding;
    if (strcmp(g_mode, "bind") == 0) binding = 1;
    else if (strcmp(g_mode, "connect") == 0) binding = 0;
    else usage();
    const int driver = type == ZMQ_CLIENT || (type == ZMQ_PEER && !binding);

    void *ctx = zmq_ctx_new();
    if (!ctx) fail_zmq("zmq_ctx_new");
    void *s = zmq_socket(ctx, type);
    if (!s) fail_zmq("zmq_socket");
    int timeout = TIMEOUT_MS, linger = 2000;
    if (zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof timeout) != 0) fail_zmq("ZMQ_RCVTIMEO");
    if (zmq_setsockopt(s, ZMQ_SNDTIMEO, &timeout, sizeof timeout) != 0) fail_zmq("ZMQ_SNDTIMEO");
    if (zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger) != 0) fail_zmq("ZMQ_LINGER");

    uint32_t my_id_for_peer = 0; /* the routing id this side uses to address the other side */
    if (binding) {
        if (zmq_bind(s, endpoint) != 0) fail_zmq("zmq_bind");
        char ep[1024];
        size_t len = sizeof ep;
        if (zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, ep, &len) != 0) fail_zmq("ZMQ_LAST_ENDPOINT");
        printf("ENDPOINT %s\n", ep);
        fflush(stdout);
    } else if (type == ZMQ_PEER) {
        my_id_for_peer = zmq_connect_peer(s, endpoint);
        if (my_id_for_peer == 0) fail_zmq("zmq_connect_peer returned 0");
    } else {
        if (zmq_connect(s, endpoint) != 0) fail_zmq("zmq_connect");
    }

    zmq_msg_t m;
    char buf[256];
    if (driver) {
        long sent = 0, got = 0;
        while (got < count) {
            while (sent < count && sent - got < WINDOW) send_payload(s, sent++, my_id_for_peer);
            zmq_msg_init(&m);
            recv_msg(s, &m, "an echo");
            verify(&m, got, "echo");
            if (type == ZMQ_PEER && zmq_msg_routing_id(&m) != my_id_for_peer) {
                snprintf(buf, sizeof buf, "echo %ld has routing id %u, zmq_connect_peer returned %u", got,
                         zmq_msg_routing_id(&m), my_id_for_peer);
                fail(buf);
            }
            zmq_msg_close(&m);
            ++got;
        }
        send_bytes(s, "END", 3, my_id_for_peer, "send END");
        zmq_msg_init(&m);
        recv_msg(s, &m, "the END reply");
        if (!is_end(&m)) {
            snprintf(buf, sizeof buf, "expected the END reply, got %zu bytes", zmq_msg_size(&m));
            fail(buf);
        }
        char peer_view[64] = "";
        size_t n = zmq_msg_size(&m) < sizeof peer_view - 1 ? zmq_msg_size(&m) : sizeof peer_view - 1;
        memcpy(peer_view, zmq_msg_data(&m), n);
        peer_view[n] = '\0';
        zmq_msg_close(&m);
        const char *assigned = peer_view[3] == ' ' ? peer_view + 4 : "none";
        if (type == ZMQ_PEER)
            printf("OK libzmq %s %s: %ld messages, my id for peer = %u, peer-assigned id = %s\n", g_role, g_mode,
                   count, my_id_for_peer, assigned);
        else
            printf("OK libzmq %s %s: %ld messages, my id for peer = none (CLIENT), peer-assigned id = %s\n",
                   g_role, g_mode, count, assigned);
    } else {
        long got = 0;
        for (;;) {
            zmq_msg_init(&m);
            recv_msg(s, &m, got < count ? "a message" : "END");
            uint32_t rid = zmq_msg_routing_id(&m);
            if (type != ZMQ_CLIENT) {
                if (rid == 0) fail("received a message with routing id 0");
                if (my_id_for_peer == 0) my_id_for_peer = rid;
                else if (rid != my_id_for_peer) {
                    snprintf(buf, sizeof buf, "message %ld has routing id %u, earlier ones had %u", got, rid,
                             my_id_for_peer);
                    fail(buf);
                }
            }
            if (got == count) {
                if (zmq_msg_size(&m) != 3 || !is_end(&m)) {
                    snprintf(buf, sizeof buf, "expected END after %ld messages, got %zu bytes", count,
                             zmq_msg_size(&m));
                    fail(buf);
                }
                zmq_msg_close(&m);
                char reply[32];
                int n = snprintf(reply, sizeof reply, "END %u", my_id_for_peer);
                send_bytes(s, reply, (size_t)n, my_id_for_peer, "send the END reply");
                break;
            }
            verify(&m, got, "message");
            /* echo: the received message already carries the routing id (CLIENT: plain send) */
            if (zmq_msg_send(&m, s, 0) < 0) {
                zmq_msg_close(&m);
                if (zmq_errno() == EAGAIN) fail("echo send timed out");
                fail_zmq("echo send");
            }
            ++got;
        }
        if (type == ZMQ_CLIENT)
            printf("OK libzmq %s %s: %ld messages, my id for peer = none (CLIENT)\n", g_role, g_mode, count);
        else
            printf("OK libzmq %s %s: %ld messages, my id for peer = %u\n", g_role, g_mode, count,
                   my_id_for_peer);
    }
    fflush(stdout);
    if (zmq_close(s) != 0) fail_zmq("zmq_close");
    if (zmq_ctx_term(ctx) != 0) fail_zmq("zmq_ctx_term");
    return 0;
}
