#pragma once
// Factories of the socket types that exist, for the registry table (one per socket type file).
#include <memory>

namespace zmx::detail {

class socket_type;
struct socket_options;

std::unique_ptr<socket_type> make_pair(const socket_options& o);
std::unique_ptr<socket_type> make_server(const socket_options& o);
std::unique_ptr<socket_type> make_client(const socket_options& o);
std::unique_ptr<socket_type> make_peer(const socket_options& o);
std::unique_ptr<socket_type> make_pub(const socket_options& o);
std::unique_ptr<socket_type> make_sub(const socket_options& o);
std::unique_ptr<socket_type> make_xpub(const socket_options& o);
std::unique_ptr<socket_type> make_xsub(const socket_options& o);
std::unique_ptr<socket_type> make_req(const socket_options& o);
std::unique_ptr<socket_type> make_rep(const socket_options& o);
std::unique_ptr<socket_type> make_dealer(const socket_options& o);
std::unique_ptr<socket_type> make_router(const socket_options& o);
std::unique_ptr<socket_type> make_pull(const socket_options& o);
std::unique_ptr<socket_type> make_push(const socket_options& o);
std::unique_ptr<socket_type> make_stream(const socket_options& o);

}  // namespace zmx::detail
