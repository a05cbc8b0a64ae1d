/* What the C tests share: CHECK(cond) reports a failed condition with errno and counts it, a test's
   main returns check_result(), and small socket helpers. Header-only, for the C tests here. */
#ifndef ZMX_TESTS_CAPI_CHECK_H
#define ZMX_TESTS_CAPI_CHECK_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

static int failures = 0;

#define CHECK(cond)                                                                                  \
    do {                                                                                             \
        if (!(cond)) {                                                                               \
            fprintf(stderr, "%s:%d: CHECK(%s) failed (errno %d: %s)\n", __FILE__, __LINE__, #cond, errno, \
                    zmq_strerror(errno));                                                            \
            ++failures;                                                                              \
        }                                                                                            \
    } while (0)

static inline void set_int(void *s, int opt, int v) { CHECK(zmq_setsockopt(s, opt, &v, sizeof v) == 0); }

/* LINGER 0 and 5 s send/receive timeouts, so a failing test ends instead of hanging. */
static inline void quick(void *s) {
    set_int(s, ZMQ_LINGER, 0);
    set_int(s, ZMQ_RCVTIMEO, 5000);
    set_int(s, ZMQ_SNDTIMEO, 5000);
}

/* Binds s to tcp://127.0.0.1:* and writes the exact endpoint (ZMQ_LAST_ENDPOINT) to ep. */
static inline void bind_any(void *s, char *ep, size_t cap) {
    CHECK(zmq_bind(s, "tcp://127.0.0.1:*") == 0);
    size_t len = cap;
    CHECK(zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, ep, &len) == 0);
    CHECK(len == strlen(ep) + 1);
}

/* 0 if every check passed (and says so), else 1. */
static inline int check_result(const char *test) {
    if (failures != 0) {
        fprintf(stderr, "%s: %d check(s) failed\n", test, failures);
        return 1;
    }
    printf("%s: all checks passed\n", test);
    return 0;
}

#endif
