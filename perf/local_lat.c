/* local_lat <bind-to> <message-size> <roundtrip-count> [req|peer|dealer]
   Binds the echoing side (REP, PEER or ROUTER) and sends every message back (libzmq's tool, same
   arguments). remote_lat measures. */
#include "perf_common.h"

int main(int argc, char **argv) {
    if (argc < 4 || argc > 5) {
        printf("usage: local_lat <bind-to> <message-size> <roundtrip-count> [req|peer|dealer]\n");
        return 1;
    }
    const int size = perf_parse_int(argv[2], "message-size");
    const int count = perf_parse_int(argv[3], "roundtrip-count");
    const struct perf_pattern pat = perf_find_pattern(argc > 4 ? argv[4] : NULL, 1);
    void *ctx = zmq_ctx_new();
    PERF_CHECK(ctx != NULL);
    void *s = perf_socket(ctx, pat.passive);
    PERF_CHECK(zmq_bind(s, argv[1]) == 0);
    perf_echo(s, pat.passive, size, count);
    PERF_CHECK(zmq_close(s) == 0);
    PERF_CHECK(zmq_ctx_term(ctx) == 0);
    return 0;
}
