/* zmq_timers_*, zmq_sendiov/zmq_recviov, zmq_ctx_set_ext/get_ext, and the DISH/ROUTER-only calls on
   the types zmx builds. Plain C11. */
#define _POSIX_C_SOURCE 200809L
#define ZMQ_BUILD_DRAFT_API
#include <zmq.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>

#include "check.h"

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int fired[8];
static void *timers_for_cancel = NULL;
static void on_timer(int id, void *arg) {
    (void)arg;
    if (id > 0 && id < 8) ++fired[id];
    if (timers_for_cancel) zmq_timers_cancel(timers_for_cancel, id); /* a handler may cancel itself */
}

static void timers(void) {
    void *t = zmq_timers_new();
    CHECK(t != NULL);
    CHECK(zmq_timers_timeout(t) == -1);
    CHECK(zmq_timers_add(t, 10, NULL, NULL) == -1 && errno == EFAULT);
    const int a = zmq_timers_add(t, 20, on_timer, NULL);
    const int b = zmq_timers_add(t, 100000, on_timer, NULL);
    CHECK(a > 0 && b > 0 && a != b);
    long left = zmq_timers_timeout(t);
    CHECK(left >= 0 && left <= 20);
    /* Wait for the first timer by sleeping exactly what timeout() says, then execute. */
    while ((left = zmq_timers_timeout(t)) > 0) sleep_ms(left);
    CHECK(zmq_timers_execute(t) == 0);
    CHECK(fired[a] == 1 && fired[b] == 0);
    left = zmq_timers_timeout(t); /* a is periodic: it is due again in about 20 ms */
    CHECK(left >= 0 && left <= 20);
    CHECK(zmq_timers_set_interval(t, b, 0) == 0);
    CHECK(zmq_timers_reset(t, a) == 0);
    CHECK(zmq_timers_timeout(t) == 0); /* b is due now */
    timers_for_cancel = t;
    CHECK(zmq_timers_execute(t) == 0);
    CHECK(fired[b] == 1);
    CHECK(zmq_timers_cancel(t, b) == -1 && errno == EINVAL); /* cancelled itself in its handler */
    CHECK(zmq_timers_cancel(t, a) == 0);
    CHECK(zmq_timers_cancel(t, a) == -1 && errno == EINVAL);
    CHECK(zmq_timers_reset(t, a) == -1 && errno == EINVAL);
    CHECK(zmq_timers_set_interval(t, 999, 1) == -1 && errno == EINVAL);
    CHECK(zmq_timers_timeout(t) == -1);
    CHECK(zmq_timers_destroy(&t) == 0 && t == NULL);
    CHECK(zmq_timers_destroy(&t) == -1 && errno == EFAULT);
    CHECK(zmq_timers_timeout(NULL) == -1 && errno == EFAULT);
}

static void iov_and_ext(void) {
    void *ctx = zmq_ctx_new();
    int v = 2;
    CHECK(zmq_ctx_set_ext(ctx, ZMQ_IO_THREADS, &v, sizeof v) == 0);
    size_t len = sizeof v;
    v = 0;
    CHECK(zmq_ctx_get_ext(ctx, ZMQ_IO_THREADS, &v, &len) == 0 && v == 2 && len == sizeof v);
    CHECK(zmq_ctx_set_ext(ctx, ZMQ_THREAD_NAME_PREFIX, "zmx", 3) == -1 && errno == EINVAL);

    void *a = zmq_socket(ctx, ZMQ_PAIR);
    void *b = zmq_socket(ctx, ZMQ_PAIR);
    set_int(a, ZMQ_LINGER, 0);
    set_int(b, ZMQ_LINGER, 0);
    set_int(b, ZMQ_RCVTIMEO, 5000);
    CHECK(zmq_bind(a, "inproc://iov") == 0);
    CHECK(zmq_connect(b, "inproc://iov") == 0);
    struct iovec out[3] = {{"one", 3}, {"", 0}, {"three", 5}};
    CHECK(zmq_sendiov(a, out, 3, ZMQ_SNDMORE) == 5); /* one message of three parts */
    CHECK(zmq_sendiov(a, NULL, 0, 0) == -1 && errno == EINVAL);
    struct iovec in[4];
    size_t n = 4;
    CHECK(zmq_recviov(b, in, &n, 0) == 3);
    CHECK(n == 3);
    CHECK(in[0].iov_len == 3 && memcmp(in[0].iov_base, "one", 3) == 0);
    CHECK(in[1].iov_len == 0);
    CHECK(in[2].iov_len == 5 && memcmp(in[2].iov_base, "three", 5) == 0);
    for (size_t i = 0; i < n; ++i) free(in[i].iov_base);
    /* Without ZMQ_SNDMORE each buffer is a message of its own. */
    CHECK(zmq_sendiov(a, out, 3, 0) == 5);
    for (int k = 0; k < 3; ++k) {
        n = 4;
        CHECK(zmq_recviov(b, in, &n, 0) == 1 && n == 1);
        CHECK(in[0].iov_len == out[k].iov_len);
        free(in[0].iov_base);
    }

    CHECK(zmq_join(a, "group") == -1 && errno == ENOTSUP);
    CHECK(zmq_leave(a, "group") == -1 && errno == ENOTSUP);
    CHECK(zmq_socket_get_peer_state(a, "id", 2) == -1 && errno == ENOTSUP);
    CHECK(zmq_join(NULL, "group") == -1 && errno == ENOTSOCK);
    zmq_close(a);
    zmq_close(b);
    zmq_ctx_term(ctx);
}

/* zmq_socket_get_peer_state on ROUTER: ZMQ_POLLOUT while the peer's queue has room, 0 when it is
   full, EHOSTUNREACH for an unknown id. */
static void peer_state(void) {
    void *ctx = zmq_ctx_new();
    void *router = zmq_socket(ctx, ZMQ_ROUTER), *dealer = zmq_socket(ctx, ZMQ_DEALER);
    quick(router);
    quick(dealer);
    set_int(router, ZMQ_SNDHWM, 2);
    set_int(dealer, ZMQ_RCVHWM, 2);
    CHECK(zmq_setsockopt(dealer, ZMQ_ROUTING_ID, "d1", 2) == 0);
    CHECK(zmq_bind(router, "inproc://peer-state") == 0);
    CHECK(zmq_connect(dealer, "inproc://peer-state") == 0);
    char buf[8];
    CHECK(zmq_send(dealer, "hi", 2, 0) == 2); /* the router learns "d1" */
    CHECK(zmq_recv(router, buf, sizeof buf, 0) == 2);
    CHECK(zmq_recv(router, buf, sizeof buf, 0) == 2);
    CHECK(zmq_socket_get_peer_state(router, "d1", 2) == ZMQ_POLLOUT);
    CHECK(zmq_socket_get_peer_state(router, "nobody", 6) == -1 && errno == EHOSTUNREACH);
    int sent = 0;
    while (zmq_socket_get_peer_state(router, "d1", 2) == ZMQ_POLLOUT && sent < 100) {
        CHECK(zmq_send(router, "d1", 2, ZMQ_SNDMORE) == 2);
        CHECK(zmq_send(router, "x", 1, 0) == 1);
        ++sent;
    }
    CHECK(sent == 4); /* inproc: the router's SNDHWM plus the dealer's RCVHWM */
    CHECK(zmq_socket_get_peer_state(router, "d1", 2) == 0);
    CHECK(zmq_recv(dealer, buf, sizeof buf, 0) == 1);
    CHECK(zmq_recv(dealer, buf, sizeof buf, 0) == 1);
    CHECK(zmq_recv(dealer, buf, sizeof buf, 0) == 1); /* half drained: room again */
    CHECK(zmq_socket_get_peer_state(router, "d1", 2) == ZMQ_POLLOUT);
    CHECK(zmq_socket_get_peer_state(dealer, "d1", 2) == -1 && errno == ENOTSUP);
    zmq_close(router);
    zmq_close(dealer);
    zmq_ctx_term(ctx);
}

int main(void) {
    timers();
    iov_and_ext();
    peer_state();
    return check_result("capi misc test");
}
