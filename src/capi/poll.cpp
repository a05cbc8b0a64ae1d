// The C API's polling: zmq_poller_* and zmq_poll over core/poller (sockets of every type and native
// fds in one set). Errors as libzmq 4.3.4: EFAULT for a bad poller or a missing events array, ENOTSOCK
// for a bad socket, EBADF for fd -1, EINVAL for unknown event bits, a socket added twice or one that is
// not there, EAGAIN on timeout, ETERM once a socket's context terminates.
#define ZMQ_BUILD_DRAFT_API  // zmq_poller_event_t
#include <zmq.h>

#include <cerrno>
#include <chrono>
#include <new>
#include <thread>
#include <vector>

#include "core/poller.hpp"
#include "core/socket_base.hpp"

using zmx::detail::poller;
using zmx::detail::socket_base;

namespace {

int fail(int err) {
    errno = err;
    return -1;
}

poller* as_poller(void* p) {
    auto* q = static_cast<poller*>(p);
    return q != nullptr && q->valid() ? q : nullptr;
}

socket_base* as_socket(void* s) {
    auto* b = static_cast<socket_base*>(s);
    return b != nullptr && b->valid() ? b : nullptr;
}

constexpr short all_events = ZMQ_POLLIN | ZMQ_POLLOUT | ZMQ_POLLERR | ZMQ_POLLPRI;
bool bad_events(short e) { return (e & ~all_events) != 0; }

// The checks libzmq makes, in its order: poller (EFAULT), then socket (ENOTSOCK) or fd (EBADF).
int check(void* p, void* s, poller*& q, socket_base*& b) {
    if ((q = as_poller(p)) == nullptr) return EFAULT;
    if ((b = as_socket(s)) == nullptr) return ENOTSOCK;
    return 0;
}

int check_fd(void* p, zmq_fd_t fd, poller*& q) {
    if ((q = as_poller(p)) == nullptr) return EFAULT;
    if (fd == -1) return EBADF;
    return 0;
}

int result(int rc) { return rc == 0 ? 0 : fail(rc); }

}  // namespace

extern "C" {

void* zmq_poller_new(void) {
    auto* p = new (std::nothrow) poller;
    if (p == nullptr) errno = ENOMEM;
    return p;
}

int zmq_poller_destroy(void** poller_p) {
    if (poller_p == nullptr) return fail(EFAULT);
    poller* q = as_poller(*poller_p);
    if (q == nullptr) return fail(EFAULT);
    delete q;
    *poller_p = nullptr;
    return 0;
}

int zmq_poller_size(void* p) {
    poller* q = as_poller(p);
    return q == nullptr ? fail(EFAULT) : q->size();
}

int zmq_poller_add(void* p, void* s, void* user_data, short events) {
    poller* q = nullptr;
    socket_base* b = nullptr;
    if (const int rc = check(p, s, q, b); rc != 0) return fail(rc);
    if (bad_events(events)) return fail(EINVAL);
    return result(q->add(b, user_data, events));
}

int zmq_poller_modify(void* p, void* s, short events) {
    poller* q = nullptr;
    socket_base* b = nullptr;
    if (const int rc = check(p, s, q, b); rc != 0) return fail(rc);
    if (bad_events(events)) return fail(EINVAL);
    return result(q->modify(b, events));
}

int zmq_poller_remove(void* p, void* s) {
    poller* q = nullptr;
    socket_base* b = nullptr;
    if (const int rc = check(p, s, q, b); rc != 0) return fail(rc);
    return result(q->remove(b));
}

int zmq_poller_add_fd(void* p, zmq_fd_t fd, void* user_data, short events) {
    poller* q = nullptr;
    if (const int rc = check_fd(p, fd, q); rc != 0) return fail(rc);
    if (bad_events(events)) return fail(EINVAL);
    return result(q->add_fd(fd, user_data, events));
}

int zmq_poller_modify_fd(void* p, zmq_fd_t fd, short events) {
    poller* q = nullptr;
    if (const int rc = check_fd(p, fd, q); rc != 0) return fail(rc);
    if (bad_events(events)) return fail(EINVAL);
    return result(q->modify_fd(fd, events));
}

int zmq_poller_remove_fd(void* p, zmq_fd_t fd) {
    poller* q = nullptr;
    if (const int rc = check_fd(p, fd, q); rc != 0) return fail(rc);
    return result(q->remove_fd(fd));
}

int zmq_poller_wait_all(void* p, zmq_poller_event_t* events, int n_events, long timeout) {
    poller* q = as_poller(p);
    if (q == nullptr || events == nullptr) return fail(EFAULT);
    if (n_events < 0) return fail(EINVAL);
    static_assert(sizeof(zmq_poller_event_t) >= sizeof(poller::event));
    std::vector<poller::event> out(static_cast<std::size_t>(n_events));
    const int rc = q->wait(out.data(), n_events, timeout);
    for (int i = 0; i < n_events; ++i) {
        const auto& e = out[static_cast<std::size_t>(i)];
        events[i] = {e.socket, e.fd, e.user_data, e.events};
    }
    return rc >= 0 ? rc : fail(-rc);
}

int zmq_poller_wait(void* p, zmq_poller_event_t* event, long timeout) {
    const int rc = zmq_poller_wait_all(p, event, 1, timeout);
    if (rc < 0 && event != nullptr) *event = {nullptr, -1, nullptr, 0};  // as libzmq
    return rc >= 0 ? 0 : rc;
}

// libzmq returns its signaler's fd once a thread-safe socket was added (EINVAL before); zmx returns an
// eventfd once any socket was added. Edge semantics, as libzmq: when it is readable, call
// zmq_poller_wait with timeout 0 until EAGAIN (which drains it), then poll the fd again.
int zmq_poller_fd(void* p, zmq_fd_t* fd) {
    poller* q = as_poller(p);
    if (q == nullptr || fd == nullptr) return fail(EFAULT);
    int f = -1;
    if (const int rc = q->fd(f); rc != 0) return fail(rc);
    *fd = f;
    return 0;
}

// libzmq 4.3.4 runs zmq_poll over its poller when any item is a thread-safe socket and over poll(2)
// on ZMQ_FD otherwise. zmx has one path for every socket type: core/poller. As libzmq: the same socket
// or fd may appear in several items (each gets its own revents); socket revents are the requested
// ZMQ_POLLIN/POLLOUT bits that hold; fd revents are what poll(2) reports, anything beyond IN/OUT/PRI
// as ZMQ_POLLERR; unknown event bits are ignored (libzmq's poll(2) path does the same); a timeout is
// 0 events, not an error. Differences: NULL items with nitems > 0 is EFAULT (libzmq's poller path
// crashes), and nitems == 0 with timeout -1 is EFAULT rather than sleeping forever.
int zmq_poll(zmq_pollitem_t* items, int nitems, long timeout) {
    if (nitems < 0) return fail(EINVAL);
    if (nitems == 0) {
        if (timeout < 0) return fail(EFAULT);
        if (timeout > 0) std::this_thread::sleep_for(std::chrono::milliseconds(timeout));
        return 0;
    }
    if (items == nullptr) return fail(EFAULT);
    poller q;
    for (int i = 0; i < nitems; ++i) {
        zmq_pollitem_t& it = items[i];
        it.revents = 0;
        const short events = static_cast<short>(it.events & all_events);
        if (it.socket != nullptr) {
            socket_base* b = as_socket(it.socket);
            if (b == nullptr) return fail(ENOTSOCK);
            q.add(b, nullptr, events, true);
        } else {
            q.add_fd(it.fd, nullptr, events, true);
        }
    }
    const int rc = q.poll(timeout);
    if (rc == EAGAIN) return 0;
    if (rc != 0) return fail(rc);
    int n = 0;
    for (int i = 0; i < nitems; ++i) {
        items[i].revents = q.revents()[static_cast<std::size_t>(i)];
        if (items[i].revents != 0) ++n;
    }
    return n;
}

}  // extern "C"
