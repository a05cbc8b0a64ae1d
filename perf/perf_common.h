/* Shared by the perf tools (local_thr, remote_thr, local_lat, remote_lat, inproc_thr, inproc_lat).
   They are written against zmq.h only, so the same sources build against zmx and against libzmq and
   the two mix on the wire. Arguments are libzmq's, plus optional trailing ones of zmx's:
     pattern  throughput: push (PUSH/PULL, default) | client (CLIENT->SERVER)
              latency:    req  (REQ/REP, default)   | peer   (PEER<->PEER, connect_peer) | dealer (DEALER/ROUTER)
     idle-ms  latency: a pause before each roundtrip, to measure latency after idle gaps (default 0)
   Output: libzmq's lines first (so scripts written for libzmq's tools still parse it), then zmx's
   extra lines (percentiles). Any failure prints "error: ..." and exits 1. */
#ifndef ZMX_PERF_COMMON_H
#define ZMX_PERF_COMMON_H

#ifndef ZMQ_BUILD_DRAFT_API
#define ZMQ_BUILD_DRAFT_API
#endif
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

static inline void perf_die(const char *what) {
    fprintf(stderr, "error: %s: %s\n", what, zmq_strerror(zmq_errno()));
    exit(1);
}
#define PERF_CHECK(c)                   \
    do {                                \
        if (!(c)) perf_die(#c);         \
    } while (0)

static inline int64_t perf_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline void perf_sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static inline int perf_parse_int(const char *s, const char *name) {
    char *end = NULL;
    const long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || v < 0 || v > 2000000000L) {
        fprintf(stderr, "error: bad %s: %s\n", name, s);
        exit(1);
    }
    return (int)v;
}

static inline int perf_cmp_i64(const void *a, const void *b) {
    const int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Sorts v and returns its q-quantile (0 <= q <= 1), nearest rank. */
static inline int64_t perf_quantile(int64_t *v, int n, double q) {
    int i = (int)(q * n + 0.999999) - 1;
    if (i < 0) i = 0;
    if (i >= n) i = n - 1;
    return v[i];
}

/* Prints one-way latency percentiles from n roundtrip times (ns): a one-way time is half a roundtrip. */
static inline void perf_print_percentiles(int64_t *rtt_ns, int n) {
    qsort(rtt_ns, (size_t)n, sizeof *rtt_ns, perf_cmp_i64);
    printf("p50 latency: %.3f [us]\n", perf_quantile(rtt_ns, n, 0.50) / 2000.0);
    printf("p99 latency: %.3f [us]\n", perf_quantile(rtt_ns, n, 0.99) / 2000.0);
    printf("p99.9 latency: %.3f [us]\n", perf_quantile(rtt_ns, n, 0.999) / 2000.0);
    printf("max latency: %.3f [us]\n", rtt_ns[n - 1] / 2000.0);
}

/* The socket types of a pattern name: sender/requester side first. */
struct perf_pattern {
    const char *name;
    int active;  /* remote_thr's sender / remote_lat's requester (connects) */
    int passive; /* local_thr's receiver / local_lat's echoer (binds) */
};

static inline struct perf_pattern perf_find_pattern(const char *name, int latency) {
    static const struct perf_pattern thr[] = {{"push", ZMQ_PUSH, ZMQ_PULL}, {"client", ZMQ_CLIENT, ZMQ_SERVER}};
    static const struct perf_pattern lat[] = {
        {"req", ZMQ_REQ, ZMQ_REP}, {"peer", ZMQ_PEER, ZMQ_PEER}, {"dealer", ZMQ_DEALER, ZMQ_ROUTER}};
    const struct perf_pattern *list = latency ? lat : thr;
    const int n = latency ? 3 : 2;
    if (name == NULL) return list[0];
    for (int i = 0; i < n; ++i)
        if (strcmp(list[i].name, name) == 0) return list[i];
    fprintf(stderr, "error: unknown pattern %s\n", name);
    exit(1);
}

static inline void *perf_socket(void *ctx, int type) {
    void *s = zmq_socket(ctx, type);
    PERF_CHECK(s != NULL);
    return s;
}

/* The echo side of every latency pattern: receives count messages and sends each back to its sender. */
static inline void perf_echo(void *s, int type, int size, int count) {
    zmq_msg_t msg;
    PERF_CHECK(zmq_msg_init(&msg) == 0);
    for (int i = 0; i < count; ++i) {
        if (type == ZMQ_ROUTER) { /* [id][body]: send both back */
            zmq_msg_t id;
            PERF_CHECK(zmq_msg_init(&id) == 0);
            PERF_CHECK(zmq_msg_recv(&id, s, 0) >= 0);
            PERF_CHECK(zmq_msg_recv(&msg, s, 0) == size);
            PERF_CHECK(zmq_msg_send(&id, s, ZMQ_SNDMORE) >= 0);
        } else {
            PERF_CHECK(zmq_msg_recv(&msg, s, 0) == size);
            /* PEER: the received message carries the sender's routing id, which addresses the reply. */
        }
        PERF_CHECK(zmq_msg_send(&msg, s, 0) == size);
    }
    PERF_CHECK(zmq_msg_close(&msg) == 0);
}

/* The requesting side: count roundtrips of size-byte messages, idle_ms apart; rtt_ns[i] gets each.
   peer_id: the routing id of the echoer for PEER (0 otherwise). */
static inline void perf_ping(void *s, uint32_t peer_id, int size, int count, int idle_ms, int64_t *rtt_ns) {
    zmq_msg_t msg;
    for (int i = 0; i < count; ++i) {
        if (idle_ms > 0) perf_sleep_ms(idle_ms);
        const int64_t t0 = perf_now_ns();
        PERF_CHECK(zmq_msg_init_size(&msg, (size_t)size) == 0);
        if (size > 0) memset(zmq_msg_data(&msg), 'a', (size_t)size);
        if (peer_id != 0) PERF_CHECK(zmq_msg_set_routing_id(&msg, peer_id) == 0);
        PERF_CHECK(zmq_msg_send(&msg, s, 0) == size);
        PERF_CHECK(zmq_msg_recv(&msg, s, 0) == size);
        rtt_ns[i] = perf_now_ns() - t0;
        PERF_CHECK(zmq_msg_close(&msg) == 0);
    }
}

/* Sender side of a throughput run: count messages of size bytes (CLIENT/PUSH need no routing). */
static inline void perf_send_stream(void *s, int size, int count) {
    zmq_msg_t msg;
    for (int i = 0; i < count; ++i) {
        PERF_CHECK(zmq_msg_init_size(&msg, (size_t)size) == 0);
        PERF_CHECK(zmq_msg_send(&msg, s, 0) == size);
    }
}

/* Receiver side of a throughput run: prints libzmq's four lines; the clock starts at the first message. */
static inline void perf_recv_stream(void *s, int size, int count) {
    zmq_msg_t msg;
    PERF_CHECK(zmq_msg_init(&msg) == 0);
    PERF_CHECK(zmq_msg_recv(&msg, s, 0) == size);
    const int64_t t0 = perf_now_ns();
    for (int i = 1; i < count; ++i) PERF_CHECK(zmq_msg_recv(&msg, s, 0) == size);
    const int64_t elapsed_ns = perf_now_ns() - t0;
    PERF_CHECK(zmq_msg_close(&msg) == 0);
    const double secs = elapsed_ns > 0 ? elapsed_ns / 1e9 : 1e-9;
    const double msgs = count > 1 ? (count - 1) / secs : 0;
    printf("message size: %d [B]\n", size);
    printf("message count: %d\n", count);
    printf("mean throughput: %d [msg/s]\n", (int)msgs);
    printf("mean throughput: %.3f [Mb/s]\n", msgs * size * 8 / 1e6);
}

static inline void perf_print_latency(int size, int count, int64_t *rtt_ns, int idle_ms) {
    int64_t total = 0;
    for (int i = 0; i < count; ++i) total += rtt_ns[i];
    printf("message size: %d [B]\n", size);
    printf("roundtrip count: %d\n", count);
    printf("average latency: %.3f [us]\n", total / (count * 2.0) / 1000.0);
    if (idle_ms > 0) printf("idle before each roundtrip: %d [ms]\n", idle_ms);
    perf_print_percentiles(rtt_ns, count);
}

#endif
