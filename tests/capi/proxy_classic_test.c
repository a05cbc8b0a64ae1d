/* zmq_proxy / zmq_proxy_steerable from C with the classic socket types, the three models of
   zmq_proxy(3): a ROUTER/DEALER shared queue between REQ clients and REP workers (every reply goes back
   to the client that asked), an XSUB/XPUB forwarder (subscriptions and cancels flow up to the
   publisher, messages down to matching subscribers only), a PULL/PUSH streamer (every task reaches one
   worker, none twice, none lost at the HWM); and control sockets: REP (every command answered, as
   libzmq after 4.3.4) and SUB (STATISTICS cannot be answered: -1 with ENOTSUP, as libzmq 4.3.4).
   Each model runs over inproc and tcp. Waits use timeouts, never fixed sleeps. C11 + POSIX threads. */
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

struct proxy_arg {
    void *frontend, *backend, *control;
    int rc;
    int err;
};

static void* run_proxy(void* p) {
    struct proxy_arg* a = p;
    a->rc = zmq_proxy_steerable(a->frontend, a->backend, NULL, a->control);
    a->err = errno;
    return NULL;
}

static void* socket_of(void* ctx, int type) {
    void* s = zmq_socket(ctx, type);
    CHECK(s != NULL);
    if (s) quick(s);
    return s;
}

static void send_str(void* s, const char* text) {
    CHECK(zmq_send(s, text, strlen(text), 0) == (int)strlen(text));
}

/* Receives one single-part message into buf (NUL-terminated); its length or -1. */
static int recv_str(void* s, char* buf, size_t cap) {
    const int n = zmq_recv(s, buf, cap - 1, 0);
    CHECK(n >= 0);
    if (n < 0) return -1;
    buf[(size_t)n < cap - 1 ? (size_t)n : cap - 1] = '\0';
    return n;
}

static void expect_str(void* s, const char* want) {
    char buf[256];
    if (recv_str(s, buf, sizeof buf) < 0) return;
    if (strcmp(buf, want) != 0) {
        fprintf(stderr, "got '%s', want '%s'\n", buf, want);
        ++failures;
    }
}

/* Binds s: tcp (any port) or the given inproc name; writes the endpoint to connect to into ep. */
static void bind_on(void* s, int tcp, const char* name, char* ep, size_t cap) {
    if (tcp) {
        bind_any(s, ep, cap);
    } else {
        snprintf(ep, cap, "inproc://%s", name);
        CHECK(zmq_bind(s, ep) == 0);
    }
}

/* A proxy between frontend and backend with a PAIR control socket; steer is its peer. */
struct running {
    struct proxy_arg arg;
    pthread_t thread;
    void *control, *steer;
};

static void start(void* ctx, struct running* r, void* frontend, void* backend, const char* name) {
    r->control = socket_of(ctx, ZMQ_PAIR);
    r->steer = socket_of(ctx, ZMQ_PAIR);
    char ep[128];
    snprintf(ep, sizeof ep, "inproc://ctl-%s", name);
    CHECK(zmq_bind(r->control, ep) == 0);
    CHECK(zmq_connect(r->steer, ep) == 0);
    r->arg = (struct proxy_arg){frontend, backend, r->control, 99, 0};
    CHECK(pthread_create(&r->thread, NULL, run_proxy, &r->arg) == 0);
}

static void stop(struct running* r) {
    send_str(r->steer, "TERMINATE");
    pthread_join(r->thread, NULL);
    CHECK(r->arg.rc == 0);
    CHECK(zmq_close(r->control) == 0);
    CHECK(zmq_close(r->steer) == 0);
}

enum { n_clients = 3, n_workers = 2, rounds = 20 };

/* ROUTER frontend, DEALER backend: REQ clients, REP workers. */
static void shared_queue(void* ctx, int tcp) {
    void* frontend = socket_of(ctx, ZMQ_ROUTER);
    void* backend = socket_of(ctx, ZMQ_DEALER);
    char fep[256], bep[256];
    bind_on(frontend, tcp, "queue-front", fep, sizeof fep);
    bind_on(backend, tcp, "queue-back", bep, sizeof bep);
    void *clients[n_clients], *workers[n_workers];
    for (int i = 0; i < n_clients; ++i) {
        clients[i] = socket_of(ctx, ZMQ_REQ);
        CHECK(zmq_connect(clients[i], fep) == 0);
    }
    for (int i = 0; i < n_workers; ++i) {
        workers[i] = socket_of(ctx, ZMQ_REP);
        CHECK(zmq_connect(workers[i], bep) == 0);
    }
    struct running r;
    start(ctx, &r, frontend, backend, tcp ? "queue-tcp" : "queue-inproc");
    int served[n_workers] = {0};
    for (int round = 0; round < rounds; ++round) {
        for (int i = 0; i < n_clients; ++i) {
            char req[32];
            snprintf(req, sizeof req, "c%d-r%d", i, round);
            send_str(clients[i], req);
        }
        /* The workers answer the requests in whatever order they reach them. */
        int answered = 0;
        while (answered < n_clients) {
            zmq_pollitem_t items[n_workers];
            for (int w = 0; w < n_workers; ++w) items[w] = (zmq_pollitem_t){workers[w], 0, ZMQ_POLLIN, 0};
            const int n = zmq_poll(items, n_workers, 5000);
            CHECK(n > 0);
            if (n <= 0) break;
            for (int w = 0; w < n_workers; ++w) {
                if (!(items[w].revents & ZMQ_POLLIN)) continue;
                char req[32], rep[48];
                if (recv_str(workers[w], req, sizeof req) < 0) continue;
                snprintf(rep, sizeof rep, "ok:%s", req);
                send_str(workers[w], rep);
                ++served[w];
                ++answered;
            }
        }
        for (int i = 0; i < n_clients; ++i) {
            char want[48];
            snprintf(want, sizeof want, "ok:c%d-r%d", i, round);
            expect_str(clients[i], want);
        }
    }
    CHECK(served[0] + served[1] == n_clients * rounds);
    CHECK(served[0] > 0 && served[1] > 0); /* the DEALER spreads requests over both workers */
    stop(&r);
    for (int i = 0; i < n_clients; ++i) CHECK(zmq_close(clients[i]) == 0);
    for (int i = 0; i < n_workers; ++i) CHECK(zmq_close(workers[i]) == 0);
    CHECK(zmq_close(frontend) == 0);
    CHECK(zmq_close(backend) == 0);
}

/* Reads one subscription message on an XPUB and checks it: first byte 1 (subscribe) or 0 (cancel). */
static void expect_subscription(void* xpub, int subscribe, const char* topic) {
    char buf[64];
    const int n = zmq_recv(xpub, buf, sizeof buf, 0);
    CHECK(n == (int)strlen(topic) + 1);
    if (n <= 0) return;
    CHECK(buf[0] == (subscribe ? 1 : 0));
    CHECK(memcmp(buf + 1, topic, strlen(topic)) == 0);
}

/* XSUB frontend, XPUB backend: an XPUB publisher (to see the subscriptions arrive) and SUB clients. */
static void forwarder(void* ctx, int tcp) {
    void* frontend = socket_of(ctx, ZMQ_XSUB);
    void* backend = socket_of(ctx, ZMQ_XPUB);
    char fep[256], bep[256];
    bind_on(frontend, tcp, "fwd-front", fep, sizeof fep);
    bind_on(backend, tcp, "fwd-back", bep, sizeof bep);
    void* publisher = socket_of(ctx, ZMQ_XPUB);
    CHECK(zmq_connect(publisher, fep) == 0);
    void* news = socket_of(ctx, ZMQ_SUB);
    void* sport = socket_of(ctx, ZMQ_SUB);
    CHECK(zmq_connect(news, bep) == 0);
    CHECK(zmq_connect(sport, bep) == 0);
    struct running r;
    start(ctx, &r, frontend, backend, tcp ? "fwd-tcp" : "fwd-inproc");

    CHECK(zmq_setsockopt(news, ZMQ_SUBSCRIBE, "news", 4) == 0);
    expect_subscription(publisher, 1, "news"); /* up through XPUB -> proxy -> XSUB */
    CHECK(zmq_setsockopt(sport, ZMQ_SUBSCRIBE, "sport", 5) == 0);
    expect_subscription(publisher, 1, "sport");

    send_str(publisher, "weather: rain");
    send_str(publisher, "news: one");
    send_str(publisher, "sport: two");
    send_str(publisher, "news: three");
    expect_str(news, "news: one");
    expect_str(news, "news: three");
    expect_str(sport, "sport: two");

    CHECK(zmq_setsockopt(news, ZMQ_UNSUBSCRIBE, "news", 4) == 0);
    expect_subscription(publisher, 0, "news"); /* the last news subscriber left: the cancel goes up */
    send_str(publisher, "news: four");
    send_str(publisher, "sport: five");
    expect_str(sport, "sport: five");
    set_int(news, ZMQ_RCVTIMEO, 100);
    char buf[32];
    CHECK(zmq_recv(news, buf, sizeof buf, 0) == -1 && errno == EAGAIN);

    stop(&r);
    void* all[] = {publisher, news, sport, frontend, backend};
    for (int i = 0; i < 5; ++i) CHECK(zmq_close(all[i]) == 0);
}

/* PULL frontend, PUSH backend: tasks from a PUSH client reach PULL workers, each exactly once; with the
   workers not reading, the proxy stops at the HWM and loses nothing. */
static void streamer(void* ctx, int tcp) {
    void* frontend = socket_of(ctx, ZMQ_PULL);
    void* backend = socket_of(ctx, ZMQ_PUSH);
    void* client = socket_of(ctx, ZMQ_PUSH);
    void* workers[n_workers];
    void* all[] = {frontend, backend, client};
    for (int i = 0; i < 3; ++i) {
        set_int(all[i], ZMQ_SNDHWM, 20);
        set_int(all[i], ZMQ_RCVHWM, 20);
    }
    char fep[256], bep[256];
    bind_on(frontend, tcp, "stream-front", fep, sizeof fep);
    bind_on(backend, tcp, "stream-back", bep, sizeof bep);
    CHECK(zmq_connect(client, fep) == 0);
    for (int i = 0; i < n_workers; ++i) {
        workers[i] = socket_of(ctx, ZMQ_PULL);
        set_int(workers[i], ZMQ_RCVHWM, 20);
        CHECK(zmq_connect(workers[i], bep) == 0);
    }
    struct running r;
    start(ctx, &r, frontend, backend, tcp ? "stream-tcp" : "stream-inproc");
    int seen[2000] = {0};
    int sent = 0;
    for (; sent < 2000; ++sent) {
        char task[16];
        snprintf(task, sizeof task, "%d", sent);
        if (zmq_send(client, task, strlen(task), ZMQ_DONTWAIT) < 0) break;
    }
    CHECK(errno == EAGAIN || sent == 2000);
    if (!tcp) CHECK(sent < 2000); /* inproc: bounded by the HWMs */
    int got = 0, last[n_workers] = {-1, -1};
    zmq_pollitem_t items[n_workers];
    while (got < sent) {
        for (int w = 0; w < n_workers; ++w) items[w] = (zmq_pollitem_t){workers[w], 0, ZMQ_POLLIN, 0};
        if (zmq_poll(items, n_workers, 5000) <= 0) break;
        for (int w = 0; w < n_workers; ++w) {
            if (!(items[w].revents & ZMQ_POLLIN)) continue;
            char buf[16];
            if (recv_str(workers[w], buf, sizeof buf) < 0) continue;
            const int t = atoi(buf);
            CHECK(t >= 0 && t < sent && !seen[t]);
            CHECK(t > last[w]); /* each worker gets its tasks in order */
            if (t >= 0 && t < 2000) seen[t] = 1;
            last[w] = t;
            ++got;
        }
    }
    CHECK(got == sent);
    stop(&r);
    for (int i = 0; i < n_workers; ++i) CHECK(zmq_close(workers[i]) == 0);
    for (int i = 0; i < 3; ++i) CHECK(zmq_close(all[i]) == 0);
}

/* A REP control socket answers PAUSE, RESUME and TERMINATE with an empty message. */
static void rep_control(void* ctx) {
    void* frontend = socket_of(ctx, ZMQ_PAIR);
    void* backend = socket_of(ctx, ZMQ_PAIR);
    void* client = socket_of(ctx, ZMQ_PAIR);
    void* worker = socket_of(ctx, ZMQ_PAIR);
    void* control = socket_of(ctx, ZMQ_REP);
    void* steer = socket_of(ctx, ZMQ_REQ);
    CHECK(zmq_bind(frontend, "inproc://rep-front") == 0);
    CHECK(zmq_bind(backend, "inproc://rep-back") == 0);
    CHECK(zmq_bind(control, "inproc://rep-ctl") == 0);
    CHECK(zmq_connect(client, "inproc://rep-front") == 0);
    CHECK(zmq_connect(worker, "inproc://rep-back") == 0);
    CHECK(zmq_connect(steer, "inproc://rep-ctl") == 0);
    struct proxy_arg arg = {frontend, backend, control, 99, 0};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, run_proxy, &arg) == 0);
    char buf[64];
    send_str(steer, "PAUSE");
    CHECK(zmq_recv(steer, buf, sizeof buf, 0) == 0);
    send_str(client, "queued");
    set_int(worker, ZMQ_RCVTIMEO, 100);
    CHECK(zmq_recv(worker, buf, sizeof buf, 0) == -1 && errno == EAGAIN);
    set_int(worker, ZMQ_RCVTIMEO, 5000);
    send_str(steer, "RESUME");
    CHECK(zmq_recv(steer, buf, sizeof buf, 0) == 0);
    expect_str(worker, "queued");
    send_str(steer, "STATISTICS");
    for (int i = 0; i < 8; ++i) {
        uint64_t v = 0;
        CHECK(zmq_recv(steer, &v, sizeof v, 0) == 8);
        const uint64_t want[8] = {1, 6, 0, 0, 0, 0, 1, 6};
        CHECK(v == want[i]);
    }
    send_str(steer, "NONSENSE");
    CHECK(zmq_recv(steer, buf, sizeof buf, 0) == 0);
    send_str(steer, "TERMINATE");
    CHECK(zmq_recv(steer, buf, sizeof buf, 0) == 0);
    pthread_join(t, NULL);
    CHECK(arg.rc == 0);
    void* all[] = {frontend, backend, client, worker, control, steer};
    for (int i = 0; i < 6; ++i) CHECK(zmq_close(all[i]) == 0);
}

/* A SUB control socket (libzmq's own example): PAUSE/RESUME work; STATISTICS cannot be answered and
   ends the proxy with -1 and ENOTSUP. */
static void sub_control(void* ctx) {
    void* frontend = socket_of(ctx, ZMQ_PAIR);
    void* backend = socket_of(ctx, ZMQ_PAIR);
    void* control = socket_of(ctx, ZMQ_SUB);
    void* steer = socket_of(ctx, ZMQ_XPUB); /* an XPUB, to know when the subscription arrived */
    CHECK(zmq_setsockopt(control, ZMQ_SUBSCRIBE, "", 0) == 0);
    CHECK(zmq_bind(frontend, "inproc://sub-front") == 0);
    CHECK(zmq_bind(backend, "inproc://sub-back") == 0);
    CHECK(zmq_bind(steer, "inproc://sub-ctl") == 0);
    CHECK(zmq_connect(control, "inproc://sub-ctl") == 0);
    expect_subscription(steer, 1, "");
    struct proxy_arg arg = {frontend, backend, control, 99, 0};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, run_proxy, &arg) == 0);
    send_str(steer, "PAUSE");
    send_str(steer, "RESUME");
    send_str(steer, "STATISTICS");
    pthread_join(t, NULL);
    CHECK(arg.rc == -1 && arg.err == ENOTSUP);
    void* all[] = {frontend, backend, control, steer};
    for (int i = 0; i < 4; ++i) CHECK(zmq_close(all[i]) == 0);
}

int main(void) {
    void* ctx = zmq_ctx_new();
    CHECK(ctx != NULL);
    for (int tcp = 0; tcp < 2; ++tcp) {
        shared_queue(ctx, tcp);
        forwarder(ctx, tcp);
        streamer(ctx, tcp);
    }
    rep_control(ctx);
    sub_control(ctx);
    CHECK(zmq_ctx_term(ctx) == 0);
    return check_result("proxy_classic");
}
