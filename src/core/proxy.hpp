#pragma once
// proxy — the loop behind zmq_proxy / zmq_proxy_steerable and zmx::proxy: moves whole messages between
// a frontend and a backend socket (both ways; one way when they are the same socket), copies each frame
// to an optional capture socket, and obeys PAUSE / RESUME / TERMINATE / STATISTICS on an optional
// control socket. Runs on the caller's thread, which must be the only user of the (classic) sockets
// meanwhile; it sleeps on the sockets' mailboxes when nothing can move (no spinning).
#include <cstdint>

namespace zmx::detail {

class socket_base;

// What one side of the proxy saw, as libzmq 4.3.4 counts it: a multipart message is one message, and
// its bytes are those of all its frames. in = received on that socket, out = sent on it.
struct proxy_side_stats {
    std::uint64_t msg_in = 0;
    std::uint64_t bytes_in = 0;
    std::uint64_t msg_out = 0;
    std::uint64_t bytes_out = 0;
};

// Runs until TERMINATE arrives on `control` (returns 0) or an error stops it: ETERM once a socket's
// context terminates, or the errno of a failed receive or send (e.g. EHOSTUNREACH from a
// ROUTER_MANDATORY backend, ENOTSUP when STATISTICS is asked on a control socket that cannot send).
// capture and control may be null. Blocks; never returns EAGAIN.
int run_proxy(socket_base& frontend, socket_base& backend, socket_base* capture, socket_base* control);

}  // namespace zmx::detail
