/* remote_lat <connect-to> <message-size> <roundtrip-count> [req|peer|dealer] [idle-ms]
   Connects the requesting side (REQ, PEER via zmq_connect_peer, or DEALER), runs the roundtrips and
   prints the average one-way latency as libzmq's tool does, then zmx's p50/p99/p99.9/max (one-way =
   half a roundtrip). idle-ms pauses before each roundtrip: latency after idle gaps. */
#include "perf_common.h"

int main(int argc, char **argv) {
    if (argc < 4 || argc > 6) {
        printf("usage: remote_lat <connect-to> <message-size> <roundtrip-count> [req|peer|dealer] [idle-ms]\n");
        return 1;
    }
    const int size = perf_parse_int(argv[2], "message-size");
    const int count = perf_parse_int(argv[3], "roundtrip-count");
    const struct perf_pattern pat = perf_find_pattern(argc > 4 ? argv[4] : NULL, 1);
    const int idle_ms = argc > 5 ? perf_parse_int(argv[5], "idle-ms") : 0;
    PERF_CHECK(count > 0);
    int64_t *rtt = malloc(sizeof *rtt * (size_t)count);
    PERF_CHECK(rtt != NULL);
    void *ctx = zmq_ctx_new();
    PERF_CHECK(ctx != NULL);
    void *s = perf_socket(ctx, pat.active);
    uint32_t peer_id = 0;
    if (pat.active == ZMQ_PEER) {
        peer_id = zmq_connect_peer(s, argv[1]);
        PERF_CHECK(peer_id != 0);
    } else {
        PERF_CHECK(zmq_connect(s, argv[1]) == 0);
    }
    perf_ping(s, peer_id, size, count, idle_ms, rtt);
    perf_print_latency(size, count, rtt, idle_ms);
    free(rtt);
    PERF_CHECK(zmq_close(s) == 0);
    PERF_CHECK(zmq_ctx_term(ctx) == 0);
    return 0;
}
