/* inproc_thr <message-size> <message-count> [push|client]
   local_thr and remote_thr in one process over inproc: the sender runs in a second thread (libzmq's
   tool, same arguments and output). */
#include "perf_common.h"

struct sender_args {
    void *ctx;
    int type;
    int size;
    int count;
};

static void sender(void *arg) {
    const struct sender_args *a = arg;
    void *s = perf_socket(a->ctx, a->type);
    PERF_CHECK(zmq_connect(s, "inproc://thr_test") == 0);
    perf_send_stream(s, a->size, a->count);
    PERF_CHECK(zmq_close(s) == 0);
}

int main(int argc, char **argv) {
    if (argc < 3 || argc > 4) {
        printf("usage: inproc_thr <message-size> <message-count> [push|client]\n");
        return 1;
    }
    const int size = perf_parse_int(argv[1], "message-size");
    const int count = perf_parse_int(argv[2], "message-count");
    const struct perf_pattern pat = perf_find_pattern(argc > 3 ? argv[3] : NULL, 0);
    void *ctx = zmq_ctx_new();
    PERF_CHECK(ctx != NULL);
    void *s = perf_socket(ctx, pat.passive);
    PERF_CHECK(zmq_bind(s, "inproc://thr_test") == 0);
    struct sender_args args = {ctx, pat.active, size, count};
    void *thread = zmq_threadstart(sender, &args);
    PERF_CHECK(thread != NULL);
    perf_recv_stream(s, size, count);
    zmq_threadclose(thread);
    PERF_CHECK(zmq_close(s) == 0);
    PERF_CHECK(zmq_ctx_term(ctx) == 0);
    return 0;
}
