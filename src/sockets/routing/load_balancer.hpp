#pragma once
// load_balancer — sends each whole message to the next pipe that has room (RFC 30 round robin).
// Pipes at their HWM are parked until on_writable(). Owned by a socket type; under the socket lock.
#include <vector>
#include <zmx/message.hpp>

#include "core/pipe.hpp"

namespace zmx::detail {

class load_balancer {
public:
    void attach(pipe& p) { activate(p); }
    void detach(pipe& p);
    void activate(pipe& p);

    // 0 (msg consumed) or EAGAIN (no pipe can take it now).
    int send(message& msg);
    bool has_out();

private:
    void deactivate(std::size_t i);
    std::vector<pipe*> active_;
    std::size_t current_ = 0;
    bool in_multipart_ = false;
    bool dropping_ = false;  // the pipe of an unfinished multipart message went away
};

}  // namespace zmx::detail
