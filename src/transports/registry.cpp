// Scheme → transport table.
#include <unistd.h>

#include "transports/tcp.hpp"
#include "transports/transport.hpp"

namespace zmx::detail {

void transport::close_listener(int fd, std::string_view) const { ::close(fd); }

const transport* find_transport(std::string_view scheme) {
    static const tcp_transport tcp;
    if (scheme == tcp.scheme()) return &tcp;
    return nullptr;
}

}  // namespace zmx::detail
