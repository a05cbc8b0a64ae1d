/* zmq_socket_monitor_pipes_stats: one ZMQ_EVENT_PIPES_STATS event (v2: event, 2 values, local and
   remote endpoint) per connection, with the messages queued out and in; EINVAL without a monitor
   asking for the event, EAGAIN without connections, ENOTSOCK for a non-socket. */
#define ZMQ_BUILD_DRAFT_API
#include <stdint.h>

#include "check.h"

/* Reads one v2 event: returns its number, fills the values (up to 4) and the endpoints. */
static uint64_t read_event(void *mon, uint64_t *values, uint64_t *count, char *local, char *remote) {
    uint64_t ev = 0;
    CHECK(zmq_recv(mon, &ev, sizeof ev, 0) == sizeof ev);
    CHECK(zmq_recv(mon, count, sizeof *count, 0) == sizeof *count);
    for (uint64_t i = 0; i < *count && i < 4; ++i) CHECK(zmq_recv(mon, &values[i], sizeof values[i], 0) == 8);
    int n = zmq_recv(mon, local, 255, 0);
    CHECK(n >= 0);
    local[n < 0 ? 0 : n] = '\0';
    n = zmq_recv(mon, remote, 255, 0);
    CHECK(n >= 0);
    remote[n < 0 ? 0 : n] = '\0';
    return ev;
}

static void *watch(void *ctx, void *s, const char *ep) {
    CHECK(zmq_socket_monitor_versioned(s, ep, ZMQ_EVENT_PIPES_STATS, 2, ZMQ_PAIR) == 0);
    void *mon = zmq_socket(ctx, ZMQ_PAIR);
    quick(mon);
    CHECK(zmq_connect(mon, ep) == 0);
    return mon;
}

/* inproc: exact counts on both ends, and libzmq's endpoint pairs (connect: "" / ep; bind: ep / ""). */
static void inproc_counts(void *ctx) {
    void *pull = zmq_socket(ctx, ZMQ_PULL), *push = zmq_socket(ctx, ZMQ_PUSH);
    quick(pull);
    quick(push);
    CHECK(zmq_bind(pull, "inproc://stats") == 0);
    CHECK(zmq_connect(push, "inproc://stats") == 0);
    for (int i = 0; i < 5; ++i) CHECK(zmq_send(push, "m", 1, 0) == 1);

    void *mpush = watch(ctx, push, "inproc://stats-push-mon");
    void *mpull = watch(ctx, pull, "inproc://stats-pull-mon");
    uint64_t v[4] = {0}, n = 0;
    char local[256], remote[256];
    CHECK(zmq_socket_monitor_pipes_stats(push) == 0);
    CHECK(read_event(mpush, v, &n, local, remote) == ZMQ_EVENT_PIPES_STATS);
    CHECK(n == 2 && v[0] == 5 && v[1] == 0);
    CHECK(strcmp(local, "") == 0 && strcmp(remote, "inproc://stats") == 0);
    CHECK(zmq_socket_monitor_pipes_stats(pull) == 0);
    CHECK(read_event(mpull, v, &n, local, remote) == ZMQ_EVENT_PIPES_STATS);
    CHECK(n == 2 && v[0] == 0 && v[1] == 5);
    CHECK(strcmp(local, "inproc://stats") == 0 && strcmp(remote, "") == 0);

    char buf[4];
    CHECK(zmq_recv(pull, buf, sizeof buf, 0) == 1);  /* one read: 4 left */
    CHECK(zmq_socket_monitor_pipes_stats(pull) == 0);
    CHECK(read_event(mpull, v, &n, local, remote) == ZMQ_EVENT_PIPES_STATS);
    CHECK(v[0] == 0 && v[1] == 4);
    zmq_close(mpush);
    zmq_close(mpull);
    zmq_close(push);
    zmq_close(pull);
}

/* tcp: one event per connection, with the connection's tcp:// endpoints. */
static void tcp_endpoints(void *ctx) {
    void *server = zmq_socket(ctx, ZMQ_ROUTER), *a = zmq_socket(ctx, ZMQ_DEALER), *b = zmq_socket(ctx, ZMQ_DEALER);
    quick(server);
    quick(a);
    quick(b);
    char ep[256];
    bind_any(server, ep, sizeof ep);
    CHECK(zmq_connect(a, ep) == 0);
    CHECK(zmq_connect(b, ep) == 0);
    char buf[16];
    CHECK(zmq_send(a, "a", 1, 0) == 1);
    CHECK(zmq_send(b, "b", 1, 0) == 1);
    for (int i = 0; i < 2; ++i) { /* both connections are up: [id][body] from each */
        CHECK(zmq_recv(server, buf, sizeof buf, 0) > 0);
        CHECK(zmq_recv(server, buf, sizeof buf, 0) == 1);
    }
    void *mon = watch(ctx, server, "inproc://stats-router-mon");
    CHECK(zmq_socket_monitor_pipes_stats(server) == 0);
    for (int i = 0; i < 2; ++i) {
        uint64_t v[4] = {0}, n = 0;
        char local[256], remote[256];
        CHECK(read_event(mon, v, &n, local, remote) == ZMQ_EVENT_PIPES_STATS);
        CHECK(n == 2 && v[0] == 0 && v[1] == 0);
        CHECK(strcmp(local, ep) == 0);
        CHECK(strncmp(remote, "tcp://127.0.0.1:", 16) == 0 && strcmp(remote, ep) != 0);
    }
    zmq_close(mon);
    zmq_close(a);
    zmq_close(b);
    zmq_close(server);
}

static void errors(void *ctx) {
    int junk = 0;
    CHECK(zmq_socket_monitor_pipes_stats(&junk) == -1 && errno == ENOTSOCK);
    void *s = zmq_socket(ctx, ZMQ_PUSH);
    quick(s);
    CHECK(zmq_socket_monitor_pipes_stats(s) == -1 && errno == EINVAL); /* no monitor */
    CHECK(zmq_socket_monitor_versioned(s, "inproc://stats-err-mon", ZMQ_EVENT_CONNECTED, 2, ZMQ_PAIR) == 0);
    CHECK(zmq_socket_monitor_pipes_stats(s) == -1 && errno == EINVAL); /* not asked for */
    CHECK(zmq_socket_monitor_versioned(s, "inproc://stats-err-mon2", ZMQ_EVENT_PIPES_STATS, 2, ZMQ_PAIR) == 0);
    CHECK(zmq_socket_monitor_pipes_stats(s) == -1 && errno == EAGAIN); /* no connections */
    zmq_close(s);
}

int main(void) {
    void *ctx = zmq_ctx_new();
    CHECK(ctx != NULL);
    inproc_counts(ctx);
    tcp_endpoints(ctx);
    errors(ctx);
    CHECK(zmq_ctx_term(ctx) == 0);
    return check_result("pipes_stats");
}
