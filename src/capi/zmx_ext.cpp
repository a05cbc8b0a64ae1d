// The C functions of include/zmx.h (zmx's extensions to the C API). Only src/capi writes errno.
#include <zmx.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/socket_base.hpp"

static_assert(ZMX_RECONNECT_MAX_ATTEMPTS == zmx::sockopt::reconnect_max_attempts.id);
static_assert(ZMX_EVENT_CONNECT_STOPPED == zmx::event::connect_stopped);
static_assert(ZMX_ENDPOINT_STOPPED == static_cast<int>(zmx::endpoint_state::stopped));
static_assert(ZMX_ENDPOINT_WAITING == static_cast<int>(zmx::endpoint_state::waiting));

extern "C" int zmx_socket_endpoints(void* socket, zmx_endpoint_status_t* out, size_t* count) {
    if (socket == nullptr) {
        errno = ENOTSOCK;
        return -1;
    }
    if (count == nullptr || (out == nullptr && *count > 0)) {
        errno = EFAULT;
        return -1;
    }
    auto* s = static_cast<zmx::detail::socket_base*>(socket);
    std::vector<zmx::endpoint_status> eps;
    if (const int rc = s->endpoints(eps); rc != 0) {
        errno = rc;
        return -1;
    }
    const std::size_t n = std::min(*count, eps.size());
    for (std::size_t i = 0; i < n; ++i) {
        zmx_endpoint_status_t& o = out[i];
        const std::size_t len = std::min(eps[i].endpoint.size(), sizeof o.endpoint - 1);
        std::memcpy(o.endpoint, eps[i].endpoint.data(), len);
        o.endpoint[len] = '\0';
        o.bound = eps[i].bound ? 1 : 0;
        o.state = static_cast<int>(eps[i].state);
        o.last_error = eps[i].last_error;
        o.attempts = eps[i].attempts;
    }
    *count = eps.size();
    return 0;
}
