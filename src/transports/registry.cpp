// Scheme → transport table.
#include "transports/tcp.hpp"
#include "transports/transport.hpp"

namespace zmx::detail {

const transport* find_transport(std::string_view scheme) {
    static const tcp_transport tcp;
    if (scheme == tcp.scheme()) return &tcp;
    return nullptr;
}

}  // namespace zmx::detail
