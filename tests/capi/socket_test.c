/* The C API's sockets and messages: contexts, SERVER/CLIENT and PEER exchanges with routing ids,
   zmq_msg_* life cycle, properties, monitor events, and the errors of each call. Plain C11. */
#define ZMQ_BUILD_DRAFT_API
#include <zmq.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static void server_client(void *ctx) {
    void *server = zmq_socket(ctx, ZMQ_SERVER);
    void *client = zmq_socket(ctx, ZMQ_CLIENT);
    CHECK(server && client);
    quick(server);
    quick(client);
    char ep[256];
    bind_any(server, ep, sizeof ep);
    CHECK(zmq_connect(client, ep) == 0);
    CHECK(zmq_send(client, "hello", 5, 0) == 5);

    zmq_msg_t msg;
    CHECK(zmq_msg_init(&msg) == 0);
    CHECK(zmq_msg_recv(&msg, server, 0) == 5);
    CHECK(zmq_msg_size(&msg) == 5 && memcmp(zmq_msg_data(&msg), "hello", 5) == 0);
    CHECK(zmq_msg_more(&msg) == 0);
    const uint32_t id = zmq_msg_routing_id(&msg);
    CHECK(id != 0);
    const char *type = zmq_msg_gets(&msg, "Socket-Type");
    CHECK(type && strcmp(type, "CLIENT") == 0);
    CHECK(zmq_msg_gets(&msg, "No-Such-Property") == NULL && errno == EINVAL);
    CHECK(zmq_msg_close(&msg) == 0);

    zmq_msg_t reply;
    CHECK(zmq_msg_init_buffer(&reply, "world!", 6) == 0);
    CHECK(zmq_msg_set_routing_id(&reply, 0) == -1 && errno == EINVAL);
    CHECK(zmq_msg_set_routing_id(&reply, id) == 0);
    CHECK(zmq_msg_send(&reply, server, 0) == 6);
    CHECK(zmq_msg_size(&reply) == 0); /* consumed */
    CHECK(zmq_msg_close(&reply) == 0);

    char buf[4];
    CHECK(zmq_recv(client, buf, sizeof buf, 0) == 6); /* truncated, full size returned */
    CHECK(memcmp(buf, "worl", 4) == 0);

    /* Errors */
    CHECK(zmq_send(client, "x", 1, ZMQ_SNDMORE) == -1 && errno == EINVAL); /* single-part type */
    zmq_msg_t kept;
    zmq_msg_init_buffer(&kept, "k", 1);
    CHECK(zmq_msg_send(&kept, client, ZMQ_SNDMORE) == -1 && errno == EINVAL);
    CHECK(zmq_msg_size(&kept) == 1 && zmq_msg_more(&kept) == 0); /* a failed send leaves it as it was */
    zmq_msg_close(&kept);
    CHECK(zmq_recv(client, buf, sizeof buf, ZMQ_DONTWAIT) == -1 && errno == EAGAIN);
    CHECK(zmq_connect_peer(server, ep) == 0 && errno == ENOTSUP);
    CHECK(zmq_disconnect_peer(server, id) == 0);
    CHECK(zmq_disconnect_peer(server, id) == -1 && errno == EHOSTUNREACH);
    CHECK(zmq_bind(server, "nonsense") == -1 && errno == EINVAL);
    CHECK(zmq_connect(client, "tipc://x") == -1 && errno == EPROTONOSUPPORT);
    CHECK(zmq_unbind(server, "tcp://127.0.0.1:1") == -1 && errno == ENOENT);
    CHECK(zmq_close(server) == 0);
    CHECK(zmq_close(client) == 0);
}

static void peer_and_monitor(void *ctx) {
    void *a = zmq_socket(ctx, ZMQ_PEER);
    void *b = zmq_socket(ctx, ZMQ_PEER);
    quick(a);
    quick(b);
    CHECK(zmq_socket_monitor(a, "inproc://capi-monitor", ZMQ_EVENT_HANDSHAKE_SUCCEEDED) == 0);
    void *mon = zmq_socket(ctx, ZMQ_PAIR);
    quick(mon);
    CHECK(zmq_connect(mon, "inproc://capi-monitor") == 0);

    char ep[256];
    bind_any(b, ep, sizeof ep);
    const uint32_t to_b = zmq_connect_peer(a, ep);
    CHECK(to_b != 0);

    zmq_msg_t ev;
    zmq_msg_init(&ev);
    CHECK(zmq_msg_recv(&ev, mon, 0) == 6);
    uint16_t event = 0;
    memcpy(&event, zmq_msg_data(&ev), 2);
    CHECK(event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    CHECK(zmq_msg_more(&ev) == 1);
    CHECK(zmq_msg_recv(&ev, mon, 0) == (int)strlen(ep));
    CHECK(memcmp(zmq_msg_data(&ev), ep, strlen(ep)) == 0);
    zmq_msg_close(&ev);

    zmq_msg_t m;
    zmq_msg_init_size(&m, 3);
    memcpy(zmq_msg_data(&m), "abc", 3);
    zmq_msg_set_routing_id(&m, to_b);
    CHECK(zmq_msg_send(&m, a, 0) == 3);
    CHECK(zmq_msg_recv(&m, b, 0) == 3);
    const uint32_t to_a = zmq_msg_routing_id(&m);
    zmq_msg_set_routing_id(&m, to_a);
    CHECK(zmq_msg_send(&m, b, 0) == 3);
    CHECK(zmq_msg_recv(&m, a, 0) == 3);
    CHECK(zmq_msg_routing_id(&m) == to_b);
    zmq_msg_close(&m);

    int immediate = 1;
    void *c = zmq_socket(ctx, ZMQ_PEER);
    quick(c);
    zmq_setsockopt(c, ZMQ_IMMEDIATE, &immediate, sizeof immediate);
    CHECK(zmq_connect_peer(c, ep) == 0 && errno == EFAULT);
    zmq_close(c);
    CHECK(zmq_close(mon) == 0);
    CHECK(zmq_close(a) == 0);
    CHECK(zmq_close(b) == 0);
}

static void rcvmore(void *ctx) {
    void *a = zmq_socket(ctx, ZMQ_PAIR), *b = zmq_socket(ctx, ZMQ_PAIR);
    quick(a);
    quick(b);
    CHECK(zmq_bind(a, "inproc://capi-rcvmore") == 0);
    CHECK(zmq_connect(b, "inproc://capi-rcvmore") == 0);
    CHECK(zmq_send(a, "1", 1, ZMQ_SNDMORE) == 1);
    CHECK(zmq_send(a, "2", 1, 0) == 1);
    char buf[2];
    int more = -1;
    size_t len = sizeof more;
    CHECK(zmq_getsockopt(b, ZMQ_RCVMORE, &more, &len) == 0 && more == 0 && len == sizeof more);
    CHECK(zmq_recv(b, buf, sizeof buf, 0) == 1);
    CHECK(zmq_getsockopt(b, ZMQ_RCVMORE, &more, &len) == 0 && more == 1);
    CHECK(zmq_recv(b, buf, sizeof buf, 0) == 1);
    CHECK(zmq_getsockopt(b, ZMQ_RCVMORE, &more, &len) == 0 && more == 0);
    zmq_close(a);
    zmq_close(b);
}

static int freed = 0;
static void free_fn(void *data, void *hint) {
    (void)hint;
    free(data);
    ++freed;
}

static void messages(void) {
    zmq_msg_t a, b;
    char *data = malloc(1000);
    memset(data, 'x', 1000);
    CHECK(zmq_msg_init_data(&a, data, 1000, free_fn, NULL) == 0);
    CHECK(zmq_msg_init(&b) == 0);
    CHECK(zmq_msg_copy(&b, &a) == 0);
    CHECK(zmq_msg_get(&a, ZMQ_SHARED) == 1);
    CHECK(zmq_msg_size(&b) == 1000 && zmq_msg_data(&b) == zmq_msg_data(&a));
    CHECK(zmq_msg_close(&a) == 0);
    CHECK(freed == 0); /* b still refers to it */
    CHECK(zmq_msg_move(&a, &b) == 0);
    CHECK(zmq_msg_size(&b) == 0 && zmq_msg_size(&a) == 1000);
    CHECK(zmq_msg_close(&a) == 0);
    CHECK(freed == 1);
    CHECK(zmq_msg_close(&b) == 0);
    CHECK(zmq_msg_get(&b, 12345) == -1 && errno == EINVAL);
    CHECK(zmq_msg_set(&b, ZMQ_MORE, 1) == -1 && errno == EINVAL);
    CHECK(zmq_msg_set_group(&b, "news") == 0 && strcmp(zmq_msg_group(&b), "news") == 0);
    char long_group[300];
    memset(long_group, 'g', sizeof long_group - 1);
    long_group[sizeof long_group - 1] = 0;
    CHECK(zmq_msg_set_group(&b, long_group) == -1 && errno == EINVAL);
    zmq_msg_close(&b);
}

int main(void) {
    CHECK(zmq_socket(NULL, ZMQ_PEER) == NULL && errno == EFAULT);
    CHECK(zmq_close(NULL) == -1 && errno == ENOTSOCK);
    CHECK(zmq_ctx_term(NULL) == -1 && errno == EFAULT);

    void *ctx = zmq_ctx_new();
    CHECK(ctx != NULL);
    CHECK(zmq_ctx_get(ctx, ZMQ_IO_THREADS) == 1);
    CHECK(zmq_ctx_set(ctx, ZMQ_IO_THREADS, -1) == -1 && errno == EINVAL);
    CHECK(zmq_ctx_get(ctx, ZMQ_MSG_T_SIZE) == (int)sizeof(zmq_msg_t));
    CHECK(zmq_socket(ctx, 9999) == NULL && errno == EINVAL);
    server_client(ctx);
    peer_and_monitor(ctx);
    rcvmore(ctx);
    messages();

    void *s = zmq_socket(ctx, ZMQ_SERVER);
    CHECK(zmq_ctx_shutdown(ctx) == 0);
    char buf[1];
    CHECK(zmq_recv(s, buf, 1, 0) == -1 && errno == ETERM);
    CHECK(zmq_socket(ctx, ZMQ_SERVER) == NULL && errno == ETERM);
    zmq_close(s);
    CHECK(zmq_ctx_term(ctx) == 0);

    return check_result("capi socket test");
}
