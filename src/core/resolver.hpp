#pragma once
// resolver — runs name lookups (blocking getaddrinfo) on a thread of its own, so that no I/O thread
// ever waits for DNS. One per context, started with the first lookup; jobs run one at a time in
// order. A job reports back by posting to its session's I/O thread. Thread-safe.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace zmx::detail {

class resolver {
public:
    resolver() = default;
    ~resolver() { stop(); }
    resolver(const resolver&) = delete;
    resolver& operator=(const resolver&) = delete;

    void submit(std::function<void()> job);
    // Runs the jobs already queued, then joins the thread. Later submits run nothing.
    void stop();

private:
    void run();
    std::mutex mtx_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> jobs_;
    std::thread thread_;
    bool stopping_ = false;
};

}  // namespace zmx::detail
