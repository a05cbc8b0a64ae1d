// The C API (zmq.h) over the core: contexts, sockets, messages, send and receive. Each function checks
// its handles, calls the core, and turns an errno result into -1 with errno set, as libzmq does. Only
// src/capi writes errno. zmq_msg_t holds a zmx::message in place (both are 64 bytes, 8-aligned).
#include <zmq.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <new>
#include <zmx/error.hpp>
#include <zmx/message.hpp>

#include "core/context_impl.hpp"
#include "core/socket_base.hpp"

using zmx::detail::context_impl;
using zmx::detail::socket_base;

static_assert(sizeof(zmq_msg_t) == sizeof(zmx::message));
static_assert(alignof(zmq_msg_t) >= alignof(zmx::message));

namespace {

int fail(int err) {
    errno = err;
    return -1;
}

std::uint32_t fail_id(int err) {  // zmq_connect_peer's failure: id 0 with errno
    errno = err;
    return 0;
}

context_impl* as_ctx(void* ctx) {
    auto* c = static_cast<context_impl*>(ctx);
    return c != nullptr && c->valid() ? c : nullptr;
}

socket_base* as_socket(void* s) {
    auto* b = static_cast<socket_base*>(s);
    return b != nullptr && b->valid() ? b : nullptr;
}

zmx::message& as_msg(zmq_msg_t* m) { return *std::launder(reinterpret_cast<zmx::message*>(m)); }
const zmx::message& as_msg(const zmq_msg_t* m) { return *std::launder(reinterpret_cast<const zmx::message*>(m)); }

// Sends msg (consumed on success): its size, or -1 with errno.
int send_message(socket_base* s, zmx::message& msg, int flags) {
    const std::size_t size = msg.size();
    if (const int rc = s->send(msg, flags); rc != 0) return fail(rc);
    return static_cast<int>(size > INT32_MAX ? INT32_MAX : size);
}

int recv_message(socket_base* s, zmx::message& msg, int flags) {
    if (const int rc = s->recv(msg, flags); rc != 0) return fail(rc);
    return static_cast<int>(msg.size() > INT32_MAX ? INT32_MAX : msg.size());
}

}  // namespace

extern "C" {

// ---- contexts ----

void* zmq_ctx_new(void) { return new (std::nothrow) context_impl; }

int zmq_ctx_term(void* ctx) {
    context_impl* c = as_ctx(ctx);
    if (c == nullptr) return fail(EFAULT);
    delete c;  // terminates: waits for every socket to be closed and lingering sessions to finish
    return 0;
}

int zmq_ctx_shutdown(void* ctx) {
    context_impl* c = as_ctx(ctx);
    if (c == nullptr) return fail(EFAULT);
    c->shutdown();
    return 0;
}

int zmq_ctx_set(void* ctx, int option, int value) {
    context_impl* c = as_ctx(ctx);
    if (c == nullptr) return fail(EFAULT);
    const int rc = c->set(option, value);
    return rc == 0 ? 0 : fail(rc);
}

int zmq_ctx_get(void* ctx, int option) {
    context_impl* c = as_ctx(ctx);
    if (c == nullptr) return fail(EFAULT);
    int value = 0;
    const int rc = c->get(option, value);
    return rc == 0 ? value : fail(rc);
}

void* zmq_init(int io_threads) {
    if (io_threads < 0) {
        errno = EINVAL;
        return nullptr;
    }
    auto* c = new (std::nothrow) context_impl;
    if (c != nullptr) c->set(ZMQ_IO_THREADS, io_threads);
    return c;
}

int zmq_term(void* ctx) { return zmq_ctx_term(ctx); }
int zmq_ctx_destroy(void* ctx) { return zmq_ctx_term(ctx); }

// ---- sockets ----

void* zmq_socket(void* ctx, int type) {
    context_impl* c = as_ctx(ctx);
    if (c == nullptr) {
        errno = EFAULT;
        return nullptr;
    }
    int err = 0;
    socket_base* s = c->create_socket(type, err);
    if (s == nullptr) errno = err;
    return s;
}

int zmq_close(void* s) {
    socket_base* b = as_socket(s);
    if (b == nullptr) return fail(ENOTSOCK);
    b->close();
    return 0;
}

int zmq_setsockopt(void* s, int option, const void* value, size_t len) {
    socket_base* b = as_socket(s);
    if (b == nullptr) return fail(ENOTSOCK);
    const int rc = b->setsockopt(option, value, len);
    return rc == 0 ? 0 : fail(rc);
}

int zmq_getsockopt(void* s, int option, void* value, size_t* len) {
    socket_base* b = as_socket(s);
    if (b == nullptr) return fail(ENOTSOCK);
    const int rc = b->getsockopt(option, value, len);
    return rc == 0 ? 0 : fail(rc);
}

#define ZMX_ENDPOINT_CALL(fn)                              \
    socket_base* b = as_socket(s);                         \
    if (b == nullptr) return fail(ENOTSOCK);               \
    if (addr == nullptr) return fail(EINVAL);              \
    const int rc = b->fn(addr);                            \
    return rc == 0 ? 0 : fail(rc);

int zmq_bind(void* s, const char* addr) { ZMX_ENDPOINT_CALL(bind) }
int zmq_connect(void* s, const char* addr) { ZMX_ENDPOINT_CALL(connect) }
int zmq_unbind(void* s, const char* addr) { ZMX_ENDPOINT_CALL(unbind) }
int zmq_disconnect(void* s, const char* addr) { ZMX_ENDPOINT_CALL(disconnect) }
#undef ZMX_ENDPOINT_CALL

uint32_t zmq_connect_peer(void* s, const char* addr) {
    socket_base* b = as_socket(s);
    if (b == nullptr) return fail_id(ENOTSOCK);
    if (addr == nullptr) return fail_id(EINVAL);
    std::uint32_t id = 0;
    const int rc = b->connect_peer(addr, id);
    return rc == 0 ? id : fail_id(rc);
}

int zmq_disconnect_peer(void* s, uint32_t routing_id) {
    socket_base* b = as_socket(s);
    if (b == nullptr) return fail(ENOTSOCK);
    const int rc = b->disconnect_peer(routing_id);
    return rc == 0 ? 0 : fail(rc);
}

int zmq_socket_monitor_versioned(void* s, const char* addr, uint64_t events, int event_version, int type) {
    socket_base* b = as_socket(s);
    if (b == nullptr) return fail(ENOTSOCK);
    const int rc = b->monitor(addr != nullptr ? addr : "", events, event_version, type);
    return rc == 0 ? 0 : fail(rc);
}

int zmq_socket_monitor_pipes_stats(void* s) {
    socket_base* b = as_socket(s);
    if (b == nullptr) return fail(ENOTSOCK);
    const int rc = b->pipes_stats();
    return rc == 0 ? 0 : fail(rc);
}

int zmq_socket_monitor(void* s, const char* addr, int events) {
    return zmq_socket_monitor_versioned(s, addr, static_cast<uint64_t>(static_cast<unsigned>(events)), 1, ZMQ_PAIR);
}

// ---- messages ----

int zmq_msg_init(zmq_msg_t* msg) {
    new (msg) zmx::message();
    return 0;
}

int zmq_msg_init_size(zmq_msg_t* msg, size_t size) {
    try {
        new (msg) zmx::message(size);
    } catch (const std::bad_alloc&) {
        new (msg) zmx::message();
        return fail(ENOMEM);
    }
    return 0;
}

int zmq_msg_init_buffer(zmq_msg_t* msg, const void* buf, size_t size) {
    if (buf == nullptr && size > 0) return fail(EFAULT);
    try {
        new (msg) zmx::message(buf, size);
    } catch (const std::bad_alloc&) {
        new (msg) zmx::message();
        return fail(ENOMEM);
    }
    return 0;
}

int zmq_msg_init_data(zmq_msg_t* msg, void* data, size_t size, zmq_free_fn* ffn, void* hint) {
    if (data == nullptr && size > 0) return fail(EFAULT);
    if (ffn == nullptr) {  // as libzmq: the data is the caller's and stays so (a constant message)
        new (msg) zmx::message(zmx::message::from_const(data, size));
        return 0;
    }
    try {
        new (msg) zmx::message(data, size, ffn, hint);
    } catch (const std::bad_alloc&) {
        new (msg) zmx::message();
        return fail(ENOMEM);
    }
    return 0;
}

int zmq_msg_close(zmq_msg_t* msg) {
    if (msg == nullptr) return fail(EFAULT);
    as_msg(msg).clear();  // stays a valid empty message: a second close is harmless
    return 0;
}

int zmq_msg_move(zmq_msg_t* dest, zmq_msg_t* src) {
    if (dest == nullptr || src == nullptr) return fail(EFAULT);
    as_msg(dest) = std::move(as_msg(src));
    return 0;
}

int zmq_msg_copy(zmq_msg_t* dest, zmq_msg_t* src) {
    if (dest == nullptr || src == nullptr) return fail(EFAULT);
    if (dest == src) return 0;
    as_msg(dest) = as_msg(src).copy();
    return 0;
}

void* zmq_msg_data(zmq_msg_t* msg) { return as_msg(msg).data(); }
size_t zmq_msg_size(const zmq_msg_t* msg) { return as_msg(msg).size(); }
int zmq_msg_more(const zmq_msg_t* msg) { return as_msg(msg).more() ? 1 : 0; }

int zmq_msg_get(const zmq_msg_t* msg, int property) {
    switch (property) {
    case ZMQ_MORE: return as_msg(msg).more() ? 1 : 0;
    case ZMQ_SRCFD: return fail(EINVAL);  // deprecated in libzmq; zmx does not track a message's fd
    case ZMQ_SHARED: return as_msg(msg).is_shared() ? 1 : 0;
    default: return fail(EINVAL);
    }
}

int zmq_msg_set(zmq_msg_t*, int, int) { return fail(EINVAL); }  // libzmq has no settable property

const char* zmq_msg_gets(const zmq_msg_t* msg, const char* property) {
    const char* v = property != nullptr ? as_msg(msg).property(property) : nullptr;
    if (v == nullptr) errno = EINVAL;
    return v;
}

int zmq_msg_set_routing_id(zmq_msg_t* msg, uint32_t routing_id) {
    if (routing_id == 0) return fail(EINVAL);
    as_msg(msg).set_routing_id(routing_id);
    return 0;
}

uint32_t zmq_msg_routing_id(zmq_msg_t* msg) { return as_msg(msg).routing_id(); }

int zmq_msg_set_group(zmq_msg_t* msg, const char* group) {
    try {
        if (group == nullptr || !as_msg(msg).set_group(group)) return fail(EINVAL);
    } catch (const std::bad_alloc&) {
        return fail(ENOMEM);
    }
    return 0;
}

const char* zmq_msg_group(zmq_msg_t* msg) { return as_msg(msg).group(); }

// ---- send and receive ----

int zmq_msg_send(zmq_msg_t* msg, void* s, int flags) {
    socket_base* b = as_socket(s);
    if (b == nullptr) return fail(ENOTSOCK);
    if (msg == nullptr) return fail(EFAULT);
    return send_message(b, as_msg(msg), flags);
}

int zmq_msg_recv(zmq_msg_t* msg, void* s, int flags) {
    socket_base* b = as_socket(s);
    if (b == nullptr) return fail(ENOTSOCK);
    if (msg == nullptr) return fail(EFAULT);
    return recv_message(b, as_msg(msg), flags);
}

int zmq_sendmsg(void* s, zmq_msg_t* msg, int flags) { return zmq_msg_send(msg, s, flags); }
int zmq_recvmsg(void* s, zmq_msg_t* msg, int flags) { return zmq_msg_recv(msg, s, flags); }

int zmq_send(void* s, const void* buf, size_t len, int flags) {
    socket_base* b = as_socket(s);
    if (b == nullptr) return fail(ENOTSOCK);
    if (buf == nullptr && len > 0) return fail(EFAULT);
    try {
        zmx::message msg(buf, len);
        return send_message(b, msg, flags);
    } catch (const std::bad_alloc&) {
        return fail(ENOMEM);
    }
}

int zmq_send_const(void* s, const void* buf, size_t len, int flags) {
    socket_base* b = as_socket(s);
    if (b == nullptr) return fail(ENOTSOCK);
    if (buf == nullptr && len > 0) return fail(EFAULT);
    zmx::message msg = zmx::message::from_const(buf, len);
    return send_message(b, msg, flags);
}

int zmq_recv(void* s, void* buf, size_t len, int flags) {
    socket_base* b = as_socket(s);
    if (b == nullptr) return fail(ENOTSOCK);
    if (buf == nullptr && len > 0) return fail(EFAULT);
    zmx::message msg;
    const int n = recv_message(b, msg, flags);
    if (n < 0) return n;
    std::memcpy(buf, msg.data(), std::min(len, msg.size()));  // truncates; returns the full size
    return n;
}

}  // extern "C"
