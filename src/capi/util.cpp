// The C API functions that need no context or socket: version, errors, capabilities, Z85, CURVE
// keys, atomic counters, the stopwatch, zmq_sleep and zmq_threadstart/close. Each behaves as libzmq
// 4.3.x documents (and, where undocumented, as its source does); where libzmq would crash on a NULL
// argument these return an error instead. Any thread may call any of them. Only src/capi writes errno.
#include <pthread.h>
#include <sodium.h>
#include <zmq.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <thread>
#include <zmx/error.hpp>

#include "transports/transport.hpp"

namespace {

// ---- Z85 (ZeroMQ RFC 32) ------------------------------------------------------------------------

// Digit values 0..84 in order.
constexpr std::string_view z85_digits =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
static_assert(z85_digits.size() == 85);

constexpr std::uint8_t z85_invalid = 0xFF;

// Character → digit value, z85_invalid for characters outside the alphabet.
constexpr std::array<std::uint8_t, 256> z85_values = [] {
    std::array<std::uint8_t, 256> t{};
    t.fill(z85_invalid);
    for (std::size_t i = 0; i < z85_digits.size(); ++i)
        t[static_cast<unsigned char>(z85_digits[i])] = static_cast<std::uint8_t>(i);
    return t;
}();

int set_errno(int err) {
    errno = err;
    return -1;
}

// What the counter functions give for a NULL counter (libzmq would crash): 0, errno EFAULT.
int no_counter() {
    errno = EFAULT;
    return 0;
}

// Decodes exactly `len` characters (a multiple of 5) into len / 5 * 4 bytes. Validates all input
// before writing: false (dest untouched) if a character is outside the alphabet or a group of five
// stands for more than 0xFFFFFFFF.
bool z85_decode_into(std::uint8_t* dest, const char* text, std::size_t len) {
    for (std::size_t pass = 0; pass < 2; ++pass) {  // pass 0 checks, pass 1 writes
        for (std::size_t g = 0; g < len / 5; ++g) {
            std::uint64_t value = 0;
            for (std::size_t i = 0; i < 5; ++i) {
                const std::uint8_t digit = z85_values[static_cast<unsigned char>(text[g * 5 + i])];
                if (digit == z85_invalid) return false;
                value = value * 85 + digit;
            }
            if (value > 0xFFFFFFFFu) return false;
            if (pass == 1)
                for (std::size_t b = 0; b < 4; ++b) dest[g * 4 + b] = static_cast<std::uint8_t>(value >> (8 * (3 - b)));
        }
    }
    return true;
}

// libsodium needs one sodium_init() before its random generator is used; it is idempotent and
// thread-safe, and this does it once per process. False if libsodium could not initialise.
bool sodium_ready() {
    static const bool ok = ::sodium_init() >= 0;
    return ok;
}

constexpr std::size_t curve_key_bytes = 32;
constexpr std::size_t curve_key_text = 40;  // Z85 characters of a key, without the NUL
static_assert(crypto_box_PUBLICKEYBYTES == curve_key_bytes && crypto_box_SECRETKEYBYTES == curve_key_bytes);
static_assert(crypto_scalarmult_BYTES == curve_key_bytes && crypto_scalarmult_SCALARBYTES == curve_key_bytes);

// ---- Atomic counters, stopwatch, threads -------------------------------------------------------

struct atomic_counter {
    std::atomic<int> value{0};
};

struct stopwatch {
    std::chrono::steady_clock::time_point start;
};

unsigned long elapsed_us(const stopwatch* w) {
    const auto d = std::chrono::steady_clock::now() - w->start;
    return static_cast<unsigned long>(std::chrono::duration_cast<std::chrono::microseconds>(d).count());
}

struct app_thread {
    pthread_t handle{};
    zmq_thread_fn* fn = nullptr;
    void* arg = nullptr;
};

void* app_thread_main(void* p) {
    auto* t = static_cast<app_thread*>(p);
    // As libzmq's threads do: no signal handler ever runs on this thread, and it has a name.
    sigset_t all;
    ::sigfillset(&all);
    ::pthread_sigmask(SIG_BLOCK, &all, nullptr);
    ::pthread_setname_np(::pthread_self(), "zmx/app");  // best effort
    t->fn(t->arg);
    return nullptr;
}

}  // namespace

extern "C" {

// ---- Version and errors --------------------------------------------------------------------------

void zmq_version(int* major, int* minor, int* patch) {
    if (major != nullptr) *major = ZMQ_VERSION_MAJOR;
    if (minor != nullptr) *minor = ZMQ_VERSION_MINOR;
    if (patch != nullptr) *patch = ZMQ_VERSION_PATCH;
}

int zmq_errno(void) {
    return errno;
}

const char* zmq_strerror(int errnum) {
    // libzmq words this one itself (the C library says "No route to host").
    if (errnum == EHOSTUNREACH) return "Host unreachable";
    return zmx::strerror(errnum);
}

// ---- Capabilities ----------------------------------------------------------------------------------

// libzmq lists "ipc", "pgm", "tipc", "norm", "curve", "gssapi", "vmci", "draft", "WS" and "WSS".
// zmx answers for what it has now: transports by asking the transport table (so a transport added
// there is reported without touching this), plus "tcp" and "inproc", which libzmq never lists (it
// answers 0) but zmx always has, and "ws"/"wss" in either case.
int zmq_has(const char* capability) {
    if (capability == nullptr) return 0;
    const std::string_view c = capability;
    if (c == "draft") return 1;   // the draft API is always built
    if (c == "inproc") return 1;  // lives in the core, not in the transport table
    if (c == "curve") return 0;   // no CURVE mechanism yet (zmq_curve_keypair works regardless)
    if (c == "gssapi") return 0;
    std::string_view scheme = c;
    if (c == "WS") scheme = "ws";
    if (c == "WSS") scheme = "wss";
    if (scheme == "ipc" || scheme == "tcp" || scheme == "ws" || scheme == "wss" || scheme == "tipc" ||
        scheme == "vmci" || scheme == "pgm" || scheme == "norm")
        return zmx::detail::find_transport(scheme) != nullptr ? 1 : 0;
    return 0;
}

// ---- Z85 and CURVE keys ----------------------------------------------------------------------------

char* zmq_z85_encode(char* dest, const uint8_t* data, size_t size) {
    if (size % 4 != 0 || dest == nullptr || (data == nullptr && size > 0)) {
        errno = EINVAL;
        return nullptr;
    }
    char* out = dest;
    for (std::size_t g = 0; g < size; g += 4) {
        std::uint32_t value = (std::uint32_t{data[g]} << 24) | (std::uint32_t{data[g + 1]} << 16) |
                              (std::uint32_t{data[g + 2]} << 8) | std::uint32_t{data[g + 3]};
        for (int i = 4; i >= 0; --i) {  // most significant digit first
            out[i] = z85_digits[value % 85];
            value /= 85;
        }
        out += 5;
    }
    *out = '\0';
    return dest;
}

uint8_t* zmq_z85_decode(uint8_t* dest, const char* string) {
    if (dest == nullptr || string == nullptr) {
        errno = EINVAL;
        return nullptr;
    }
    const std::size_t len = std::strlen(string);
    if (len < 5 || len % 5 != 0 || !z85_decode_into(dest, string, len)) {
        errno = EINVAL;
        return nullptr;
    }
    return dest;
}

int zmq_curve_keypair(char* z85_public_key, char* z85_secret_key) {
    if (z85_public_key == nullptr || z85_secret_key == nullptr) return set_errno(EINVAL);
    if (!sodium_ready()) return set_errno(ENOTSUP);
    std::uint8_t pub[curve_key_bytes];
    std::uint8_t sec[curve_key_bytes];
    const int rc = ::crypto_box_keypair(pub, sec);
    if (rc == 0) {
        zmq_z85_encode(z85_public_key, pub, sizeof pub);
        zmq_z85_encode(z85_secret_key, sec, sizeof sec);
    }
    ::sodium_memzero(sec, sizeof sec);
    return rc == 0 ? 0 : set_errno(EINVAL);
}

int zmq_curve_public(char* z85_public_key, const char* z85_secret_key) {
    if (z85_public_key == nullptr || z85_secret_key == nullptr) return set_errno(EINVAL);
    // A secret key is exactly 40 Z85 characters (libzmq decodes any length into its 32-byte buffer).
    if (std::strlen(z85_secret_key) != curve_key_text) return set_errno(EINVAL);
    if (!sodium_ready()) return set_errno(ENOTSUP);
    std::uint8_t sec[curve_key_bytes];
    if (!z85_decode_into(sec, z85_secret_key, curve_key_text)) return set_errno(EINVAL);
    std::uint8_t pub[curve_key_bytes];
    const int rc = ::crypto_scalarmult_base(pub, sec);
    ::sodium_memzero(sec, sizeof sec);
    if (rc != 0) return set_errno(EINVAL);
    zmq_z85_encode(z85_public_key, pub, sizeof pub);
    return 0;
}

// ---- Atomic counters -----------------------------------------------------------------------------

void* zmq_atomic_counter_new(void) {
    auto* c = new (std::nothrow) atomic_counter;
    if (c == nullptr) errno = ENOMEM;
    return c;
}

void zmq_atomic_counter_set(void* counter, int value) {
    if (counter != nullptr) static_cast<atomic_counter*>(counter)->value.store(value);
}

int zmq_atomic_counter_inc(void* counter) {  // the value before the increment
    if (counter == nullptr) return no_counter();
    return static_cast<atomic_counter*>(counter)->value.fetch_add(1);
}

int zmq_atomic_counter_dec(void* counter) {  // 1 if the new value is not zero, 0 if it is
    if (counter == nullptr) return no_counter();
    return static_cast<atomic_counter*>(counter)->value.fetch_sub(1) - 1 != 0 ? 1 : 0;
}

int zmq_atomic_counter_value(void* counter) {
    if (counter == nullptr) return no_counter();
    return static_cast<atomic_counter*>(counter)->value.load();
}

void zmq_atomic_counter_destroy(void** counter_p) {
    if (counter_p == nullptr) return;
    delete static_cast<atomic_counter*>(*counter_p);
    *counter_p = nullptr;
}

// ---- Stopwatch, sleep, threads -------------------------------------------------------------------

void* zmq_stopwatch_start(void) {
    auto* w = new (std::nothrow) stopwatch{std::chrono::steady_clock::now()};
    if (w == nullptr) errno = ENOMEM;
    return w;
}

unsigned long zmq_stopwatch_intermediate(void* watch) {
    return watch != nullptr ? elapsed_us(static_cast<stopwatch*>(watch)) : 0;
}

unsigned long zmq_stopwatch_stop(void* watch) {
    if (watch == nullptr) return 0;
    auto* w = static_cast<stopwatch*>(watch);
    const unsigned long us = elapsed_us(w);
    delete w;
    return us;
}

void zmq_sleep(int seconds) {
    if (seconds > 0) std::this_thread::sleep_for(std::chrono::seconds(seconds));
}

void* zmq_threadstart(zmq_thread_fn* func, void* arg) {
    if (func == nullptr) {
        errno = EINVAL;
        return nullptr;
    }
    auto* t = new (std::nothrow) app_thread{pthread_t{}, func, arg};
    if (t == nullptr) {
        errno = ENOMEM;
        return nullptr;
    }
    if (const int rc = ::pthread_create(&t->handle, nullptr, app_thread_main, t); rc != 0) {
        delete t;
        errno = rc;
        return nullptr;
    }
    return t;
}

void zmq_threadclose(void* thread) {
    if (thread == nullptr) return;
    auto* t = static_cast<app_thread*>(thread);
    ::pthread_join(t->handle, nullptr);
    delete t;
}

}  // extern "C"
