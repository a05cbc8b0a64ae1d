// Scheme → transport table.
#include <unistd.h>

#include "transports/ipc.hpp"
#include "transports/tcp.hpp"
#include "transports/transport.hpp"

namespace zmx::detail {

void transport::close_listener(int fd, std::string_view) const { ::close(fd); }

const transport* find_transport(std::string_view scheme) {
    static const tcp_transport tcp;
    // Never destroyed: it holds state (a mutex and the table of bound files) that an I/O thread of a
    // context still alive at exit may touch after static destructors have run.
    static const ipc_transport& ipc = *new ipc_transport;
    if (scheme == tcp.scheme()) return &tcp;
    if (scheme == ipc.scheme()) return &ipc;
    return nullptr;
}

}  // namespace zmx::detail
