#pragma once
// fair_queue — receives from a set of pipes in turn, one whole message from each (RFC 28/30 fair
// queuing). Pipes that run dry are parked until on_readable(). Owned by a socket type; called under
// the socket's lock.
#include <vector>
#include <zmx/message.hpp>

#include "core/pipe.hpp"

namespace zmx::detail {

class fair_queue {
public:
    void attach(pipe& p) { activate(p); }
    void detach(pipe& p);
    void activate(pipe& p);

    // 0 and msg filled (from_out = the pipe it came from), or EAGAIN.
    int recv(message& msg, pipe** from_out = nullptr);
    bool has_in();

private:
    void deactivate(std::size_t i);
    std::vector<pipe*> active_;
    std::size_t current_ = 0;
    bool in_multipart_ = false;
};

}  // namespace zmx::detail
