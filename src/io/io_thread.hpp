// io_thread: one background thread running a reactor (named "zmx/io"). Owned by the context; the
// engines, listeners and dialers pinned to it are touched only on its thread. post(), loop().load()
// and stop_and_join() may be called from any other thread.
#pragma once

#include "io/reactor.hpp"

#include <functional>
#include <mutex>
#include <thread>

namespace zmx::detail {

class io_thread {
public:
    // Any thread. Creates the reactor and starts the thread running it. Throws std::system_error if
    // the reactor or the thread cannot be created.
    io_thread();
    // Calls stop_and_join().
    ~io_thread();
    io_thread(const io_thread&) = delete;
    io_thread& operator=(const io_thread&) = delete;

    // Any thread, never blocks. The reactor; its loop-thread-only members must be called from
    // closures posted to it (or from its callbacks).
    reactor& loop() noexcept { return loop_; }

    // Any thread, never blocks. Runs fn on this I/O thread (see reactor::post).
    void post(std::function<void()> fn) { loop_.post(std::move(fn)); }

    // Any thread except this I/O thread; blocks until the thread has exited. Stops the loop after
    // its current iteration; closures still queued are not run. Idempotent.
    void stop_and_join();

private:
    reactor loop_;
    std::mutex join_mutex_;
    std::thread thread_;
};

}  // namespace zmx::detail
