/* A program built the way a Debian user builds one: `#include <zmq.h>` from libzmq3-dev (stable API,
   no drafts) and linked against Debian's own libzmq.so.5. Run as it is, it runs on Debian's libzmq;
   with zmx's compat directory first on LD_LIBRARY_PATH, the loader gives it zmx instead and it must
   behave the same. It prints the file its zmq_ctx_new came from, then exercises the classic types:
   REQ/REP over tcp, PUSH/PULL with zmq_poll, PUB/SUB with a topic filter, DEALER/ROUTER envelopes
   over ipc, and ZMQ_EVENTS/ZMQ_RCVMORE. Exit 0 and "OK" = passed. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#define CHECK(c)                                                                                      \
    do {                                                                                              \
        if (!(c)) {                                                                                   \
            fprintf(stderr, "FAIL %s:%d: %s (%s)\n", __FILE__, __LINE__, #c, zmq_strerror(zmq_errno())); \
            return 1;                                                                                 \
        }                                                                                             \
    } while (0)

static void *make(void *ctx, int type) {
    void *s = zmq_socket(ctx, type);
    if (s == NULL) return NULL;
    int v = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &v, sizeof v);
    v = 5000;
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &v, sizeof v);
    zmq_setsockopt(s, ZMQ_SNDTIMEO, &v, sizeof v);
    return s;
}

/* Binds s to pattern and writes the endpoint it got into ep. */
static int bind_any(void *s, const char *pattern, char *ep, size_t size) {
    if (zmq_bind(s, pattern) != 0) return -1;
    return zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, ep, &size);
}

/* Receives one frame into buf (NUL-terminated); returns its size or -1. */
static int recv_str(void *s, char *buf, size_t size) {
    const int n = zmq_recv(s, buf, size - 1, 0);
    if (n >= 0) buf[n < (int)size - 1 ? n : (int)size - 1] = '\0';
    return n;
}

int main(void) {
    Dl_info info;
    CHECK(dladdr((void *)zmq_ctx_new, &info) != 0);
    printf("LIBRARY %s\n", info.dli_fname);
    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    char ep[256], buf[256];

    /* REQ/REP over tcp, with the strict alternation error. */
    void *rep = make(ctx, ZMQ_REP), *req = make(ctx, ZMQ_REQ);
    CHECK(rep && req);
    CHECK(bind_any(rep, "tcp://127.0.0.1:*", ep, sizeof ep) == 0);
    CHECK(zmq_connect(req, ep) == 0);
    CHECK(zmq_send(req, "question", 8, 0) == 8);
    CHECK(zmq_send(req, "again", 5, 0) == -1 && zmq_errno() == EFSM);
    CHECK(recv_str(rep, buf, sizeof buf) == 8 && strcmp(buf, "question") == 0);
    CHECK(zmq_send(rep, "answer", 6, 0) == 6);
    CHECK(recv_str(req, buf, sizeof buf) == 6 && strcmp(buf, "answer") == 0);

    /* PUSH/PULL with zmq_poll. */
    void *pull = make(ctx, ZMQ_PULL), *push = make(ctx, ZMQ_PUSH);
    CHECK(pull && push);
    CHECK(bind_any(pull, "tcp://127.0.0.1:*", ep, sizeof ep) == 0);
    CHECK(zmq_connect(push, ep) == 0);
    for (int i = 0; i < 100; ++i) {
        snprintf(buf, sizeof buf, "job-%d", i);
        CHECK(zmq_send(push, buf, strlen(buf), 0) == (int)strlen(buf));
    }
    for (int i = 0; i < 100; ++i) {
        zmq_pollitem_t item = {pull, 0, ZMQ_POLLIN, 0};
        CHECK(zmq_poll(&item, 1, 5000) == 1 && (item.revents & ZMQ_POLLIN));
        char want[32];
        snprintf(want, sizeof want, "job-%d", i);
        CHECK(recv_str(pull, buf, sizeof buf) >= 0 && strcmp(buf, want) == 0);
    }

    /* PUB/SUB: only the subscribed topic arrives. */
    void *pub = make(ctx, ZMQ_PUB), *sub = make(ctx, ZMQ_SUB);
    CHECK(pub && sub);
    CHECK(bind_any(pub, "tcp://127.0.0.1:*", ep, sizeof ep) == 0);
    CHECK(zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "weather", 7) == 0);
    CHECK(zmq_connect(sub, ep) == 0);
    int got = 0;
    for (int round = 0; round < 500 && !got; ++round) { /* until the subscription has reached the PUB */
        CHECK(zmq_send(pub, "sports 1-0", 10, 0) == 10);
        CHECK(zmq_send(pub, "weather sunny", 13, 0) == 13);
        zmq_pollitem_t item = {sub, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, 10) == 1) {
            CHECK(recv_str(sub, buf, sizeof buf) == 13 && strcmp(buf, "weather sunny") == 0);
            got = 1;
        }
    }
    CHECK(got);

    /* DEALER/ROUTER over ipc: the ROUTER sees the DEALER's identity, replies through it. */
    void *router = make(ctx, ZMQ_ROUTER), *dealer = make(ctx, ZMQ_DEALER);
    CHECK(router && dealer);
    snprintf(ep, sizeof ep, "ipc:///tmp/zmx-debian-program-%d.ipc", (int)getpid());
    CHECK(zmq_bind(router, ep) == 0);
    CHECK(zmq_setsockopt(dealer, ZMQ_ROUTING_ID, "worker-7", 8) == 0);
    CHECK(zmq_connect(dealer, ep) == 0);
    CHECK(zmq_send(dealer, "head", 4, ZMQ_SNDMORE) == 4);
    CHECK(zmq_send(dealer, "tail", 4, 0) == 4);
    CHECK(recv_str(router, buf, sizeof buf) == 8 && strcmp(buf, "worker-7") == 0);
    int more = 0;
    size_t more_len = sizeof more;
    CHECK(zmq_getsockopt(router, ZMQ_RCVMORE, &more, &more_len) == 0 && more == 1);
    CHECK(recv_str(router, buf, sizeof buf) == 4 && strcmp(buf, "head") == 0);
    CHECK(recv_str(router, buf, sizeof buf) == 4 && strcmp(buf, "tail") == 0);
    CHECK(zmq_getsockopt(router, ZMQ_RCVMORE, &more, &more_len) == 0 && more == 0);
    CHECK(zmq_send(router, "worker-7", 8, ZMQ_SNDMORE) == 8);
    CHECK(zmq_send(router, "done", 4, 0) == 4);
    CHECK(recv_str(dealer, buf, sizeof buf) == 4 && strcmp(buf, "done") == 0);
    int events = 0;
    size_t events_len = sizeof events;
    CHECK(zmq_getsockopt(dealer, ZMQ_EVENTS, &events, &events_len) == 0);
    CHECK((events & ZMQ_POLLOUT) && !(events & ZMQ_POLLIN));

    void *all[] = {rep, req, pull, push, pub, sub, router, dealer};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; ++i) CHECK(zmq_close(all[i]) == 0);
    CHECK(zmq_ctx_term(ctx) == 0);
    printf("OK\n");
    return 0;
}
