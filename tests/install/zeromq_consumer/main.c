/* A libzmq program (C, zmq.h, draft API): SERVER/CLIENT round trip with routing ids, built once with
   find_package(ZeroMQ) and once with pkg-config libzmq against an installed zmx. */
#define ZMQ_BUILD_DRAFT_API
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

int main(void) {
    void *ctx = zmq_ctx_new();
    void *server = zmq_socket(ctx, ZMQ_SERVER);
    void *client = zmq_socket(ctx, ZMQ_CLIENT);
    int timeout = 5000;
    zmq_setsockopt(client, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt(server, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    if (zmq_bind(server, "inproc://consumer") != 0 || zmq_connect(client, "inproc://consumer") != 0) return 1;
    if (zmq_send(client, "ping", 4, 0) != 4) return 2;
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, server, 0) != 4 || zmq_msg_routing_id(&m) == 0) return 3;
    if (zmq_msg_send(&m, server, 0) != 4) return 4;
    char buf[8];
    if (zmq_recv(client, buf, sizeof buf, 0) != 4 || memcmp(buf, "ping", 4) != 0) return 5;
    int major, minor, patch;
    zmq_version(&major, &minor, &patch);
    printf("libzmq %d.%d.%d API on zmx: round trip ok\n", major, minor, patch);
    zmq_close(client);
    zmq_close(server);
    return zmq_ctx_term(ctx) == 0 ? 0 : 6;
}
