/* A program built against libzmq 4.3.4 (the reference headers, linked to its libzmq.so.5) that runs
   unchanged on whichever libzmq.so.5 the loader finds: with zmx's compat library first on
   LD_LIBRARY_PATH it must run on zmx. It prints the file its zmq_ctx_new came from, then does a PEER
   exchange (connect_peer, routing ids) and a SERVER/CLIENT exchange with zmq_poller. Exit 0 = passed. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#define CHECK(c)                                                                              \
    do {                                                                                      \
        if (!(c)) {                                                                           \
            fprintf(stderr, "FAIL %s:%d: %s (%s)\n", __FILE__, __LINE__, #c, zmq_strerror(zmq_errno())); \
            return 1;                                                                         \
        }                                                                                     \
    } while (0)

static void quick(void *s) {
    int v = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &v, sizeof v);
    v = 5000;
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &v, sizeof v);
    zmq_setsockopt(s, ZMQ_SNDTIMEO, &v, sizeof v);
}

int main(void) {
    Dl_info info;
    CHECK(dladdr((void *)zmq_ctx_new, &info) != 0);
    printf("LIBRARY %s\n", info.dli_fname);

    void *ctx = zmq_ctx_new();
    CHECK(ctx);
    void *a = zmq_socket(ctx, ZMQ_PEER), *b = zmq_socket(ctx, ZMQ_PEER);
    CHECK(a && b);
    quick(a);
    quick(b);
    CHECK(zmq_bind(b, "tcp://127.0.0.1:*") == 0);
    char ep[256];
    size_t len = sizeof ep;
    CHECK(zmq_getsockopt(b, ZMQ_LAST_ENDPOINT, ep, &len) == 0);
    const uint32_t to_b = zmq_connect_peer(a, ep);
    CHECK(to_b != 0);
    zmq_msg_t m;
    zmq_msg_init_size(&m, 4);
    memcpy(zmq_msg_data(&m), "ping", 4);
    zmq_msg_set_routing_id(&m, to_b);
    CHECK(zmq_msg_send(&m, a, 0) == 4);
    CHECK(zmq_msg_recv(&m, b, 0) == 4);
    const uint32_t to_a = zmq_msg_routing_id(&m);
    CHECK(to_a != 0);
    zmq_msg_set_routing_id(&m, to_a);
    CHECK(zmq_msg_send(&m, b, 0) == 4);
    CHECK(zmq_msg_recv(&m, a, 0) == 4);
    CHECK(zmq_msg_routing_id(&m) == to_b);
    zmq_msg_close(&m);

    void *server = zmq_socket(ctx, ZMQ_SERVER), *client = zmq_socket(ctx, ZMQ_CLIENT);
    quick(server);
    quick(client);
    CHECK(zmq_bind(server, "inproc://compat") == 0);
    CHECK(zmq_connect(client, "inproc://compat") == 0);
    void *poller = zmq_poller_new();
    CHECK(poller);
    CHECK(zmq_poller_add(poller, server, NULL, ZMQ_POLLIN) == 0);
    CHECK(zmq_send(client, "hi", 2, 0) == 2);
    zmq_poller_event_t ev;
    CHECK(zmq_poller_wait(poller, &ev, 5000) == 0);
    CHECK(ev.socket == server && (ev.events & ZMQ_POLLIN));
    char buf[8];
    CHECK(zmq_recv(server, buf, sizeof buf, 0) == 2);
    CHECK(zmq_poller_destroy(&poller) == 0);

    zmq_close(a);
    zmq_close(b);
    zmq_close(server);
    zmq_close(client);
    CHECK(zmq_ctx_term(ctx) == 0);
    printf("OK\n");
    return 0;
}
