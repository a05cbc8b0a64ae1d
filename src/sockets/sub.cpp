// SUB (RFC 29): XSUB that takes its subscriptions as ZMQ_SUBSCRIBE / ZMQ_UNSUBSCRIBE options, filters
// what it receives by them (ZMQ_INVERT_MATCHING reverses the filter) and cannot send — the core
// answers send with ENOTSUP (can_send is false). See xsub.hpp.
#include "sockets/types.hpp"
#include "sockets/xsub.hpp"

namespace zmx::detail {

std::unique_ptr<socket_type> make_sub(const socket_options&) { return std::make_unique<xsub>(true); }

}  // namespace zmx::detail
