// reactor: the epoll event loop of one I/O thread — fd readiness (level-triggered), timers, and
// closures posted from other threads. Owned by an io_thread (or a test) whose thread calls run().
// Everything is loop-thread only except post(), stop(), in_loop_thread() and load(), which any
// thread may call.
#pragma once

#include "io/spin.hpp"
#include "io/wakeup.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

struct epoll_event;

namespace zmx::detail {

// Receives readiness callbacks for one registered fd, always on the loop thread. A handler may call
// any loop-thread reactor member from inside a callback, including remove() of itself or others.
struct io_handler {
    // Loop thread. The fd is readable, or has an error/hang-up (EPOLLERR/EPOLLHUP are reported here
    // even when pollin is not set: the handler must then read, reset its interest, or remove()).
    virtual void on_readable() = 0;
    // Loop thread. The fd is writable (only while pollout is set).
    virtual void on_writable() = 0;

protected:
    ~io_handler() = default;
};

struct poll_entry;  // defined in reactor.cpp

class reactor {
public:
    using io_handler = detail::io_handler;
    using handle = poll_entry*;  // opaque; valid from add() until remove()
    using timer_id = std::uint64_t;

    // Creates the epoll set and the wakeup fd. Throws std::system_error on failure.
    reactor();
    // Frees every entry still registered (without callbacks), pending timers and posted closures
    // (destroyed, not run). No thread may be inside run().
    ~reactor();
    reactor(const reactor&) = delete;
    reactor& operator=(const reactor&) = delete;

    // Loop thread, never blocks. Registers fd with no events of interest; h receives the callbacks.
    // The caller keeps ownership of fd and h. Throws std::system_error if epoll refuses the fd.
    handle add(int fd, io_handler* h);
    // Loop thread, never blocks. Turn interest in readability / writability on or off.
    void set_pollin(handle h);
    void reset_pollin(handle h);
    void set_pollout(handle h);
    void reset_pollout(handle h);
    // Loop thread, never blocks. Unregisters the fd (call it before closing the fd). After this the
    // handler receives no callback, even one already collected in the current epoll batch. The
    // handle is invalid afterwards; its memory is freed at the end of the loop iteration.
    void remove(handle h);

    // Loop thread, never blocks. Runs fn on the loop thread once delay_ms (>= 0) has elapsed. Timers
    // fire in deadline order (equal deadlines in creation order). Ids are never reused or 0.
    timer_id add_timer(std::int64_t delay_ms, std::function<void()> fn);
    // Loop thread, never blocks. Cancels a pending timer; a no-op if it fired or was cancelled
    // already. Safe from inside any callback, including the timer's own.
    void cancel_timer(timer_id id);

    // Any thread, never blocks (short lock). Queues fn to run on the loop thread; closures run in the
    // order they were posted. The loop is woken only when the queue goes from empty to non-empty.
    void post(std::function<void()> fn);

    // The thread that calls it runs the loop: blocks until stop(). Each iteration waits in epoll
    // (up to the next timer deadline), dispatches fd events, fires due timers, runs posted closures.
    void run();
    // Any thread, never blocks. run() returns after finishing its current iteration. A stop()
    // issued while run() is not running makes the next run() return after at most one iteration.
    void stop();
    // Any thread, never blocks. True if called from inside run() on the loop thread.
    bool in_loop_thread() const noexcept;

    // Any thread, never blocks. Number of registered handles (to pick the least loaded I/O thread).
    std::size_t load() const noexcept { return load_.load(std::memory_order_relaxed); }

private:
    void modify(poll_entry* e, std::uint32_t events);
    int next_timeout_ms() const;
    int wait_events(epoll_event* events, int max);
    void fire_timers();
    void run_posted();
    void free_retired();

    int epoll_fd_ = -1;
    wakeup wakeup_;
    std::atomic<bool> stopping_{false};
    std::atomic<std::thread::id> loop_thread_{};
    std::atomic<std::size_t> load_{0};

    // Loop-thread state.
    std::unordered_set<poll_entry*> live_;
    std::vector<poll_entry*> retired_;
    std::map<std::pair<std::int64_t, timer_id>, std::function<void()>> timers_;  // (deadline_us, id)
    std::unordered_map<timer_id, std::int64_t> timer_deadlines_;
    std::vector<timer_id> due_;
    timer_id next_timer_id_ = 1;
    bool local_posted_ = false;  // a closure was posted from the loop thread (it did not signal)
    std::vector<std::function<void()>> running_;

    // Shared with posting threads.
    std::mutex post_mutex_;
    std::vector<std::function<void()>> posted_;
    bool sleeping_ = false;                // post_mutex_: the loop is (about to be) blocked in epoll_wait
    std::atomic<bool> has_posted_{false};  // !posted_.empty(), for the loop's spin
    spin_policy spin_;                     // loop thread: how long recent idle periods were
};

}  // namespace zmx::detail
