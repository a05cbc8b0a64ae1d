/* remote_thr <connect-to> <message-size> <message-count> [push|client]
   Connects the sending side (PUSH, or CLIENT) and sends the messages; closing waits until all have
   been handed to the network (ZMQ_LINGER -1). libzmq's tool, same arguments. */
#include "perf_common.h"

int main(int argc, char **argv) {
    if (argc < 4 || argc > 5) {
        printf("usage: remote_thr <connect-to> <message-size> <message-count> [push|client]\n");
        return 1;
    }
    const int size = perf_parse_int(argv[2], "message-size");
    const int count = perf_parse_int(argv[3], "message-count");
    const struct perf_pattern pat = perf_find_pattern(argc > 4 ? argv[4] : NULL, 0);
    void *ctx = zmq_ctx_new();
    PERF_CHECK(ctx != NULL);
    void *s = perf_socket(ctx, pat.active);
    PERF_CHECK(zmq_connect(s, argv[1]) == 0);
    perf_send_stream(s, size, count);
    PERF_CHECK(zmq_close(s) == 0);
    PERF_CHECK(zmq_ctx_term(ctx) == 0);
    return 0;
}
