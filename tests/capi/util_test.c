/* The C API's helpers that need no socket: zmq_version, zmq_errno, zmq_strerror, Z85, CURVE keys,
   atomic counters, the stopwatch, zmq_sleep and zmq_threadstart/close. Plain C11 (+ POSIX for
   pthread_sigmask); exits non-zero if any CHECK failed. */
#define _POSIX_C_SOURCE 200809L
#include <zmq.h>
#include <zmq_utils.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* ---- version, errno, strerror ---------------------------------------------------------------- */

static void test_version(void) {
    int major = -1, minor = -1, patch = -1;
    zmq_version(&major, &minor, &patch);
    CHECK(major == ZMQ_VERSION_MAJOR && minor == ZMQ_VERSION_MINOR && patch == ZMQ_VERSION_PATCH);
    CHECK(major == 4 && minor == 3);
    CHECK(ZMQ_VERSION == ZMQ_MAKE_VERSION(major, minor, patch));
    CHECK(ZMQ_MAKE_VERSION(4, 3, 4) == 40304);
    zmq_version(NULL, NULL, NULL); /* must not crash */
}

static void test_strerror(void) {
    /* zmq's own errors, in libzmq's words. */
    CHECK(strcmp(zmq_strerror(EFSM), "Operation cannot be accomplished in current state") == 0);
    CHECK(strcmp(zmq_strerror(ENOCOMPATPROTO), "The protocol is not compatible with the socket type") == 0);
    CHECK(strcmp(zmq_strerror(ETERM), "Context was terminated") == 0);
    CHECK(strcmp(zmq_strerror(EMTHREAD), "No thread available") == 0);
    CHECK(strcmp(zmq_strerror(EHOSTUNREACH), "Host unreachable") == 0);
    CHECK(EFSM == ZMQ_HAUSNUMERO + 51 && EMTHREAD == 156384766);

    /* Every other errno zmq.h names (on Linux, the system's values) reads as strerror() does. */
    const int system_errors[] = {ENOTSUP,      EPROTONOSUPPORT, ENOBUFS,  ENETDOWN,  EADDRINUSE,   EADDRNOTAVAIL,
                                 ECONNREFUSED, EINPROGRESS,     ENOTSOCK, EMSGSIZE,  EAFNOSUPPORT, ENETUNREACH,
                                 ECONNABORTED, ECONNRESET,      ENOTCONN, ETIMEDOUT, ENETRESET,    EINVAL,
                                 EAGAIN,       EINTR,           EFAULT,   ENOMEM,    ENODEV,       ENOENT,
                                 EACCES,       EPROTO};
    for (size_t i = 0; i < sizeof system_errors / sizeof system_errors[0]; ++i) {
        const int e = system_errors[i];
        char expected[256];
        snprintf(expected, sizeof expected, "%s", strerror(e));
        const char* got = zmq_strerror(e);
        CHECK(got != NULL && strcmp(got, expected) == 0);
        CHECK(e < ZMQ_HAUSNUMERO); /* the fallbacks are not in use on this system */
    }
    /* Never NULL, whatever the number. */
    CHECK(zmq_strerror(0) != NULL);
    CHECK(zmq_strerror(-1) != NULL);
    CHECK(zmq_strerror(ZMQ_HAUSNUMERO + 1000) != NULL);
}

static void test_errno(void) {
    uint8_t out[8];
    errno = 0;
    CHECK(zmq_z85_decode(out, "abc") == NULL);
    CHECK(zmq_errno() == EINVAL);
    errno = ETERM;
    CHECK(zmq_errno() == ETERM);
}

/* ---- Z85 --------------------------------------------------------------------------------------- */

static void hex_to_bytes(const char* hex, uint8_t* out) {
    for (size_t i = 0; hex[2 * i] != '\0'; ++i) {
        unsigned v = 0;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

static void test_z85_vectors(void) {
    /* ZeroMQ RFC 32's example. */
    const uint8_t hello[8] = {0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B};
    char text[11];
    CHECK(zmq_z85_encode(text, hello, 8) == text);
    CHECK(strcmp(text, "HelloWorld") == 0);
    uint8_t back[8];
    CHECK(zmq_z85_decode(back, "HelloWorld") == back);
    CHECK(memcmp(back, hello, 8) == 0);

    /* The extremes of a group. */
    const uint8_t zero[4] = {0, 0, 0, 0};
    const uint8_t ones[4] = {0xFF, 0xFF, 0xFF, 0xFF};
    char t5[6];
    CHECK(zmq_z85_encode(t5, zero, 4) && strcmp(t5, "00000") == 0);
    CHECK(zmq_z85_encode(t5, ones, 4) && strcmp(t5, "%nSc0") == 0);
    uint8_t b4[4];
    CHECK(zmq_z85_decode(b4, "%nSc0") == b4 && memcmp(b4, ones, 4) == 0);

    /* CurveZMQ's (RFC 26) test keys, hex and Z85. */
    const char* hex[] = {"BB88471D65E2659B30C55A5321CEBB5AAB2B70A398645C26DCA2B2FCB43FC518",
                         "7BB864B489AFA3671FBE69101F94B38972F24816DFB01B51656B3FEC8DFD0888"};
    const char* z85[] = {"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID", "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"};
    for (int i = 0; i < 2; ++i) {
        uint8_t key[32], decoded[32];
        char encoded[41];
        hex_to_bytes(hex[i], key);
        CHECK(zmq_z85_encode(encoded, key, 32) == encoded && strcmp(encoded, z85[i]) == 0);
        CHECK(zmq_z85_decode(decoded, z85[i]) == decoded && memcmp(decoded, key, 32) == 0);
    }
}

static void test_z85_round_trips(void) {
    uint8_t data[256], back[256];
    char text[321];
    srand(12345);
    for (size_t size = 0; size <= sizeof data; size += 4) {
        for (size_t i = 0; i < size; ++i) data[i] = (uint8_t)rand();
        memset(text, 'x', sizeof text);
        CHECK(zmq_z85_encode(text, data, size) == text);
        CHECK(strlen(text) == size * 5 / 4);
        if (size == 0) continue; /* "" encodes nothing, and decoding "" is an error */
        memset(back, 0, sizeof back);
        CHECK(zmq_z85_decode(back, text) == back);
        CHECK(memcmp(back, data, size) == 0);
    }
}

static void test_z85_errors(void) {
    const uint8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    char text[16];
    uint8_t out[16];
    /* Encoding: the size must be a multiple of 4. */
    for (size_t size = 1; size < 8; ++size) {
        if (size % 4 == 0) continue;
        errno = 0;
        CHECK(zmq_z85_encode(text, data, size) == NULL);
        CHECK(errno == EINVAL);
    }
    CHECK(zmq_z85_encode(text, data, 0) == text && text[0] == '\0');
    /* Decoding: the length must be a positive multiple of 5 ... */
    const char* bad_lengths[] = {"", "H", "Hell", "HelloW", "HelloWorl", "HelloWorld1"};
    for (size_t i = 0; i < sizeof bad_lengths / sizeof bad_lengths[0]; ++i) {
        errno = 0;
        CHECK(zmq_z85_decode(out, bad_lengths[i]) == NULL);
        CHECK(errno == EINVAL);
    }
    /* ... of characters from the alphabet ... */
    const char* bad_chars[] = {"Hello World",
                               "Hell\"",
                               "Hell'",
                               "Hell,",
                               "Hell;",
                               "Hell_",
                               "Hell`",
                               "Hell|",
                               "Hell~",
                               "Hell\\",
                               "Hell\x7f",
                               "Hell\x80",
                               "\xff"
                               "ello",
                               "Hell\t"};
    for (size_t i = 0; i < sizeof bad_chars / sizeof bad_chars[0]; ++i) {
        errno = 0;
        CHECK(zmq_z85_decode(out, bad_chars[i]) == NULL);
        CHECK(errno == EINVAL);
    }
    /* ... and each group must stand for at most 0xFFFFFFFF. */
    const char* too_big[] = {"%nSc1", "#####", "%nSd0", "HelloWorld#####"};
    for (size_t i = 0; i < sizeof too_big / sizeof too_big[0]; ++i) {
        errno = 0;
        CHECK(zmq_z85_decode(out, too_big[i]) == NULL);
        CHECK(errno == EINVAL);
    }
    /* NULL arguments are errors, not crashes. */
    CHECK(zmq_z85_encode(NULL, data, 4) == NULL && errno == EINVAL);
    CHECK(zmq_z85_encode(text, NULL, 4) == NULL && errno == EINVAL);
    CHECK(zmq_z85_decode(NULL, "HelloWorld") == NULL && errno == EINVAL);
    CHECK(zmq_z85_decode(out, NULL) == NULL && errno == EINVAL);
}

/* ---- CURVE keys -------------------------------------------------------------------------------- */

static int all_z85(const char* s) {
    static const char alphabet[] =
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
    return strspn(s, alphabet) == strlen(s);
}

static void test_curve(void) {
    char pub[41], sec[41], derived[41];
    for (int i = 0; i < 20; ++i) {
        memset(pub, 0, sizeof pub);
        memset(sec, 0, sizeof sec);
        CHECK(zmq_curve_keypair(pub, sec) == 0);
        CHECK(strlen(pub) == 40 && strlen(sec) == 40);
        CHECK(all_z85(pub) && all_z85(sec));
        CHECK(strcmp(pub, sec) != 0);
        CHECK(zmq_curve_public(derived, sec) == 0);
        CHECK(strcmp(derived, pub) == 0);
        uint8_t raw[32];
        CHECK(zmq_z85_decode(raw, pub) == raw);
    }
    /* Two pairs differ. */
    char pub2[41], sec2[41];
    CHECK(zmq_curve_keypair(pub2, sec2) == 0);
    CHECK(strcmp(pub2, pub) != 0 && strcmp(sec2, sec) != 0);

    /* CurveZMQ's test keys: client and server. */
    CHECK(zmq_curve_public(derived, "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs") == 0);
    CHECK(strcmp(derived, "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID") == 0);
    CHECK(zmq_curve_public(derived, "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6") == 0);
    CHECK(strcmp(derived, "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7") == 0);

    /* A secret that is not 40 Z85 characters. */
    const char* bad[] = {"", "HelloWorld", "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%c",
                         "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%csXXXXX", "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%c "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
        errno = 0;
        CHECK(zmq_curve_public(derived, bad[i]) == -1);
        CHECK(errno == EINVAL);
    }
    CHECK(zmq_curve_public(derived, NULL) == -1 && errno == EINVAL);
    CHECK(zmq_curve_keypair(NULL, sec) == -1 && errno == EINVAL);
}

/* ---- atomic counters ----------------------------------------------------------------------------- */

enum { counter_threads = 4, counter_rounds = 100000 };

static void bump(void* counter) {
    for (int i = 0; i < counter_rounds; ++i) zmq_atomic_counter_inc(counter);
    for (int i = 0; i < counter_rounds / 2; ++i) zmq_atomic_counter_dec(counter);
}

static void test_atomic_counter(void) {
    void* c = zmq_atomic_counter_new();
    CHECK(c != NULL);
    CHECK(zmq_atomic_counter_value(c) == 0);
    CHECK(zmq_atomic_counter_inc(c) == 0); /* the value before */
    CHECK(zmq_atomic_counter_inc(c) == 1);
    CHECK(zmq_atomic_counter_value(c) == 2);
    CHECK(zmq_atomic_counter_dec(c) == 1); /* now 1: still above zero */
    CHECK(zmq_atomic_counter_dec(c) == 0); /* now 0 */
    CHECK(zmq_atomic_counter_value(c) == 0);
    CHECK(zmq_atomic_counter_dec(c) == 1); /* now -1: not zero */
    CHECK(zmq_atomic_counter_value(c) == -1);
    zmq_atomic_counter_set(c, 5);
    CHECK(zmq_atomic_counter_value(c) == 5);

    zmq_atomic_counter_set(c, 0);
    void* threads[counter_threads];
    for (int i = 0; i < counter_threads; ++i) {
        threads[i] = zmq_threadstart(bump, c);
        CHECK(threads[i] != NULL);
    }
    for (int i = 0; i < counter_threads; ++i) zmq_threadclose(threads[i]);
    CHECK(zmq_atomic_counter_value(c) == counter_threads * (counter_rounds - counter_rounds / 2));

    zmq_atomic_counter_destroy(&c);
    CHECK(c == NULL);
    zmq_atomic_counter_destroy(&c); /* NULL: nothing to do */
    zmq_atomic_counter_destroy(NULL);
}

/* ---- stopwatch, sleep, threads ------------------------------------------------------------------ */

static void test_stopwatch_and_sleep(void) {
    void* w = zmq_stopwatch_start();
    CHECK(w != NULL);
    unsigned long last = 0;
    /* Monotonic, and it does advance: read it until 2 ms have passed. */
    for (;;) {
        const unsigned long now = zmq_stopwatch_intermediate(w);
        CHECK(now >= last);
        last = now;
        if (now >= 2000 || failures > 0) break;
    }
    zmq_sleep(0); /* returns at once */
    zmq_sleep(-1);
    const unsigned long before_sleep = zmq_stopwatch_intermediate(w);
    zmq_sleep(1);
    const unsigned long after_sleep = zmq_stopwatch_intermediate(w);
    CHECK(after_sleep - before_sleep >= 1000000UL);
    CHECK(after_sleep - before_sleep < 10000000UL);
    const unsigned long total = zmq_stopwatch_stop(w);
    CHECK(total >= after_sleep);
}

struct thread_probe {
    void* arg_seen;
    int ran;
    int sigint_blocked;
    pthread_t self;
};

static void probe(void* arg) {
    struct thread_probe* p = arg;
    p->arg_seen = arg;
    p->ran = 1;
    p->self = pthread_self();
    sigset_t mask;
    pthread_sigmask(SIG_BLOCK, NULL, &mask);
    p->sigint_blocked = sigismember(&mask, SIGINT);
}

static void test_threads(void) {
    struct thread_probe p = {NULL, 0, 0, pthread_self()};
    void* t = zmq_threadstart(probe, &p);
    CHECK(t != NULL);
    zmq_threadclose(t); /* joins: everything the thread did is visible now */
    CHECK(p.ran == 1);
    CHECK(p.arg_seen == &p);
    CHECK(!pthread_equal(p.self, pthread_self()));
    CHECK(p.sigint_blocked == 1); /* as in libzmq, signals are left to the application's threads */
    zmq_threadclose(NULL);
    CHECK(zmq_threadstart(NULL, NULL) == NULL && errno == EINVAL);
}

int main(void) {
    test_version();
    test_strerror();
    test_errno();
    test_z85_vectors();
    test_z85_round_trips();
    test_z85_errors();
    test_curve();
    test_atomic_counter();
    test_stopwatch_and_sleep();
    test_threads();
    return check_result("capi util test");
}
