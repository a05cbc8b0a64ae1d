/* zmq_poller_* and zmq_poll from C: SERVER/CLIENT/PEER and PAIR (inproc and tcp) readiness, timeouts
   (EAGAIN), wait_all, user_data, modify/remove, the errors of each call, native fds (pipe(2)) in the
   same set, a wait forever woken by another thread, ETERM on context shutdown, zmq_poller_fd and
   ZMQ_EVENTS. Waits use deadlines, never fixed sleeps for correctness. Plain C11 + POSIX. */
#define _POSIX_C_SOURCE 200809L
#define ZMQ_BUILD_DRAFT_API
#include <zmq.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static long elapsed_ms(const struct timespec *t0) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)(t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Waits (up to 5 s) until wait_all reports `want` events; returns how many it last reported. */
static int wait_for_n(void *poller, zmq_poller_event_t *ev, int cap, int want) {
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int n = 0;
    while (elapsed_ms(&t0) < 5000) {
        n = zmq_poller_wait_all(poller, ev, cap, 100);
        if (n == want) break;
    }
    return n;
}

/* A thread that sends after the main thread (most likely) went to sleep in a wait. */
struct sender_arg {
    void *socket;
    uint32_t routing_id;
    int fd; /* >= 0: write a byte here instead */
    void *ctx; /* non-null: zmq_ctx_shutdown instead */
};

static void *sender(void *p) {
    struct sender_arg *a = p;
    struct timespec d = {0, 50 * 1000000}; /* only makes the wait likely to have started */
    nanosleep(&d, NULL);
    if (a->ctx) {
        zmq_ctx_shutdown(a->ctx);
    } else if (a->fd >= 0) {
        CHECK(write(a->fd, "x", 1) == 1);
    } else {
        zmq_msg_t m;
        zmq_msg_init_buffer(&m, "late", 4);
        if (a->routing_id) zmq_msg_set_routing_id(&m, a->routing_id);
        CHECK(zmq_msg_send(&m, a->socket, 0) == 4);
        zmq_msg_close(&m);
    }
    return NULL;
}

static uint32_t recv_id(void *s) {
    zmq_msg_t m;
    zmq_msg_init(&m);
    CHECK(zmq_msg_recv(&m, s, 0) >= 0);
    const uint32_t id = zmq_msg_routing_id(&m);
    zmq_msg_close(&m);
    return id;
}

static void errors(void *ctx) {
    CHECK(zmq_poller_size(NULL) == -1 && errno == EFAULT);
    CHECK(zmq_poller_destroy(NULL) == -1 && errno == EFAULT);
    void *none = NULL;
    CHECK(zmq_poller_destroy(&none) == -1 && errno == EFAULT);
    zmq_poller_event_t ev;
    CHECK(zmq_poller_wait(NULL, &ev, 0) == -1 && errno == EFAULT);

    void *poller = zmq_poller_new();
    CHECK(poller != NULL);
    CHECK(zmq_poller_size(poller) == 0);
    void *s = zmq_socket(ctx, ZMQ_SERVER);
    CHECK(zmq_poller_add(poller, NULL, NULL, ZMQ_POLLIN) == -1 && errno == ENOTSOCK);
    CHECK(zmq_poller_add(NULL, s, NULL, ZMQ_POLLIN) == -1 && errno == EFAULT);
    CHECK(zmq_poller_add(poller, s, NULL, 0x100) == -1 && errno == EINVAL);
    CHECK(zmq_poller_modify(poller, s, ZMQ_POLLIN) == -1 && errno == EINVAL); /* not there */
    CHECK(zmq_poller_remove(poller, s) == -1 && errno == EINVAL);
    CHECK(zmq_poller_fd(poller, &(zmq_fd_t){0}) == -1 && errno == EINVAL); /* no socket yet */
    CHECK(zmq_poller_add(poller, s, NULL, ZMQ_POLLIN) == 0);
    CHECK(zmq_poller_add(poller, s, NULL, ZMQ_POLLIN) == -1 && errno == EINVAL); /* twice */
    CHECK(zmq_poller_size(poller) == 1);
    CHECK(zmq_poller_wait_all(poller, NULL, 1, 0) == -1 && errno == EFAULT);
    CHECK(zmq_poller_wait_all(poller, &ev, -1, 0) == -1 && errno == EINVAL);
    CHECK(zmq_poller_add_fd(poller, -1, NULL, ZMQ_POLLIN) == -1 && errno == EBADF);
    CHECK(zmq_poller_modify_fd(poller, 0, ZMQ_POLLIN) == -1 && errno == EINVAL);
    CHECK(zmq_poller_remove_fd(poller, 0) == -1 && errno == EINVAL);
    CHECK(zmq_poller_add_fd(poller, 0, NULL, ZMQ_POLLIN) == 0);
    CHECK(zmq_poller_add_fd(poller, 0, NULL, ZMQ_POLLIN) == -1 && errno == EINVAL);
    CHECK(zmq_poller_add_fd(poller, 0, NULL, 0x100) == -1 && errno == EINVAL);
    CHECK(zmq_poller_remove_fd(poller, 0) == 0);
    CHECK(zmq_poller_remove(poller, s) == 0);
    CHECK(zmq_poller_size(poller) == 0);
    /* Empty: a timed wait times out, a wait forever is refused (as libzmq). */
    CHECK(zmq_poller_wait(poller, &ev, 0) == -1 && errno == EAGAIN);
    CHECK(ev.socket == NULL && ev.user_data == NULL && ev.events == 0);
    CHECK(zmq_poller_wait(poller, &ev, -1) == -1 && errno == EFAULT);
    CHECK(zmq_poller_destroy(&poller) == 0 && poller == NULL);
    CHECK(zmq_close(s) == 0);

    zmq_pollitem_t item = {NULL, 0, ZMQ_POLLIN, 0};
    CHECK(zmq_poll(NULL, 1, 0) == -1 && errno == EFAULT);
    CHECK(zmq_poll(&item, -1, 0) == -1 && errno == EINVAL);
    CHECK(zmq_poll(NULL, 0, 0) == 0);
}

static void server_client(void *ctx) {
    void *server = zmq_socket(ctx, ZMQ_SERVER);
    void *client = zmq_socket(ctx, ZMQ_CLIENT);
    quick(server);
    quick(client);
    char ep[256];
    bind_any(server, ep, sizeof ep);

    void *poller = zmq_poller_new();
    int tag_s = 1, tag_c = 2;
    CHECK(zmq_poller_add(poller, server, &tag_s, ZMQ_POLLIN) == 0);
    CHECK(zmq_poller_add(poller, client, &tag_c, ZMQ_POLLIN) == 0);
    zmq_poller_event_t ev[4];

    /* Idle: at once, and after a timeout. */
    CHECK(zmq_poller_wait(poller, &ev[0], 0) == -1 && errno == EAGAIN);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK(zmq_poller_wait(poller, &ev[0], 50) == -1 && errno == EAGAIN);
    CHECK(elapsed_ms(&t0) >= 45);
    CHECK(ev[0].socket == NULL && ev[0].events == 0);

    /* Readable after the peer sends; user_data comes back. */
    CHECK(zmq_connect(client, ep) == 0);
    CHECK(zmq_send(client, "hi", 2, 0) == 2);
    CHECK(zmq_poller_wait(poller, &ev[0], 5000) == 0);
    CHECK(ev[0].socket == server && ev[0].user_data == &tag_s && ev[0].events == ZMQ_POLLIN);
    CHECK(ev[0].fd == -1);
    int events = 0;
    size_t len = sizeof events;
    CHECK(zmq_getsockopt(server, ZMQ_EVENTS, &events, &len) == 0 && (events & ZMQ_POLLIN) && (events & ZMQ_POLLOUT));
    const uint32_t id = recv_id(server);
    CHECK(zmq_poller_wait(poller, &ev[0], 0) == -1 && errno == EAGAIN); /* drained */

    /* Both readable: wait_all returns both, in the order they were added. */
    CHECK(zmq_send(client, "again", 5, 0) == 5);
    zmq_msg_t m;
    zmq_msg_init_buffer(&m, "back", 4);
    zmq_msg_set_routing_id(&m, id);
    CHECK(zmq_msg_send(&m, server, 0) == 4);
    zmq_msg_close(&m);
    CHECK(wait_for_n(poller, ev, 4, 2) == 2);
    CHECK(ev[0].socket == server && ev[0].user_data == &tag_s && ev[0].events == ZMQ_POLLIN);
    CHECK(ev[1].socket == client && ev[1].user_data == &tag_c && ev[1].events == ZMQ_POLLIN);
    CHECK(ev[2].socket == NULL && ev[3].events == 0); /* the rest zeroed */
    CHECK(zmq_poller_wait_all(poller, ev, 1, 0) == 1); /* at most n */

    /* zmq_poll over the same sockets, one of them twice. */
    zmq_pollitem_t items[3] = {{server, 0, ZMQ_POLLIN, 0}, {client, 0, ZMQ_POLLIN, 0}, {server, 0, ZMQ_POLLOUT, 0}};
    CHECK(zmq_poll(items, 3, 0) == 3);
    CHECK(items[0].revents == ZMQ_POLLIN && items[1].revents == ZMQ_POLLIN && items[2].revents == ZMQ_POLLOUT);
    recv_id(server);
    recv_id(client);
    CHECK(zmq_poll(items, 2, 0) == 0 && items[0].revents == 0 && items[1].revents == 0);
    CHECK(zmq_poll(items, 2, 30) == 0);

    /* modify to POLLOUT: SERVER is always writable, CLIENT once it has a pipe with room. */
    CHECK(zmq_poller_modify(poller, server, ZMQ_POLLOUT) == 0);
    CHECK(zmq_poller_modify(poller, client, ZMQ_POLLIN | ZMQ_POLLOUT) == 0);
    CHECK(zmq_poller_wait_all(poller, ev, 4, 0) == 2);
    CHECK(ev[0].socket == server && ev[0].events == ZMQ_POLLOUT);
    CHECK(ev[1].socket == client && ev[1].events == ZMQ_POLLOUT);

    /* remove */
    CHECK(zmq_poller_remove(poller, server) == 0);
    CHECK(zmq_poller_size(poller) == 1);
    CHECK(zmq_poller_remove(poller, server) == -1 && errno == EINVAL);
    CHECK(zmq_poller_modify(poller, client, ZMQ_POLLIN) == 0);
    CHECK(zmq_poller_add(poller, server, &tag_s, ZMQ_POLLIN) == 0);

    /* Another thread sends while this one waits forever (poller, then zmq_poll). */
    pthread_t th;
    struct sender_arg a = {client, 0, -1, NULL};
    CHECK(pthread_create(&th, NULL, sender, &a) == 0);
    CHECK(zmq_poller_wait(poller, &ev[0], -1) == 0);
    CHECK(ev[0].socket == server && ev[0].events == ZMQ_POLLIN);
    pthread_join(th, NULL);
    recv_id(server);
    struct sender_arg b = {server, id, -1, NULL};
    CHECK(pthread_create(&th, NULL, sender, &b) == 0);
    CHECK(zmq_poll(items, 2, -1) == 1 && items[1].revents == ZMQ_POLLIN && items[0].revents == 0);
    pthread_join(th, NULL);
    recv_id(client);

    /* zmq_poller_fd: readable once something may be ready (edge: drain with wait(0) first). */
    zmq_fd_t pfd = -1;
    CHECK(zmq_poller_fd(poller, NULL) == -1 && errno == EFAULT);
    CHECK(zmq_poller_fd(poller, &pfd) == 0 && pfd >= 0);
    CHECK(zmq_poller_wait(poller, &ev[0], 0) == -1 && errno == EAGAIN);
    struct pollfd p = {pfd, POLLIN, 0};
    CHECK(poll(&p, 1, 0) == 0);
    CHECK(zmq_send(client, "fd", 2, 0) == 2);
    CHECK(poll(&p, 1, 5000) == 1 && (p.revents & POLLIN));
    CHECK(wait_for_n(poller, ev, 1, 1) == 1 && ev[0].socket == server);
    recv_id(server);

    CHECK(zmq_poller_destroy(&poller) == 0);
    CHECK(zmq_close(server) == 0);
    CHECK(zmq_close(client) == 0);
}

static void peers(void *ctx) {
    void *a = zmq_socket(ctx, ZMQ_PEER);
    void *b = zmq_socket(ctx, ZMQ_PEER);
    quick(a);
    quick(b);
    char ep[256];
    bind_any(a, ep, sizeof ep);
    const uint32_t to_a = zmq_connect_peer(b, ep);
    CHECK(to_a != 0);
    void *poller = zmq_poller_new();
    CHECK(zmq_poller_add(poller, a, NULL, ZMQ_POLLIN) == 0);
    CHECK(zmq_poller_add(poller, b, NULL, ZMQ_POLLIN) == 0);
    zmq_poller_event_t ev;
    CHECK(zmq_poller_wait(poller, &ev, 0) == -1 && errno == EAGAIN);
    zmq_msg_t m;
    zmq_msg_init_buffer(&m, "p", 1);
    zmq_msg_set_routing_id(&m, to_a);
    CHECK(zmq_msg_send(&m, b, 0) == 1);
    zmq_msg_close(&m);
    CHECK(zmq_poller_wait(poller, &ev, 5000) == 0 && ev.socket == a && ev.events == ZMQ_POLLIN);
    const uint32_t to_b = recv_id(a);
    zmq_msg_init_buffer(&m, "q", 1);
    zmq_msg_set_routing_id(&m, to_b);
    CHECK(zmq_msg_send(&m, a, 0) == 1);
    zmq_msg_close(&m);
    CHECK(zmq_poller_wait(poller, &ev, 5000) == 0 && ev.socket == b && ev.events == ZMQ_POLLIN);
    recv_id(b);
    CHECK(zmq_poller_destroy(&poller) == 0);
    zmq_close(a);
    zmq_close(b);
}

static void fds(void *ctx) {
    void *server = zmq_socket(ctx, ZMQ_SERVER);
    void *client = zmq_socket(ctx, ZMQ_CLIENT);
    quick(server);
    quick(client);
    CHECK(zmq_bind(server, "inproc://poller-fds") == 0);
    CHECK(zmq_connect(client, "inproc://poller-fds") == 0);
    int pp[2];
    CHECK(pipe(pp) == 0);
    void *poller = zmq_poller_new();
    int tag_fd = 7;
    CHECK(zmq_poller_add(poller, server, NULL, ZMQ_POLLIN) == 0);
    CHECK(zmq_poller_add_fd(poller, pp[0], &tag_fd, ZMQ_POLLIN) == 0);
    zmq_poller_event_t ev;
    CHECK(zmq_poller_wait(poller, &ev, 0) == -1 && errno == EAGAIN);
    CHECK(zmq_poller_wait(poller, &ev, 20) == -1 && errno == EAGAIN);

    /* The fd becomes readable: written by another thread while we wait forever. */
    pthread_t th;
    struct sender_arg w = {NULL, 0, pp[1], NULL};
    CHECK(pthread_create(&th, NULL, sender, &w) == 0);
    CHECK(zmq_poller_wait(poller, &ev, -1) == 0);
    pthread_join(th, NULL);
    CHECK(ev.socket == NULL && ev.fd == pp[0] && ev.user_data == &tag_fd && ev.events == ZMQ_POLLIN);
    char c;
    CHECK(read(pp[0], &c, 1) == 1);

    /* A socket wakes a wait that also sleeps in poll(2) on the fd. */
    struct sender_arg s = {client, 0, -1, NULL};
    CHECK(pthread_create(&th, NULL, sender, &s) == 0);
    CHECK(zmq_poller_wait(poller, &ev, -1) == 0);
    pthread_join(th, NULL);
    CHECK(ev.socket == server && ev.events == ZMQ_POLLIN);

    /* zmq_poll with a socket and an fd */
    zmq_pollitem_t items[2] = {{server, 0, ZMQ_POLLIN, 0}, {NULL, pp[0], ZMQ_POLLIN, 0}};
    CHECK(zmq_poll(items, 2, 0) == 1 && items[0].revents == ZMQ_POLLIN && items[1].revents == 0);
    recv_id(server);
    CHECK(zmq_poll(items, 2, 0) == 0);
    CHECK(write(pp[1], "y", 1) == 1);
    CHECK(zmq_poll(items, 2, 5000) == 1 && items[1].revents == ZMQ_POLLIN);
    CHECK(read(pp[0], &c, 1) == 1);

    /* modify_fd, remove_fd; the write end is writable; a closed write end reports POLLERR|POLLIN (HUP). */
    CHECK(zmq_poller_modify_fd(poller, pp[0], 0) == 0);
    CHECK(zmq_poller_add_fd(poller, pp[1], NULL, ZMQ_POLLOUT) == 0);
    CHECK(zmq_poller_wait(poller, &ev, 0) == 0 && ev.fd == pp[1] && ev.events == ZMQ_POLLOUT);
    CHECK(zmq_poller_remove_fd(poller, pp[1]) == 0);
    CHECK(zmq_poller_modify_fd(poller, pp[0], ZMQ_POLLIN) == 0);
    close(pp[1]);
    CHECK(zmq_poller_wait(poller, &ev, 5000) == 0 && ev.fd == pp[0] && (ev.events & ZMQ_POLLERR));
    CHECK(zmq_poller_remove_fd(poller, pp[0]) == 0);
    close(pp[0]);

    CHECK(zmq_poller_destroy(&poller) == 0);
    zmq_close(server);
    zmq_close(client);
}

static void pair_over(void *ctx, const char *transport) {
    void *a = zmq_socket(ctx, ZMQ_PAIR);
    void *b = zmq_socket(ctx, ZMQ_PAIR);
    quick(a);
    quick(b);
    char ep[256];
    if (strcmp(transport, "tcp") == 0) bind_any(a, ep, sizeof ep);
    else {
        strcpy(ep, "inproc://poller-pair");
        CHECK(zmq_bind(a, ep) == 0);
    }
    void *poller = zmq_poller_new();
    CHECK(zmq_poller_add(poller, a, NULL, ZMQ_POLLIN) == 0);
    CHECK(zmq_poller_add(poller, b, NULL, ZMQ_POLLOUT) == 0);
    zmq_poller_event_t ev;
    CHECK(zmq_poller_wait(poller, &ev, 0) == -1 && errno == EAGAIN); /* b has no peer yet */
    CHECK(zmq_connect(b, ep) == 0);
    CHECK(zmq_poller_wait(poller, &ev, 5000) == 0 && ev.socket == b && ev.events == ZMQ_POLLOUT);
    CHECK(zmq_send(b, "pa", 2, ZMQ_SNDMORE) == 2);
    CHECK(zmq_send(b, "ir", 2, 0) == 2);
    CHECK(zmq_poller_modify(poller, b, ZMQ_POLLIN) == 0);
    CHECK(zmq_poller_wait(poller, &ev, 5000) == 0 && ev.socket == a && ev.events == ZMQ_POLLIN);
    char buf[4];
    CHECK(zmq_recv(a, buf, sizeof buf, 0) == 2);
    CHECK(zmq_recv(a, buf, sizeof buf, 0) == 2);
    zmq_pollitem_t items[2] = {{a, 0, ZMQ_POLLIN | ZMQ_POLLOUT, 0}, {b, 0, ZMQ_POLLIN, 0}};
    CHECK(zmq_poll(items, 2, 5000) == 1 && items[0].revents == ZMQ_POLLOUT); /* once a has its pipe */
    CHECK(zmq_send(a, "x", 1, 0) == 1);
    items[0].events = ZMQ_POLLIN;
    CHECK(zmq_poll(items, 2, 5000) == 1 && items[1].revents == ZMQ_POLLIN);
    CHECK(zmq_recv(b, buf, sizeof buf, 0) == 1);
    CHECK(zmq_poller_destroy(&poller) == 0);
    zmq_close(a);
    zmq_close(b);
}

/* zmq_ctx_shutdown while a poller (then zmq_poll) waits forever: ETERM. */
static void shutdown_wakes(void) {
    void *ctx = zmq_ctx_new();
    void *s = zmq_socket(ctx, ZMQ_SERVER);
    void *c = zmq_socket(ctx, ZMQ_PAIR);
    quick(s);
    quick(c);
    CHECK(zmq_bind(s, "inproc://poller-term") == 0);
    void *poller = zmq_poller_new();
    CHECK(zmq_poller_add(poller, s, NULL, ZMQ_POLLIN) == 0);
    pthread_t th;
    struct sender_arg a = {NULL, 0, -1, ctx};
    CHECK(pthread_create(&th, NULL, sender, &a) == 0);
    zmq_poller_event_t ev;
    CHECK(zmq_poller_wait(poller, &ev, -1) == -1 && errno == ETERM);
    pthread_join(th, NULL);
    CHECK(zmq_poller_wait(poller, &ev, 0) == -1 && errno == ETERM);
    zmq_pollitem_t items[2] = {{s, 0, ZMQ_POLLIN, 0}, {c, 0, ZMQ_POLLIN, 0}};
    CHECK(zmq_poll(items, 2, -1) == -1 && errno == ETERM);
    int events = 0;
    size_t len = sizeof events;
    CHECK(zmq_getsockopt(s, ZMQ_EVENTS, &events, &len) == -1 && errno == ETERM);
    CHECK(zmq_poller_destroy(&poller) == 0);
    zmq_close(s);
    zmq_close(c);
    CHECK(zmq_ctx_term(ctx) == 0);

    /* Same with a native fd in the set (the wait sleeps in poll(2)). */
    ctx = zmq_ctx_new();
    s = zmq_socket(ctx, ZMQ_CLIENT);
    quick(s);
    int pp[2];
    CHECK(pipe(pp) == 0);
    poller = zmq_poller_new();
    CHECK(zmq_poller_add(poller, s, NULL, ZMQ_POLLIN) == 0);
    CHECK(zmq_poller_add_fd(poller, pp[0], NULL, ZMQ_POLLIN) == 0);
    struct sender_arg b = {NULL, 0, -1, ctx};
    CHECK(pthread_create(&th, NULL, sender, &b) == 0);
    CHECK(zmq_poller_wait(poller, &ev, -1) == -1 && errno == ETERM);
    pthread_join(th, NULL);
    CHECK(zmq_poller_destroy(&poller) == 0);
    close(pp[0]);
    close(pp[1]);
    zmq_close(s);
    CHECK(zmq_ctx_term(ctx) == 0);
}

int main(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx != NULL);
    errors(ctx);
    server_client(ctx);
    peers(ctx);
    fds(ctx);
    pair_over(ctx, "inproc");
    pair_over(ctx, "tcp");
    CHECK(zmq_ctx_term(ctx) == 0);
    shutdown_wakes();
    return check_result("capi poller test");
}
