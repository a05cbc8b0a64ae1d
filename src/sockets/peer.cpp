// PEER (RFC 51): SERVER's routing rules on a socket that both binds and connects. The id of a
// connected peer is assigned when the pipe is created by connect_peer (see core/socket_base.cpp), so it
// is known before the link is up and survives reconnects.
#include "sockets/server.hpp"
#include "sockets/types.hpp"

namespace zmx::detail {

std::unique_ptr<socket_type> make_peer(const socket_options&) { return std::make_unique<server>(); }

}  // namespace zmx::detail
