// socket_mailbox: commands from I/O threads and inproc peers to a socket.
#include "core/mailbox.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
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
    for (const auto& o : observers_) o->notify();  // leaf locks only: see mailbox_observer
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
    // A thread blocked in wait() on this socket (a thread-safe socket used by several threads, or a
    // poller's thread processing commands) must look again at the state these commands change.
    ++taken_;
    if (waiters_ > 0) cv_.notify_all();
    return true;
}

void socket_mailbox::wait(std::unique_lock<std::mutex>& lock, std::int64_t deadline_ms) {
    std::unique_lock cl(cmd_mtx_);
    const std::uint64_t taken = taken_;
    const auto ready = [this, taken] { return !pending_.empty() || taken_ != taken || terminated.load(); };
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
        for (const auto& o : observers_) o->notify();
    }
    cv_.notify_all();
}

void socket_mailbox::add_observer(std::shared_ptr<mailbox_observer> o) {
    std::lock_guard lock(cmd_mtx_);
    observers_.push_back(std::move(o));
    observed_.store(true, std::memory_order_relaxed);
}

void socket_mailbox::remove_observer(const mailbox_observer* o) {
    std::lock_guard lock(cmd_mtx_);
    const auto it = std::find_if(observers_.begin(), observers_.end(), [o](const auto& p) { return p.get() == o; });
    if (it != observers_.end()) observers_.erase(it);
    observed_.store(!observers_.empty(), std::memory_order_relaxed);
}

void socket_mailbox::notify_observers() {
    // Relaxed is enough: an observer registers (under the command lock) before it first looks at the
    // socket's state under the socket lock, which we hold. If it looked before us, our taking the lock
    // made its registration visible; if after, it sees our change.
    if (!observed_.load(std::memory_order_relaxed)) return;
    std::lock_guard lock(cmd_mtx_);
    for (const auto& o : observers_) o->notify();
}

std::vector<socket_mailbox::command> socket_mailbox::close() {
    std::lock_guard lock(cmd_mtx_);
    closed_ = true;
    std::vector<command> left;
    left.swap(pending_);
    return left;
}

// ---- mailbox_fd ----

std::shared_ptr<mailbox_fd> mailbox_fd::create(int& err) {
    const int efd = ::eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC);  // readable: the user looks once at first
    if (efd < 0) {
        err = errno;
        return nullptr;
    }
    return std::shared_ptr<mailbox_fd>(new mailbox_fd(efd));
}

mailbox_fd::~mailbox_fd() { ::close(efd_); }

void mailbox_fd::notify() noexcept {
    std::lock_guard lock(mtx_);
    if (signalled_) return;
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(efd_, &one, sizeof one);  // cannot fill: one write per drain
    signalled_ = true;
}

void mailbox_fd::drain() noexcept {
    std::lock_guard lock(mtx_);
    if (!signalled_) return;
    std::uint64_t v = 0;
    [[maybe_unused]] const ssize_t n = ::read(efd_, &v, sizeof v);
    signalled_ = false;
}

}  // namespace zmx::detail
