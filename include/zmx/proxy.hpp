#pragma once
// zmx::proxy and zmx::proxy_steerable — the built-in proxy (zmq_proxy(3), zmq_proxy_steerable(3)): on
// the calling thread, moves whole messages between a frontend and a backend socket in both directions,
// copying every frame to an optional capture socket. A destination that cannot take a message (HWM)
// stops the reading of its source; nothing is dropped by the proxy. The sockets must not be used by
// any other thread while it runs.
#include <zmx/socket.hpp>

namespace zmx {

// Runs until an error stops it, then throws zmx::error: ETERM once the context terminates (from
// another thread), or the error of a receive or send that failed. Never returns normally.
[[noreturn]] void proxy(socket& frontend, socket& backend, socket* capture = nullptr);

// As proxy(), steered by commands received on `control` (single-frame messages): "PAUSE" stops moving
// messages, "RESUME" starts again, "TERMINATE" makes it return, "STATISTICS" is answered on `control`
// with eight uint64 frames (messages and bytes received and sent on the frontend, then the same for
// the backend). A REP control socket answers every other command with an empty message. Returns
// normally only on TERMINATE; a null control makes it proxy().
void proxy_steerable(socket& frontend, socket& backend, socket* capture, socket* control);

}  // namespace zmx
