// The rest of the C API's small functions: zmq_timers_*, zmq_sendiov/zmq_recviov, zmq_ctx_set_ext /
// zmq_ctx_get_ext, zmq_join/zmq_leave (DISH is not built yet: they answer as libzmq does for every
// other type) and zmq_socket_get_peer_state (ROUTER).
#include <zmq.h>

#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <new>
#include <vector>

#include "core/context_impl.hpp"
#include "core/socket_base.hpp"

namespace {

int fail(int err) {
    errno = err;
    return -1;
}

zmx::detail::socket_base* as_socket(void* s) {
    auto* b = static_cast<zmx::detail::socket_base*>(s);
    return b != nullptr && b->valid() ? b : nullptr;
}

std::uint64_t now_ms() {
    using namespace std::chrono;
    return static_cast<std::uint64_t>(duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

// Periodic timers driven by the caller (zmq_timers_timeout / zmq_timers_execute). Single-threaded.
struct timers {
    static constexpr std::uint32_t live_tag = 0xCAFE7173;
    struct timer {
        std::uint64_t when;
        std::size_t interval;
        zmq_timer_fn* fn;
        void* arg;
    };
    std::uint32_t tag = live_tag;
    int next_id = 0;
    std::map<int, timer> live;
};

timers* as_timers(void* t) {
    auto* p = static_cast<timers*>(t);
    return p != nullptr && p->tag == timers::live_tag ? p : nullptr;
}

}  // namespace

extern "C" {

void* zmq_timers_new(void) { return new (std::nothrow) timers; }

int zmq_timers_destroy(void** timers_p) {
    timers* t = timers_p != nullptr ? as_timers(*timers_p) : nullptr;
    if (t == nullptr) return fail(EFAULT);
    t->tag = 0;
    delete t;
    *timers_p = nullptr;
    return 0;
}

int zmq_timers_add(void* tp, size_t interval, zmq_timer_fn handler, void* arg) {
    timers* t = as_timers(tp);
    if (t == nullptr || handler == nullptr) return fail(EFAULT);
    const int id = ++t->next_id;
    t->live.emplace(id, timers::timer{now_ms() + interval, interval, handler, arg});
    return id;
}

int zmq_timers_cancel(void* tp, int timer_id) {
    timers* t = as_timers(tp);
    if (t == nullptr) return fail(EFAULT);
    return t->live.erase(timer_id) == 1 ? 0 : fail(EINVAL);
}

int zmq_timers_set_interval(void* tp, int timer_id, size_t interval) {
    timers* t = as_timers(tp);
    if (t == nullptr) return fail(EFAULT);
    auto it = t->live.find(timer_id);
    if (it == t->live.end()) return fail(EINVAL);
    it->second.interval = interval;
    it->second.when = now_ms() + interval;
    return 0;
}

int zmq_timers_reset(void* tp, int timer_id) {
    timers* t = as_timers(tp);
    if (t == nullptr) return fail(EFAULT);
    auto it = t->live.find(timer_id);
    if (it == t->live.end()) return fail(EINVAL);
    it->second.when = now_ms() + it->second.interval;
    return 0;
}

long zmq_timers_timeout(void* tp) {
    timers* t = as_timers(tp);
    if (t == nullptr) return fail(EFAULT);
    if (t->live.empty()) return -1;
    std::uint64_t first = UINT64_MAX;
    for (const auto& [id, tm] : t->live) first = std::min(first, tm.when);
    const std::uint64_t now = now_ms();
    return first <= now ? 0 : static_cast<long>(first - now);
}

int zmq_timers_execute(void* tp) {
    timers* t = as_timers(tp);
    if (t == nullptr) return fail(EFAULT);
    const std::uint64_t now = now_ms();
    std::vector<int> due;
    for (const auto& [id, tm] : t->live)
        if (tm.when <= now) due.push_back(id);
    for (int id : due) {  // a handler may cancel or add timers: look each one up again
        auto it = t->live.find(id);
        if (it == t->live.end()) continue;
        it->second.when = now + it->second.interval;
        const timers::timer tm = it->second;
        tm.fn(id, tm.arg);
    }
    return 0;
}

int zmq_sendiov(void* s, struct iovec* iov, size_t count, int flags) {
    zmx::detail::socket_base* b = as_socket(s);
    if (b == nullptr) return fail(ENOTSOCK);
    if (count == 0 || iov == nullptr) return fail(EINVAL);
    // As libzmq: every part goes with the caller's flags, the last one without ZMQ_SNDMORE (so without
    // ZMQ_SNDMORE each buffer is a message of its own). Returns the last part's send result.
    int rc = 0;
    try {
        for (size_t i = 0; i < count; ++i) {
            zmx::message msg(iov[i].iov_base, iov[i].iov_len);
            const int part_flags = i + 1 < count ? flags : flags & ~ZMQ_SNDMORE;
            if (const int err = b->send(msg, part_flags); err != 0) return fail(err);
            rc = static_cast<int>(iov[i].iov_len);
        }
    } catch (const std::bad_alloc&) {
        return fail(ENOMEM);
    }
    return rc;
}

// Receives up to *count parts of one message into malloc'd buffers (the caller frees them); *count
// becomes the number received. Returns that number of parts, as libzmq does.
int zmq_recviov(void* s, struct iovec* iov, size_t* count, int flags) {
    zmx::detail::socket_base* b = as_socket(s);
    if (b == nullptr) return fail(ENOTSOCK);
    if (count == nullptr || *count == 0 || iov == nullptr) return fail(EINVAL);
    const size_t max = *count;
    *count = 0;  // counts the buffers handed out so far, so the caller can free them on failure
    bool more = true;
    while (more && *count < max) {
        zmx::message msg;
        if (const int err = b->recv(msg, flags); err != 0) return fail(err);
        void* buf = std::malloc(msg.size() > 0 ? msg.size() : 1);
        if (buf == nullptr) return fail(ENOMEM);
        std::memcpy(buf, msg.data(), msg.size());
        iov[*count].iov_base = buf;
        iov[*count].iov_len = msg.size();
        more = msg.more();
        ++*count;
    }
    return static_cast<int>(*count);
}

// Options that are ints go to zmq_ctx_set/get; zmx has no context option of another type (libzmq's
// ZMQ_THREAD_NAME_PREFIX string form is refused with EINVAL).
int zmq_ctx_set_ext(void* ctx, int option, const void* optval, size_t optvallen) {
    if (optvallen != sizeof(int) || optval == nullptr) {
        auto* c = static_cast<zmx::detail::context_impl*>(ctx);
        return fail(c != nullptr && c->valid() ? EINVAL : EFAULT);
    }
    int v = 0;
    std::memcpy(&v, optval, sizeof v);
    return zmq_ctx_set(ctx, option, v);
}

int zmq_ctx_get_ext(void* ctx, int option, void* optval, size_t* optvallen) {
    if (optvallen == nullptr || optval == nullptr || *optvallen < sizeof(int)) {
        auto* c = static_cast<zmx::detail::context_impl*>(ctx);
        return fail(c != nullptr && c->valid() ? EINVAL : EFAULT);
    }
    errno = 0;
    const int v = zmq_ctx_get(ctx, option);
    if (v == -1 && errno != 0) return -1;  // context option values are never negative
    std::memcpy(optval, &v, sizeof v);
    *optvallen = sizeof v;
    return 0;
}

// Groups belong to DISH: for every socket type zmx builds, libzmq's answer is ENOTSUP (its socket_base
// default). Peer states belong to ROUTER (ENOTSUP elsewhere, as libzmq).
int zmq_join(void* s, const char*) { return fail(as_socket(s) == nullptr ? ENOTSOCK : ENOTSUP); }
int zmq_leave(void* s, const char*) { return fail(as_socket(s) == nullptr ? ENOTSOCK : ENOTSUP); }
int zmq_socket_get_peer_state(void* s, const void* routing_id, size_t size) {
    auto* b = as_socket(s);
    if (b == nullptr) return fail(ENOTSOCK);
    if (routing_id == nullptr && size > 0) return fail(EFAULT);
    int state = 0;
    const int rc = b->peer_state({static_cast<const char*>(routing_id), size}, state);
    return rc == 0 ? state : fail(rc);
}

}  // extern "C"
