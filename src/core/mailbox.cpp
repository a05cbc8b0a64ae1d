// socket_mailbox: commands from I/O threads and inproc peers to a socket.
#include "core/mailbox.hpp"

#include <linux/futex.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <ctime>

#include "io/clock.hpp"
#include "io/spin.hpp"

namespace zmx::detail {
namespace {

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t) &&
              std::atomic<std::uint32_t>::is_always_lock_free);

std::uint32_t* futex_word(std::atomic<std::uint32_t>& a) noexcept { return reinterpret_cast<std::uint32_t*>(&a); }

// Sleeps while word == seen, until a wake, a signal, or (deadline_ms >= 0) the monotonic clock
// (now_ms()'s, steady_clock's) reaching deadline_ms. May return early: the caller looks again.
void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t seen, std::int64_t deadline_ms) noexcept {
    timespec until{};
    if (deadline_ms >= 0) {
        until.tv_sec = static_cast<std::time_t>(deadline_ms / 1000);
        until.tv_nsec = static_cast<long>(deadline_ms % 1000) * 1000000L;
    }
    // FUTEX_WAIT_BITSET takes an absolute time on CLOCK_MONOTONIC.
    ::syscall(SYS_futex, futex_word(word), FUTEX_WAIT_BITSET_PRIVATE, seen, deadline_ms >= 0 ? &until : nullptr,
              nullptr, FUTEX_BITSET_MATCH_ANY);
}

void futex_wake_all(std::atomic<std::uint32_t>& word) noexcept {
    ::syscall(SYS_futex, futex_word(word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
}

}  // namespace

void socket_mailbox::post(command c) {
    std::unique_lock lock(cmd_mtx_);
    if (closed_) {
        lock.unlock();
        if (c.kind == command::attach) c.p().close();  // nobody will take this pipe
        return;
    }
    pending_.push_back(std::move(c));
    has_pending_.store(true, std::memory_order_release);
    const bool wake = waiters_ > 0;
    if (wake) wake_seq_.fetch_add(1, std::memory_order_relaxed);
    for (const auto& o : observers_) o->notify();  // leaf locks only: see mailbox_observer
    lock.unlock();
    if (wake) futex_wake_all(wake_seq_);
}

void socket_mailbox::post_attach(std::shared_ptr<pipe_link> link, int end) {
    post({command::attach, std::move(link), end});
}

bool socket_mailbox::take(std::vector<command>& out) {
    if (!has_pending_.load(std::memory_order_acquire)) return false;
    std::unique_lock lock(cmd_mtx_);
    if (pending_.empty()) return false;
    out.swap(pending_);
    has_pending_.store(false, std::memory_order_relaxed);
    // A thread blocked in wait() on this socket (a thread-safe socket used by several threads, or a
    // poller's thread processing commands) must look again at the state these commands change.
    taken_.fetch_add(1, std::memory_order_relaxed);
    const bool wake = waiters_ > 0;
    if (wake) wake_seq_.fetch_add(1, std::memory_order_relaxed);
    lock.unlock();
    if (wake) futex_wake_all(wake_seq_);
    return true;
}

void socket_mailbox::wait(std::unique_lock<std::mutex>& lock, std::int64_t deadline_ms) {
    const std::uint64_t taken = taken_.load(std::memory_order_relaxed);  // take() runs under the socket lock
    const std::int64_t started = now_ns();
    const std::int64_t budget = spin_.budget();
    lock.unlock();
    const auto moved = [this, taken] {
        return has_pending_.load(std::memory_order_acquire) || taken_.load(std::memory_order_relaxed) != taken ||
               terminated.load(std::memory_order_relaxed);
    };
    std::int64_t until = started + budget;
    if (deadline_ms >= 0) until = std::min(until, deadline_ms * 1000000);
    if (budget == 0 || !spin_policy::spin_until(until, moved)) {
        std::unique_lock cl(cmd_mtx_);
        ++waiters_;
        while (!moved() && (deadline_ms < 0 || now_ms() < deadline_ms)) {
            // Read under cmd_mtx_: whoever changes what moved() looks at bumps wake_seq_ under it after
            // this, so the futex either sees the new value and returns at once, or is woken.
            const std::uint32_t seen = wake_seq_.load(std::memory_order_relaxed);
            cl.unlock();
            futex_wait(wake_seq_, seen, deadline_ms);
            cl.lock();
        }
        --waiters_;
    }
    lock.lock();  // socket lock after the queue's: never the other way round
    spin_.record(now_ns() - started);
}

void socket_mailbox::terminate() {
    {
        std::lock_guard lock(cmd_mtx_);
        terminated = true;
        wake_seq_.fetch_add(1, std::memory_order_relaxed);
        for (const auto& o : observers_) o->notify();
    }
    futex_wake_all(wake_seq_);
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
    has_pending_.store(false, std::memory_order_relaxed);
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
