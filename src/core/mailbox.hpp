#pragma once
// socket_mailbox — the command queue of one socket, and the socket's lock. I/O threads and other
// sockets (inproc peers) post pipe events and new pipes to it (it is the pipe_sink of every
// socket-side pipe end); the socket's callers drain it under the socket lock. The queue has a lock of
// its own, so posting never waits for a socket lock: two sockets joined by inproc pipes post to each
// other while each holds its own. It outlives the socket while pipes still refer to it: once closed
// it refuses new pipes (closing them) and drops events.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "core/pipe.hpp"
#include "io/spin.hpp"

namespace zmx::detail {

// Something that wants to hear that a socket's readiness may have changed (a poller's signal).
// notify() is called with the socket's command lock (and maybe its socket lock) held: it may take a
// lock of its own and nothing else, and must not call back into the mailbox.
class mailbox_observer {
public:
    virtual void notify() noexcept = 0;

protected:
    ~mailbox_observer() = default;
};

// ZMQ_FD of a classic socket: an eventfd that is readable while something was posted to the mailbox
// (or the socket's readiness changed otherwise) since the socket last processed its commands — edge
// semantics, as libzmq's mailbox fd: after it fires, the application reads ZMQ_EVENTS and keeps
// receiving/sending until ZMQ_EVENTS no longer shows what it waits for. Readable once at creation.
// notify() from any thread (a leaf lock); drain() by the socket's user under the socket lock.
class mailbox_fd final : public mailbox_observer {
public:
    // An fd that is readable now; null with err set (an eventfd errno) if none could be made.
    static std::shared_ptr<mailbox_fd> create(int& err);
    ~mailbox_fd();
    mailbox_fd(const mailbox_fd&) = delete;
    mailbox_fd& operator=(const mailbox_fd&) = delete;

    int fd() const noexcept { return efd_; }
    void notify() noexcept override;
    // Unreadable until the next notify(). Cheap (no system call) when it is not readable.
    void drain() noexcept;

private:
    explicit mailbox_fd(int efd) : efd_(efd) {}
    const int efd_;
    std::mutex mtx_;
    bool signalled_ = true;  // the eventfd's counter is not zero
};

class socket_mailbox final : public pipe_sink {
public:
    struct command {
        enum kind_t { attach, readable, writable, closed, hiccup } kind;
        std::shared_ptr<pipe_link> link;
        int end;
        pipe& p() const { return link->end(end); }
    };

    // Any thread. A new pipe end for the socket (from a session whose handshake completed, or an
    // inproc connect).
    void post_attach(std::shared_ptr<pipe_link> link, int end);
    // Any thread. The socket's end of a kept pipe now leads to a new connection.
    void post_hiccup(std::shared_ptr<pipe_link> link, int end) { post({command::hiccup, std::move(link), end}); }

    void pipe_readable(pipe& p) override { post({command::readable, p.link(), p.index()}); }
    void pipe_writable(pipe& p) override { post({command::writable, p.link(), p.index()}); }
    void pipe_closed(pipe& p) override { post({command::closed, p.link(), p.index()}); }

    // The socket lock: guards the socket's state. The functions below that say so need it held.
    std::mutex mtx;
    // The context is terminating: blocking calls return ETERM. Read anywhere; set by terminate().
    std::atomic<bool> terminated{false};

    // Socket lock held. Moves the queued commands to out; false if there were none. Costs one atomic
    // load when nothing is queued (the hot path of every send and recv).
    bool take(std::vector<command>& out);
    // Any thread: whether take() may find something (a hint: a post may be landing right now).
    bool has_pending() const noexcept { return has_pending_.load(std::memory_order_acquire); }
    // Socket lock held by `lock`: releases it until a command arrives, the context terminates or
    // deadline_ms (clock.hpp's now_ms; -1 = none) passes, then takes it again.
    void wait(std::unique_lock<std::mutex>& lock, std::int64_t deadline_ms);
    // Sets terminated and wakes every waiting thread. Any thread.
    void terminate();
    // Socket lock held. From now on posts are refused; returns what was still queued.
    std::vector<command> close();

    // Any thread. Observers hear of every posted command, of terminate(), and of notify_observers().
    // One observer may be added more than once (remove_observer drops one registration).
    void add_observer(std::shared_ptr<mailbox_observer> o);
    void remove_observer(const mailbox_observer* o);
    // Socket lock held: the socket's readiness changed without a command (it attached a pipe itself).
    // Cheap (one relaxed load) when nobody observes.
    void notify_observers();

private:
    void post(command c);
    std::mutex cmd_mtx_;  // guards the members below; taken after the socket lock, never before
    // Bumped under cmd_mtx_ whenever what wait() waits for may have changed; blocked waiters sleep on
    // it with a futex. Not a std::condition_variable: glibc's wait relocks its mutex marked
    // contended, so every wake-up cost an extra FUTEX_WAKE system call in the woken thread.
    std::atomic<std::uint32_t> wake_seq_{0};
    std::vector<command> pending_;
    // !pending_.empty(), readable without cmd_mtx_: take()'s fast path. Set under cmd_mtx_ by post,
    // cleared under it by take/close. A post racing with a take that misses it is seen by the next
    // take, or by wait(), which looks at it again under the lock before it sleeps.
    std::atomic<bool> has_pending_{false};
    int waiters_ = 0;
    // take() calls that took something: wakes waiters (see wait()). Written under both locks.
    std::atomic<std::uint64_t> taken_{0};
    // Socket lock: how long recent wait() calls took. Short waits are spun out, not slept (spin.hpp).
    spin_policy spin_;
    bool closed_ = false;
    std::vector<std::shared_ptr<mailbox_observer>> observers_;
    std::atomic<bool> observed_{false};  // !observers_.empty(), for notify_observers' fast path
};

}  // namespace zmx::detail
