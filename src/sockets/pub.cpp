// PUB (RFC 29): XPUB without recv — the core answers recv with ENOTSUP (can_recv is false), and the
// subscriptions it reads from its pipes are applied but never queued for the application. As in
// libzmq, PUB takes the XPUB options (XPUB_NODROP, XPUB_WELCOME_MSG, ...). See xpub.hpp.
#include "sockets/types.hpp"
#include "sockets/xpub.hpp"

namespace zmx::detail {

std::unique_ptr<socket_type> make_pub(const socket_options&) { return std::make_unique<xpub>(true); }

}  // namespace zmx::detail
