/* ZMQ_FD from C: the descriptor of a classic socket that poll(2) reports readable whenever ZMQ_EVENTS
   may have changed (edge semantics, as libzmq: after it fires the application reads ZMQ_EVENTS and
   receives/sends until ZMQ_EVENTS no longer shows what it waits for). Checked on PAIR over inproc and
   tcp: readable when a message arrives, quiet again once ZMQ_EVENTS was read and the message taken,
   an event loop over poll(2) gets every one of many messages in order, POLLOUT coming back after a
   full queue drains, ETERM after zmq_ctx_shutdown, the descriptor closed with the socket, and EINVAL
   for the thread-safe types and a short buffer. Plain C11 + POSIX. */
#define _POSIX_C_SOURCE 200809L
#define ZMQ_BUILD_DRAFT_API
#include <zmq.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

static int fd_of(void* s) {
    int fd = -1;
    size_t len = sizeof fd;
    CHECK(zmq_getsockopt(s, ZMQ_FD, &fd, &len) == 0);
    CHECK(len == sizeof fd && fd >= 0);
    return fd;
}

static int events_of(void* s) {
    int ev = -1;
    size_t len = sizeof ev;
    CHECK(zmq_getsockopt(s, ZMQ_EVENTS, &ev, &len) == 0);
    return ev;
}

/* 1 if fd is readable within ms, else 0. */
static int readable(int fd, int ms) {
    struct pollfd p = {fd, POLLIN, 0};
    const int n = poll(&p, 1, ms);
    CHECK(n >= 0);
    return n == 1 && (p.revents & POLLIN) != 0;
}

static void* pair_socket(void* ctx) {
    void* s = zmq_socket(ctx, ZMQ_PAIR);
    CHECK(s != NULL);
    quick(s);
    return s;
}

static void errors(void* ctx) {
    const int types[] = {ZMQ_SERVER, ZMQ_CLIENT, ZMQ_PEER};
    for (int i = 0; i < 3; ++i) {
        void* s = zmq_socket(ctx, types[i]);
        CHECK(s != NULL);
        int fd = -1;
        size_t len = sizeof fd;
        CHECK(zmq_getsockopt(s, ZMQ_FD, &fd, &len) == -1 && errno == EINVAL);
        CHECK(zmq_close(s) == 0);
    }
    void* s = pair_socket(ctx);
    char small[2];
    size_t len = sizeof small;
    CHECK(zmq_getsockopt(s, ZMQ_FD, small, &len) == -1 && errno == EINVAL);
    CHECK(zmq_getsockopt(s, ZMQ_FD, NULL, &len) == -1 && errno == EINVAL);
    const int fd = fd_of(s);
    CHECK(fd_of(s) == fd); /* one descriptor per socket */
    CHECK(zmq_close(s) == 0);
    CHECK(fcntl(fd, F_GETFD) == -1 && errno == EBADF); /* closed with the socket */
}

/* One message at a time over inproc: the descriptor fires for each and is quiet in between. */
static void edges(void* ctx) {
    void* a = pair_socket(ctx);
    void* b = pair_socket(ctx);
    CHECK(zmq_bind(a, "inproc://fd-edges") == 0);
    CHECK(zmq_connect(b, "inproc://fd-edges") == 0);
    const int fd = fd_of(a);
    /* Readable at first (the application must look once), quiet after ZMQ_EVENTS was read. */
    CHECK(readable(fd, 0));
    CHECK(events_of(a) == ZMQ_POLLOUT);
    CHECK(!readable(fd, 0));
    for (int i = 0; i < 3; ++i) {
        char text[16];
        snprintf(text, sizeof text, "msg-%d", i);
        CHECK(zmq_send(b, text, strlen(text), 0) == (int)strlen(text));
        CHECK(readable(fd, 5000));
        CHECK(events_of(a) == (ZMQ_POLLIN | ZMQ_POLLOUT));
        char buf[16];
        CHECK(zmq_recv(a, buf, sizeof buf, ZMQ_DONTWAIT) == (int)strlen(text));
        CHECK(memcmp(buf, text, strlen(text)) == 0);
        CHECK(events_of(a) == ZMQ_POLLOUT);
        CHECK(!readable(fd, 0));
        CHECK(!readable(fd, 50)); /* and stays so while nothing happens */
    }
    /* Two messages, one edge: ZMQ_EVENTS keeps showing POLLIN until both are taken. */
    CHECK(zmq_send(b, "x", 1, 0) == 1);
    CHECK(zmq_send(b, "y", 1, 0) == 1);
    CHECK(readable(fd, 5000));
    char buf[4];
    int got = 0;
    while (events_of(a) & ZMQ_POLLIN) {
        CHECK(zmq_recv(a, buf, sizeof buf, ZMQ_DONTWAIT) == 1);
        CHECK(buf[0] == (got == 0 ? 'x' : 'y'));
        ++got;
    }
    CHECK(got == 2);
    CHECK(!readable(fd, 0));
    CHECK(zmq_close(a) == 0);
    CHECK(zmq_close(b) == 0);
}

struct burst_arg {
    void* socket;
    int count;
};

static void* sender(void* p) {
    struct burst_arg* a = p;
    for (int i = 0; i < a->count; ++i) {
        char text[16];
        const int n = snprintf(text, sizeof text, "%d", i);
        CHECK(zmq_send(a->socket, text, (size_t)n, 0) == n);
    }
    return NULL;
}

/* The event loop of a poll(2) application over tcp: every message arrives, in order. */
static void event_loop(void* ctx) {
    void* a = pair_socket(ctx);
    void* b = pair_socket(ctx);
    char ep[256];
    bind_any(a, ep, sizeof ep);
    CHECK(zmq_connect(b, ep) == 0);
    const int fd = fd_of(a);
    struct burst_arg arg = {b, 20000};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, sender, &arg) == 0);
    int next = 0;
    while (next < arg.count) {
        if (!readable(fd, 5000)) {
            fprintf(stderr, "event loop: stuck after %d messages\n", next);
            ++failures;
            break;
        }
        while (events_of(a) & ZMQ_POLLIN) {
            char buf[16];
            const int n = zmq_recv(a, buf, sizeof buf - 1, ZMQ_DONTWAIT);
            CHECK(n > 0);
            if (n <= 0) break;
            buf[n] = '\0';
            char want[16];
            snprintf(want, sizeof want, "%d", next);
            if (strcmp(buf, want) != 0) {
                fprintf(stderr, "event loop: got %s, want %s\n", buf, want);
                ++failures;
                next = arg.count;
                break;
            }
            ++next;
        }
    }
    pthread_join(t, NULL);
    CHECK(next == arg.count);
    CHECK(zmq_close(a) == 0);
    CHECK(zmq_close(b) == 0);
}

/* A full queue: POLLOUT goes; the descriptor fires when the peer drains it and POLLOUT is back. */
static void pollout(void* ctx) {
    void* a = pair_socket(ctx);
    void* b = pair_socket(ctx);
    set_int(a, ZMQ_SNDHWM, 5);
    set_int(b, ZMQ_RCVHWM, 5);
    CHECK(zmq_bind(a, "inproc://fd-out") == 0);
    CHECK(zmq_connect(b, "inproc://fd-out") == 0);
    const int fd = fd_of(a);
    int sent = 0;
    while (sent < 1000 && zmq_send(a, "z", 1, ZMQ_DONTWAIT) == 1) ++sent;
    CHECK(sent >= 5 && sent < 1000);
    CHECK((events_of(a) & ZMQ_POLLOUT) == 0);
    CHECK(!readable(fd, 0));
    char buf[4];
    for (int i = 0; i < sent; ++i) CHECK(zmq_recv(b, buf, sizeof buf, 0) == 1);
    CHECK(readable(fd, 5000));
    CHECK(events_of(a) & ZMQ_POLLOUT);
    CHECK(zmq_close(a) == 0);
    CHECK(zmq_close(b) == 0);
}

/* The context shuts down: the descriptor fires and ZMQ_EVENTS reports ETERM. */
static void shutdown_fires(void) {
    void* ctx = zmq_ctx_new();
    void* a = pair_socket(ctx);
    const int fd = fd_of(a);
    (void)events_of(a);
    CHECK(!readable(fd, 0));
    CHECK(zmq_ctx_shutdown(ctx) == 0);
    CHECK(readable(fd, 5000));
    int ev = 0;
    size_t len = sizeof ev;
    CHECK(zmq_getsockopt(a, ZMQ_EVENTS, &ev, &len) == -1 && errno == ETERM);
    CHECK(zmq_close(a) == 0);
    CHECK(zmq_ctx_term(ctx) == 0);
}

int main(void) {
    void* ctx = zmq_ctx_new();
    CHECK(ctx != NULL);
    errors(ctx);
    edges(ctx);
    event_loop(ctx);
    pollout(ctx);
    CHECK(zmq_ctx_term(ctx) == 0);
    shutdown_fires();
    return check_result("fd");
}
