#pragma once
// socket_mailbox — the command queue of one socket and the lock that guards the socket. I/O threads
// post pipe events and new pipes to it (it is the pipe_sink of every socket-side pipe end); the
// socket's callers drain it under the lock. It outlives the socket while pipes still refer to it:
// once closed it refuses new pipes (closing them) and drops events.
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "core/pipe.hpp"

namespace zmx::detail {

class socket_mailbox final : public pipe_sink {
public:
    struct command {
        enum kind_t { attach, readable, writable, closed } kind;
        std::shared_ptr<pipe_link> link;
        int end;
        pipe& p() const { return link->end(end); }
    };

    // Any thread. A new pipe end for the socket (from a session whose handshake completed).
    void post_attach(std::shared_ptr<pipe_link> link, int end);

    void pipe_readable(pipe& p) override { post({command::readable, p.link(), p.index()}); }
    void pipe_writable(pipe& p) override { post({command::writable, p.link(), p.index()}); }
    void pipe_closed(pipe& p) override { post({command::closed, p.link(), p.index()}); }

    // The socket lock. Everything below is guarded by it.
    std::mutex mtx;
    std::condition_variable cv;
    std::vector<command> pending;
    int waiters = 0;
    bool closed = false;      // the socket is closed
    bool terminated = false;  // the context is terminating: blocking calls return ETERM

    // Wakes every thread blocked on the socket (lock not held by the caller).
    void wake_all();

private:
    void post(command c);
};

}  // namespace zmx::detail
