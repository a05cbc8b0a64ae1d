#pragma once
// poller — waits on several sockets (any type) and native file descriptors at once: zmq_poller_* and
// zmq_poll. Used by one thread at a time, like libzmq's.
//
// Readiness of a socket is socket_base::events() (its type's has_in/has_out after its pending
// commands). The poller registers a signal with the mailbox of every socket it holds; the mailbox
// notifies it of each posted command (pipe readable/writable/closed, new pipe), of context
// termination, and of pipes the socket attached itself. wait() loops: note the signal's count, look at
// every item, return what is ready, else sleep until the signal moves or the deadline passes. A change
// after the note moves the signal; one before it is seen by the look. With native fds in the set the
// sleep is poll(2) on those fds plus the signal's eventfd.
//
// Lock order: socket lock → mailbox command lock → the signal's lock (a leaf).
// As in libzmq, a socket must be removed before it is closed (waiting on a closed one is undefined);
// destroying a poller after its sockets closed is fine (it holds their mailboxes, not the sockets).
#include <poll.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "core/mailbox.hpp"

namespace zmx::detail {

class socket_base;

// The wake-up of one poller. notify() may be called by any thread, under socket and command locks.
class poll_signal final : public mailbox_observer {
public:
    poll_signal() = default;
    ~poll_signal();
    poll_signal(const poll_signal&) = delete;
    poll_signal& operator=(const poll_signal&) = delete;

    void notify() noexcept override;
    std::uint64_t count();
    // Sleeps until the count differs from `seen` or deadline_ms (now_ms clock; -1 = none) passes.
    void wait(std::uint64_t seen, std::int64_t deadline_ms);
    // An eventfd made readable by every notify() from now on (created on first use; readable once at
    // creation). -1 with errno if it cannot be made.
    int fd();
    // Empties the eventfd, if there is one.
    void drain();

private:
    std::mutex mtx_;
    std::condition_variable cv_;
    std::uint64_t count_ = 0;
    int waiters_ = 0;
    int efd_ = -1;
};

class poller {
public:
    struct event {
        socket_base* socket;  // null for a native fd
        int fd;               // -1 for a socket
        void* user_data;
        short events;
    };

    poller();
    ~poller();
    poller(const poller&) = delete;
    poller& operator=(const poller&) = delete;

    bool valid() const noexcept { return tag_ == live_tag; }
    int size() const noexcept { return static_cast<int>(items_.size()); }

    // 0 or an errno (EINVAL: already there / not there). allow_duplicates (zmq_poll) skips that check.
    int add(socket_base* s, void* user_data, short events, bool allow_duplicates = false);
    int modify(const socket_base* s, short events);
    int remove(const socket_base* s);
    int add_fd(int fd, void* user_data, short events, bool allow_duplicates = false);
    int modify_fd(int fd, short events);
    int remove_fd(int fd);

    // Waits up to timeout_ms (-1 = forever, 0 = look once) until some item is ready; revents() then
    // holds each item's events, in the order items were added. 0, EAGAIN (timed out), ETERM (a socket's
    // context is terminating), EINTR (poll(2) interrupted), EFAULT (nothing to wait on, forever).
    int poll(long timeout_ms);
    const std::vector<short>& revents() const noexcept { return revents_; }
    // poll(), then the ready items packed into out (at most n): their number, or -errno.
    int wait(event* out, int n, long timeout_ms);
    // zmq_poller_fd: an eventfd readable when a socket of the set may have become ready (edge
    // semantics, as libzmq's signaler: wait() with timeout 0 until EAGAIN, then poll the fd again).
    // 0 or EINVAL (no socket was ever added, as libzmq without a thread-safe socket) or an errno.
    int fd(int& out);

private:
    struct item {
        socket_base* socket;
        std::shared_ptr<socket_mailbox> mailbox;  // to unregister even once the socket is gone
        int fd;
        void* user_data;
        short events;
    };
        std::vector<item> items_;
    std::vector<short> revents_;
    std::shared_ptr<poll_signal> signal_ = std::make_shared<poll_signal>();
    bool had_socket_ = false;
    static constexpr std::uint32_t live_tag = 0xCAFEF00D;
    std::uint32_t tag_ = live_tag;
};

}  // namespace zmx::detail
