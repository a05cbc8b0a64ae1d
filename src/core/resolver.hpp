#pragma once
// resolver — runs name lookups (blocking getaddrinfo) on a thread of its own, so that no I/O thread
// ever waits for DNS. One per context, started with the first lookup; jobs run one at a time in
// order. A job must hold what it reports to weakly (it may outlive it) and report back by posting to
// an I/O thread. stop() never waits for a lookup in progress: queued jobs are dropped and the thread
// is left to finish its current one on its own. Thread-safe.
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

namespace zmx::detail {

class resolver {
public:
    resolver() = default;
    ~resolver() { stop(); }
    resolver(const resolver&) = delete;
    resolver& operator=(const resolver&) = delete;

    void submit(std::function<void()> job);
    // Drops queued jobs and lets the thread end after the job it is running. Later submits are dropped.
    void stop();

private:
    struct state {
        std::mutex mtx;
        std::condition_variable cv;
        std::deque<std::function<void()>> jobs;
        bool stopping = false;
        bool running = false;
    };
    static void run(std::shared_ptr<state> st);
    std::shared_ptr<state> st_ = std::make_shared<state>();
};

}  // namespace zmx::detail
