// XPUB: not built yet (placeholder: the factory returns null and zmq_socket answers EINVAL).
#include "sockets/socket_type.hpp"
#include "sockets/types.hpp"

namespace zmx::detail {

std::unique_ptr<socket_type> make_xpub(const socket_options&) { return nullptr; }

}  // namespace zmx::detail
