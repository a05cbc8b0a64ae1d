// socket_mailbox: commands from I/O threads and inproc peers to a socket.
#include "core/mailbox.hpp"

#include <chrono>

#include "io/clock.hpp"

namespace zmx::detail {

void socket_mailbox::post(command c) {
    std::unique_lock lock(cmd_mtx_);
    if (closed_) {
        lock.unlock();
        if (c.kind == command::attach) c.p().close();  // nobody will take this pipe
        return;
    }
    pending_.push_back(std::move(c));
    const bool wake = waiters_ > 0;
    lock.unlock();
    if (wake) cv_.notify_all();
}

void socket_mailbox::post_attach(std::shared_ptr<pipe_link> link, int end) {
    post({command::attach, std::move(link), end});
}

bool socket_mailbox::take(std::vector<command>& out) {
    std::lock_guard lock(cmd_mtx_);
    if (pending_.empty()) return false;
    out.swap(pending_);
    return true;
}

void socket_mailbox::wait(std::unique_lock<std::mutex>& lock, std::int64_t deadline_ms) {
    std::unique_lock cl(cmd_mtx_);
    const auto ready = [this] { return !pending_.empty() || terminated.load(); };
    if (ready()) return;
    ++waiters_;
    lock.unlock();
    if (deadline_ms < 0) {
        cv_.wait(cl, ready);
    } else {
        const auto left = deadline_ms - now_ms();
        if (left > 0) cv_.wait_for(cl, std::chrono::milliseconds(left), ready);
    }
    --waiters_;
    cl.unlock();
    lock.lock();  // socket lock after the queue's: never the other way round
}

void socket_mailbox::terminate() {
    {
        std::lock_guard lock(cmd_mtx_);
        terminated = true;
    }
    cv_.notify_all();
}

std::vector<socket_mailbox::command> socket_mailbox::close() {
    std::lock_guard lock(cmd_mtx_);
    closed_ = true;
    std::vector<command> left;
    left.swap(pending_);
    return left;
}

}  // namespace zmx::detail
