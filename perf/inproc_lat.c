/* inproc_lat <message-size> <roundtrip-count> [req|peer|dealer] [idle-ms]
   local_lat and remote_lat in one process over inproc: the echoer runs in a second thread (libzmq's
   tool, same arguments; zmx's percentile lines after libzmq's). */
#include "perf_common.h"

struct echo_args {
    void *ctx;
    int type;
    int size;
    int count;
};

static void echoer(void *arg) {
    const struct echo_args *a = arg;
    void *s = perf_socket(a->ctx, a->type);
    PERF_CHECK(zmq_bind(s, "inproc://lat_test") == 0);
    perf_echo(s, a->type, a->size, a->count);
    PERF_CHECK(zmq_close(s) == 0);
}

int main(int argc, char **argv) {
    if (argc < 3 || argc > 5) {
        printf("usage: inproc_lat <message-size> <roundtrip-count> [req|peer|dealer] [idle-ms]\n");
        return 1;
    }
    const int size = perf_parse_int(argv[1], "message-size");
    const int count = perf_parse_int(argv[2], "roundtrip-count");
    const struct perf_pattern pat = perf_find_pattern(argc > 3 ? argv[3] : NULL, 1);
    const int idle_ms = argc > 4 ? perf_parse_int(argv[4], "idle-ms") : 0;
    PERF_CHECK(count > 0);
    int64_t *rtt = malloc(sizeof *rtt * (size_t)count);
    PERF_CHECK(rtt != NULL);
    void *ctx = zmq_ctx_new();
    PERF_CHECK(ctx != NULL);
    struct echo_args args = {ctx, pat.passive, size, count};
    void *thread = zmq_threadstart(echoer, &args);
    PERF_CHECK(thread != NULL);
    void *s = perf_socket(ctx, pat.active);
    uint32_t peer_id = 0;
    if (pat.active == ZMQ_PEER) { /* inproc connect before bind is fine: the pipe waits for the bind */
        peer_id = zmq_connect_peer(s, "inproc://lat_test");
        PERF_CHECK(peer_id != 0);
    } else {
        PERF_CHECK(zmq_connect(s, "inproc://lat_test") == 0);
    }
    perf_ping(s, peer_id, size, count, idle_ms, rtt);
    perf_print_latency(size, count, rtt, idle_ms);
    free(rtt);
    zmq_threadclose(thread);
    PERF_CHECK(zmq_close(s) == 0);
    PERF_CHECK(zmq_ctx_term(ctx) == 0);
    return 0;
}
