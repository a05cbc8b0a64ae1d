// resolver: a job queue drained by one detached thread that shares the queue's state.
#include "core/resolver.hpp"

#include <thread>

namespace zmx::detail {

void resolver::submit(std::function<void()> job) {
    std::lock_guard lock(st_->mtx);
    if (st_->stopping) return;
    st_->jobs.push_back(std::move(job));
    if (!st_->running) {
        st_->running = true;
        std::thread(run, st_).detach();  // owns its share of the state; never joined (see stop())
    }
    st_->cv.notify_one();
}

void resolver::stop() {
    std::deque<std::function<void()>> dropped;
    {
        std::lock_guard lock(st_->mtx);
        st_->stopping = true;
        dropped.swap(st_->jobs);
    }
    st_->cv.notify_one();
}  // the dropped jobs (and what they hold) go here, outside the lock

void resolver::run(std::shared_ptr<state> st) {
    std::unique_lock lock(st->mtx);
    for (;;) {
        st->cv.wait(lock, [&] { return st->stopping || !st->jobs.empty(); });
        if (st->stopping) break;
        auto job = std::move(st->jobs.front());
        st->jobs.pop_front();
        lock.unlock();
        job();
        job = nullptr;  // drop what it captured before taking the lock again
        lock.lock();
    }
    st->running = false;
}

}  // namespace zmx::detail
