/* zmq_proxy, zmq_proxy_steerable and zmq_device from C with the socket types every build has (PAIR,
   SERVER/CLIENT): multipart messages both ways through the proxy (inproc and tcp), a copy of every frame
   on the capture socket, the control commands PAUSE/RESUME/STATISTICS/TERMINATE, HWM (the proxy stops
   reading a source whose destination is full, drops nothing, and still answers its control socket),
   a single socket both ways, ETERM when zmq_ctx_term runs in another thread, and the argument errors.
   The classic types (ROUTER/DEALER, XSUB/XPUB, PUSH/PULL, REQ/REP) are in proxy_classic_test.c.
   Waits use timeouts, never fixed sleeps for correctness. Plain C11 + POSIX threads. */
#define _POSIX_C_SOURCE 200809L
#define ZMQ_BUILD_DRAFT_API
#include <zmq.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* ---- helpers ---- */

enum { use_proxy, use_steerable, use_device };

struct proxy_arg {
    void *frontend, *backend, *capture, *control;
    int mode;        /* use_* */
    int close_after; /* close frontend and backend once the proxy returned */
    int rc;
    int err;
};

static void* run_proxy(void* p) {
    struct proxy_arg* a = p;
    switch (a->mode) {
        case use_proxy:
            a->rc = zmq_proxy(a->frontend, a->backend, a->capture);
            break;
        case use_steerable:
            a->rc = zmq_proxy_steerable(a->frontend, a->backend, a->capture, a->control);
            break;
        default:
            a->rc = zmq_device(ZMQ_QUEUE, a->frontend, a->backend);
            break;
    }
    a->err = errno;
    if (a->close_after) {
        CHECK(zmq_close(a->frontend) == 0);
        CHECK(zmq_close(a->backend) == 0);
    }
    return NULL;
}

static void* socket_of(void* ctx, int type) {
    void* s = zmq_socket(ctx, type);
    CHECK(s != NULL);
    if (s) quick(s);
    return s;
}

/* Sends the n parts of one message. */
static void send_parts(void* s, const char* const* parts, int n) {
    for (int i = 0; i < n; ++i)
        CHECK(zmq_send(s, parts[i], strlen(parts[i]), i + 1 < n ? ZMQ_SNDMORE : 0) == (int)strlen(parts[i]));
}

/* Receives one message and checks it is exactly these n parts. */
static void expect_parts(void* s, const char* const* parts, int n) {
    for (int i = 0; i < n; ++i) {
        char buf[256];
        const int len = zmq_recv(s, buf, sizeof buf - 1, 0);
        CHECK(len == (int)strlen(parts[i]));
        if (len < 0) return;
        buf[len < (int)sizeof buf - 1 ? len : (int)sizeof buf - 1] = '\0';
        if (strcmp(buf, parts[i]) != 0) {
            fprintf(stderr, "part %d: got '%s', want '%s'\n", i, buf, parts[i]);
            ++failures;
        }
        int more = 0;
        size_t sz = sizeof more;
        CHECK(zmq_getsockopt(s, ZMQ_RCVMORE, &more, &sz) == 0);
        CHECK(more == (i + 1 < n));
    }
}

static void send_str(void* s, const char* text) {
    send_parts(s, &text, 1);
}
static void expect_str(void* s, const char* text) {
    expect_parts(s, &text, 1);
}

/* Nothing arrives within ms (the proxy is paused or blocked). */
static void expect_nothing(void* s, int ms) {
    set_int(s, ZMQ_RCVTIMEO, ms);
    char buf[64];
    CHECK(zmq_recv(s, buf, sizeof buf, 0) == -1 && errno == EAGAIN);
    set_int(s, ZMQ_RCVTIMEO, 5000);
}

/* Asks for STATISTICS on control and reads the eight counters. */
static void stats(void* control, uint64_t out[8]) {
    send_str(control, "STATISTICS");
    for (int i = 0; i < 8; ++i) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        CHECK(zmq_msg_recv(&m, control, 0) == 8);
        out[i] = 0;
        if (zmq_msg_size(&m) == 8) memcpy(&out[i], zmq_msg_data(&m), 8);
        CHECK(zmq_msg_more(&m) == (i < 7));
        zmq_msg_close(&m);
    }
}

static void expect_stats(void* control, const uint64_t want[8]) {
    uint64_t got[8];
    stats(control, got);
    for (int i = 0; i < 8; ++i) {
        if (got[i] != want[i]) {
            fprintf(stderr, "statistics[%d]: got %llu, want %llu\n", i, (unsigned long long)got[i],
                    (unsigned long long)want[i]);
            ++failures;
        }
    }
}

/* A chain client <-> frontend | proxy | backend <-> worker, PAIR everywhere, plus capture and control
   (PAIR, their peers held here). front_ep/back_ep: where frontend and backend bind. */
struct chain {
    void *client, *frontend, *backend, *worker, *capture, *capture_peer, *control, *control_peer;
    struct proxy_arg arg;
    pthread_t thread;
};

static void chain_start(void* ctx, struct chain* c, const char* front_ep, const char* back_ep, int with_capture,
                        int hwm) {
    memset(c, 0, sizeof *c);
    c->frontend = socket_of(ctx, ZMQ_PAIR);
    c->backend = socket_of(ctx, ZMQ_PAIR);
    c->client = socket_of(ctx, ZMQ_PAIR);
    c->worker = socket_of(ctx, ZMQ_PAIR);
    if (hwm > 0) {
        void* four[] = {c->frontend, c->backend, c->client, c->worker};
        for (int i = 0; i < 4; ++i) {
            set_int(four[i], ZMQ_SNDHWM, hwm);
            set_int(four[i], ZMQ_RCVHWM, hwm);
        }
    }
    c->control = socket_of(ctx, ZMQ_PAIR);
    c->control_peer = socket_of(ctx, ZMQ_PAIR);
    static int chains = 0; /* unique names: a closed socket's inproc name may linger in libzmq */
    ++chains;
    char ep[256];
    if (strncmp(front_ep, "tcp", 3) == 0)
        bind_any(c->frontend, ep, sizeof ep);
    else {
        snprintf(ep, sizeof ep, "%s-%d", front_ep, chains);
        CHECK(zmq_bind(c->frontend, ep) == 0);
    }
    CHECK(zmq_connect(c->client, ep) == 0);
    if (strncmp(back_ep, "tcp", 3) == 0)
        bind_any(c->backend, ep, sizeof ep);
    else {
        snprintf(ep, sizeof ep, "%s-%d", back_ep, chains);
        CHECK(zmq_bind(c->backend, ep) == 0);
    }
    CHECK(zmq_connect(c->worker, ep) == 0);
    char name[64];
    snprintf(name, sizeof name, "inproc://control-%d", chains);
    CHECK(zmq_bind(c->control, name) == 0);
    CHECK(zmq_connect(c->control_peer, name) == 0);
    if (with_capture) {
        c->capture = socket_of(ctx, ZMQ_PAIR);
        c->capture_peer = socket_of(ctx, ZMQ_PAIR);
        snprintf(name, sizeof name, "inproc://capture-%d", chains);
        CHECK(zmq_bind(c->capture_peer, name) == 0);
        CHECK(zmq_connect(c->capture, name) == 0);
    }
    c->arg = (struct proxy_arg){c->frontend, c->backend, c->capture, c->control, use_steerable, 0, 99, 0};
    CHECK(pthread_create(&c->thread, NULL, run_proxy, &c->arg) == 0);
}

/* TERMINATE: the proxy returns 0; then every socket is closed. */
static void chain_stop(struct chain* c) {
    send_str(c->control_peer, "TERMINATE");
    pthread_join(c->thread, NULL);
    CHECK(c->arg.rc == 0);
    void* all[] = {c->client,  c->frontend,     c->backend, c->worker,
                   c->capture, c->capture_peer, c->control, c->control_peer};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; ++i)
        if (all[i]) CHECK(zmq_close(all[i]) == 0);
}

/* ---- tests ---- */

static void errors(void* ctx) {
    void* s = socket_of(ctx, ZMQ_PAIR);
    CHECK(zmq_proxy(NULL, s, NULL) == -1 && errno == EFAULT);
    CHECK(zmq_proxy(s, NULL, NULL) == -1 && errno == EFAULT);
    CHECK(zmq_proxy_steerable(NULL, s, NULL, NULL) == -1 && errno == EFAULT);
    CHECK(zmq_proxy_steerable(s, NULL, NULL, s) == -1 && errno == EFAULT);
    CHECK(zmq_device(ZMQ_QUEUE, NULL, s) == -1 && errno == EFAULT);
    /* Not a socket (libzmq would crash here): ENOTSOCK. */
    static uint64_t junk[512];
    CHECK(zmq_proxy(junk, s, NULL) == -1 && errno == ENOTSOCK);
    CHECK(zmq_proxy(s, s, junk) == -1 && errno == ENOTSOCK);
    CHECK(zmq_proxy_steerable(s, s, NULL, junk) == -1 && errno == ENOTSOCK);
    CHECK(zmq_close(s) == 0);
}

/* Multipart messages both ways, every frame on the capture socket in order, and the statistics. */
static void multipart_and_capture(void* ctx, const char* front_ep, const char* back_ep) {
    struct chain c;
    chain_start(ctx, &c, front_ep, back_ep, 1, 0);
    const char* request[] = {"alpha", "", "gamma-gamma"};
    const char* reply[] = {"r1", "reply-2"};
    for (int round = 0; round < 3; ++round) {
        send_parts(c.client, request, 3);
        expect_parts(c.worker, request, 3);
        expect_parts(c.capture_peer, request, 3);
        send_parts(c.worker, reply, 2);
        expect_parts(c.client, reply, 2);
        expect_parts(c.capture_peer, reply, 2);
    }
    /* frontend: 3 in (16 bytes each), 3 out (9 bytes each); backend: the mirror image. */
    const uint64_t want[8] = {3, 48, 3, 27, 3, 27, 3, 48};
    expect_stats(c.control_peer, want);
    expect_str(c.capture_peer, "STATISTICS"); /* as libzmq 4.3.4: commands are captured too */
    chain_stop(&c);
}

/* PAUSE stops the flow (messages wait in the queues), RESUME lets them through, in order. */
static void pause_resume(void* ctx) {
    struct chain c;
    chain_start(ctx, &c, "inproc://pr-front", "inproc://pr-back", 0, 0);
    send_str(c.client, "before");
    expect_str(c.worker, "before");
    send_str(c.control_peer, "PAUSE");
    uint64_t s[8];
    stats(c.control_peer, s); /* answered after PAUSE: the proxy has seen it */
    CHECK(s[0] == 1 && s[6] == 1);
    send_str(c.client, "during-1");
    send_str(c.client, "during-2");
    send_str(c.worker, "back");
    expect_nothing(c.worker, 200);
    expect_nothing(c.client, 50);
    send_str(c.control_peer, "RESUME");
    expect_str(c.worker, "during-1");
    expect_str(c.worker, "during-2");
    expect_str(c.client, "back");
    /* A command the proxy does not know is ignored (libzmq 4.3.4 asserts); so is a multipart one. */
    send_str(c.control_peer, "BOGUS");
    const char* two[] = {"PAUSE", "x"};
    send_parts(c.control_peer, two, 2);
    send_str(c.client, "still-running");
    expect_str(c.worker, "still-running");
    const uint64_t want[8] = {4, 6 + 8 + 8 + 13, 1, 4, 1, 4, 4, 6 + 8 + 8 + 13};
    expect_stats(c.control_peer, want);
    chain_stop(&c);
}

/* The backend's peer does not read: the proxy fills the queues towards it, then stops reading the
   frontend, so the client's sends hit its HWM (a bound of `limit` messages in all: the HWMs of the
   queues, plus socket buffers over tcp); the other direction and the control socket still work; once
   the worker reads, every message arrives once, in order. */
static void hwm_never_drops(void* ctx, const char* back_ep, int limit) {
    struct chain c;
    chain_start(ctx, &c, "inproc://hwm-front", back_ep, 0, 10);
    static char payload[1024];
    memset(payload, 'p', sizeof payload);
    /* Full means: a send waits 200 ms in vain (the proxy keeps draining the client's queue while there
       is room behind it). */
    set_int(c.client, ZMQ_SNDTIMEO, 200);
    int sent = 0;
    for (; sent <= limit; ++sent) {
        snprintf(payload, 16, "m%07d", sent);
        if (zmq_send(c.client, payload, sizeof payload, 0) < 0) break;
    }
    CHECK(errno == EAGAIN);
    set_int(c.client, ZMQ_SNDTIMEO, 5000);
    CHECK(sent >= 20 && sent <= limit);
    /* Not blocked: a reply passes and STATISTICS is answered while requests are stuck. */
    send_str(c.worker, "reply");
    expect_str(c.client, "reply");
    uint64_t s[8];
    stats(c.control_peer, s);
    CHECK(s[6] < (uint64_t)sent && s[4] == 1);
    int got = 0;
    for (; got < sent; ++got) {
        char r[sizeof payload];
        const int n = zmq_recv(c.worker, r, sizeof r, 0);
        if (n < 0) break;
        snprintf(payload, 16, "m%07d", got);
        if (n != (int)sizeof payload || memcmp(r, payload, sizeof payload) != 0) {
            fprintf(stderr, "hwm: message %d differs ('%.8s')\n", got, r);
            ++failures;
            break;
        }
    }
    CHECK(got == sent);
    const uint64_t n = (uint64_t)sent, bytes = n * sizeof payload;
    const uint64_t want[8] = {n, bytes, 1, 5, 1, 5, n, bytes};
    expect_stats(c.control_peer, want);
    chain_stop(&c);
}

/* One SERVER socket as frontend and backend: every message goes back to the CLIENT that sent it (the
   routing id travels with the message); thread-safe sockets work in the proxy as in libzmq. */
static void single_socket_server(void* ctx) {
    void* server = socket_of(ctx, ZMQ_SERVER);
    void* a = socket_of(ctx, ZMQ_CLIENT);
    void* b = socket_of(ctx, ZMQ_CLIENT);
    void* control = socket_of(ctx, ZMQ_PAIR);
    void* control_peer = socket_of(ctx, ZMQ_PAIR);
    char ep[256];
    bind_any(server, ep, sizeof ep);
    CHECK(zmq_connect(a, ep) == 0);
    CHECK(zmq_connect(b, ep) == 0);
    CHECK(zmq_bind(control, "inproc://single-control") == 0);
    CHECK(zmq_connect(control_peer, "inproc://single-control") == 0);
    struct proxy_arg arg = {server, server, NULL, control, use_steerable, 0, 99, 0};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, run_proxy, &arg) == 0);
    for (int i = 0; i < 5; ++i) {
        send_str(a, "from-a");
        send_str(b, "from-b");
        expect_str(a, "from-a");
        expect_str(b, "from-b");
    }
    /* Both ways on one socket: counted as frontend in, backend out (libzmq's bookkeeping). */
    const uint64_t want[8] = {10, 60, 0, 0, 0, 0, 10, 60};
    expect_stats(control_peer, want);
    send_str(control_peer, "TERMINATE");
    pthread_join(t, NULL);
    CHECK(arg.rc == 0);
    void* all[] = {server, a, b, control, control_peer};
    for (int i = 0; i < 5; ++i) CHECK(zmq_close(all[i]) == 0);
}

/* zmq_proxy (and zmq_device) return -1 with ETERM once zmq_ctx_term runs in another thread; the proxy
   thread then closes its sockets, which lets zmq_ctx_term finish. */
static void eterm_on_ctx_term(int mode) {
    void* ctx = zmq_ctx_new();
    CHECK(ctx != NULL);
    void* frontend = socket_of(ctx, ZMQ_PAIR);
    void* backend = socket_of(ctx, ZMQ_PAIR);
    void* client = socket_of(ctx, ZMQ_PAIR);
    void* worker = socket_of(ctx, ZMQ_PAIR);
    CHECK(zmq_bind(frontend, "inproc://term-front") == 0);
    CHECK(zmq_bind(backend, "inproc://term-back") == 0);
    CHECK(zmq_connect(client, "inproc://term-front") == 0);
    CHECK(zmq_connect(worker, "inproc://term-back") == 0);
    struct proxy_arg arg = {frontend, backend, NULL, NULL, mode, 1, 99, 0};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, run_proxy, &arg) == 0);
    send_str(client, "ping");
    expect_str(worker, "ping"); /* the proxy runs (and then sleeps: nothing more to move) */
    CHECK(zmq_close(client) == 0);
    CHECK(zmq_close(worker) == 0);
    CHECK(zmq_ctx_term(ctx) == 0);
    pthread_join(t, NULL);
    CHECK(arg.rc == -1 && arg.err == ETERM);
}

int main(void) {
    void* ctx = zmq_ctx_new();
    CHECK(ctx != NULL);
    errors(ctx);
    multipart_and_capture(ctx, "inproc://mp-front", "inproc://mp-back");
    multipart_and_capture(ctx, "tcp", "tcp");
    pause_resume(ctx);
    hwm_never_drops(ctx, "inproc://hwm-back", 60);
    hwm_never_drops(ctx, "tcp", 100000);
    single_socket_server(ctx);
    CHECK(zmq_ctx_term(ctx) == 0);
    eterm_on_ctx_term(use_proxy);
    eterm_on_ctx_term(use_device);
    return check_result("proxy");
}
