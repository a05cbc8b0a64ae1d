/* The C tests' one assertion: CHECK(cond) reports a failed condition with errno and counts it; a
   test's main returns check_result(). Header-only, for the C tests in this directory. */
#ifndef ZMX_TESTS_CAPI_CHECK_H
#define ZMX_TESTS_CAPI_CHECK_H

#include <errno.h>
#include <stdio.h>
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
