// wakeup: an eventfd used to wake a thread sleeping in epoll/poll (the reactor, a blocked socket).
// Owned by the object whose thread sleeps on it; signal() may be called from any thread, drain() and
// wait() by the sleeping side. Not copyable or movable.
#pragma once

namespace zmx::detail {

class wakeup {
public:
    // Creates the eventfd (non-blocking, close-on-exec). Throws std::system_error on failure.
    wakeup();
    ~wakeup();
    wakeup(const wakeup&) = delete;
    wakeup& operator=(const wakeup&) = delete;

    // Any thread, never blocks: the descriptor, readable while signalled (for epoll/poll sets).
    [[nodiscard]] int fd() const noexcept { return fd_; }

    // Any thread, never blocks: makes fd() readable until the next drain().
    void signal() noexcept;

    // Sleeping side, never blocks: resets the signalled state.
    void drain() noexcept;

    // Sleeping side, blocks up to timeout_ms (-1 = forever, 0 = just test): waits until fd() is
    // readable. Returns true if signalled, false on timeout. Does not drain.
    bool wait(int timeout_ms) noexcept;

private:
    int fd_ = -1;
};

}  // namespace zmx::detail
