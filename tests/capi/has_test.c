/* zmq_has: its answers, and that they are the truth — a transport it reports is one zmq_bind accepts
   (or at least does not refuse with EPROTONOSUPPORT), and one it denies is refused with exactly that.
   Plain C11; exits non-zero if any CHECK failed. */
#define ZMQ_BUILD_DRAFT_API
#include <zmq.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

static void test_answers(void) {
    CHECK(ZMQ_HAS_CAPABILITIES == 1);
    CHECK(zmq_has("draft") == 1); /* the draft API is always there */
    CHECK(zmq_has("ipc") == 1);
    CHECK(zmq_has("tcp") == 1);    /* libzmq does not list "tcp" (it answers 0); zmx answers the truth */
    CHECK(zmq_has("inproc") == 1); /* likewise */
    /* Not built (yet): no CURVE mechanism, no GSSAPI. Update these when they arrive. */
    CHECK(zmq_has("curve") == 0);
    CHECK(zmq_has("gssapi") == 0);
    /* libzmq spells the WebSocket transports "WS" and "WSS"; zmx also takes the lower case. */
    CHECK(zmq_has("WS") == zmq_has("ws"));
    CHECK(zmq_has("WSS") == zmq_has("wss"));
    /* Unknown names, wrong case, and NULL. */
    CHECK(zmq_has("") == 0);
    CHECK(zmq_has("bogus") == 0);
    CHECK(zmq_has("IPC") == 0);
    CHECK(zmq_has("Draft") == 0);
    CHECK(zmq_has(NULL) == 0);
}

/* Each transport capability against what zmq_bind says about an address of that scheme. */
static void test_transports_are_true(void) {
    static const struct {
        const char* capability;
        const char* endpoint;
    } cases[] = {
        {"tcp", "tcp://127.0.0.1:*"},
        {"ipc", "ipc://*"},
        {"inproc", "inproc://capi-has-test"},
        {"WS", "ws://127.0.0.1:*"},
        {"WSS", "wss://127.0.0.1:*"},
        {"tipc", "tipc://{5560,0,0}"},
        {"vmci", "vmci://1:5555"},
        {"pgm", "pgm://127.0.0.1;239.192.1.1:5555"},
        {"norm", "norm://127.0.0.1:5555"},
    };
    void* ctx = zmq_ctx_new();
    CHECK(ctx != NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        void* s = zmq_socket(ctx, ZMQ_PAIR);
        CHECK(s != NULL);
        int linger = 0;
        CHECK(zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger) == 0);
        errno = 0;
        const int rc = zmq_bind(s, cases[i].endpoint);
        const int err = errno;
        if (zmq_has(cases[i].capability)) {
            if (!(rc == 0 || err != EPROTONOSUPPORT)) {
                fprintf(stderr, "zmq_has(\"%s\") is 1 but binding %s fails with EPROTONOSUPPORT\n", cases[i].capability,
                        cases[i].endpoint);
                ++failures;
            }
        } else if (!(rc == -1 && err == EPROTONOSUPPORT)) {
            fprintf(stderr, "zmq_has(\"%s\") is 0 but binding %s gives rc %d errno %d (%s)\n", cases[i].capability,
                    cases[i].endpoint, rc, err, zmq_strerror(err));
            ++failures;
        }
        CHECK(zmq_close(s) == 0);
    }
    CHECK(zmq_ctx_term(ctx) == 0);
}

int main(void) {
    test_answers();
    test_transports_are_true();
    return check_result("capi zmq_has test");
}
