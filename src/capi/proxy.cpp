// The C API's proxy: zmq_proxy, zmq_proxy_steerable and the deprecated zmq_device over core/proxy.
// Runs on the calling thread. Errors as libzmq 4.3.4: EFAULT for a null frontend or backend, ETERM
// when the context terminates; a pointer that is not a live socket is ENOTSOCK (libzmq crashes).
#include <zmq.h>

#include <cerrno>

#include "core/proxy.hpp"
#include "core/socket_base.hpp"

using zmx::detail::socket_base;

namespace {

// 0 with the sockets, or an errno. capture and control may be null.
int resolve(void* f, void* b, void* c, void* k, socket_base*& fs, socket_base*& bs, socket_base*& cs,
            socket_base*& ks) {
    if (f == nullptr || b == nullptr) return EFAULT;
    fs = static_cast<socket_base*>(f);
    bs = static_cast<socket_base*>(b);
    cs = static_cast<socket_base*>(c);
    ks = static_cast<socket_base*>(k);
    if (!fs->valid() || !bs->valid()) return ENOTSOCK;
    if ((cs != nullptr && !cs->valid()) || (ks != nullptr && !ks->valid())) return ENOTSOCK;
    return 0;
}

int proxy(void* f, void* b, void* c, void* k) {
    socket_base *fs = nullptr, *bs = nullptr, *cs = nullptr, *ks = nullptr;
    int rc = resolve(f, b, c, k, fs, bs, cs, ks);
    if (rc == 0) rc = zmx::detail::run_proxy(*fs, *bs, cs, ks);
    if (rc == 0) return 0;  // TERMINATE on the control socket
    errno = rc;
    return -1;
}

}  // namespace

extern "C" {

int zmq_proxy(void* frontend, void* backend, void* capture) {
    return proxy(frontend, backend, capture, nullptr);
}

int zmq_proxy_steerable(void* frontend, void* backend, void* capture, void* control) {
    return proxy(frontend, backend, capture, control);
}

int zmq_device(int /*type*/, void* frontend, void* backend) {
    return proxy(frontend, backend, nullptr, nullptr);
}

}  // extern "C"
