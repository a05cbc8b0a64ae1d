// resolver: a job queue drained by one thread.
#include "core/resolver.hpp"

namespace zmx::detail {

void resolver::submit(std::function<void()> job) {
    std::lock_guard lock(mtx_);
    if (stopping_) return;
    jobs_.push_back(std::move(job));
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    cv_.notify_one();
}

void resolver::stop() {
    {
        std::lock_guard lock(mtx_);
        stopping_ = true;
        cv_.notify_one();
    }
    if (thread_.joinable()) thread_.join();
}

void resolver::run() {
    std::unique_lock lock(mtx_);
    for (;;) {
        cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        auto job = std::move(jobs_.front());
        jobs_.pop_front();
        lock.unlock();
        job();
        job = nullptr;  // drop what it captured before taking the lock again
        lock.lock();
    }
}

}  // namespace zmx::detail
