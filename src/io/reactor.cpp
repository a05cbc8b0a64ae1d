// reactor: level-triggered epoll loop with timers and posted closures. See reactor.hpp.
#include "io/reactor.hpp"

#include "io/clock.hpp"

#include <array>
#include <cerrno>
#include <climits>
#include <system_error>

#include <sys/epoll.h>
#include <unistd.h>

namespace zmx::detail {

// One registered fd. Allocated by add(), retired by remove(), freed at the end of the loop iteration
// so that events already collected for it in the current batch can still be recognised and skipped.
struct poll_entry {
    int fd = -1;
    io_handler* handler = nullptr;
    std::uint32_t events = 0;
    bool retired = false;
};

namespace {

[[noreturn]] void throw_errno(const char* what) {
    throw std::system_error(errno, std::system_category(), what);
}

constexpr std::size_t max_events = 256;
constexpr std::int64_t max_delay_ms = std::int64_t{1} << 40;  // ~35 years: keeps deadlines finite

}  // namespace

reactor::reactor() {
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0) {
        throw_errno("epoll_create1");
    }
    epoll_event ev{};
    // Edge-triggered: every signal() (an eventfd write) queues a fresh event even while the counter is
    // already non-zero, so the loop never has to read the counter back to zero — one system call less
    // per wake-up. The counter would saturate only after 2^64 - 2 signals.
    ev.events = EPOLLIN | EPOLLET;
    ev.data.ptr = nullptr;  // nullptr marks the wakeup fd; entries are never null
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wakeup_.fd(), &ev) < 0) {
        const int err = errno;
        ::close(epoll_fd_);
        throw std::system_error(err, std::system_category(), "epoll_ctl(wakeup)");
    }
}

reactor::~reactor() {
    for (poll_entry* e : live_) {
        delete e;
    }
    free_retired();
    ::close(epoll_fd_);
}

reactor::handle reactor::add(int fd, io_handler* h) {
    auto* e = new poll_entry;
    e->fd = fd;
    e->handler = h;
    epoll_event ev{};
    ev.events = 0;
    ev.data.ptr = e;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) < 0) {
        const int err = errno;
        delete e;
        throw std::system_error(err, std::system_category(), "epoll_ctl(add)");
    }
    live_.insert(e);
    load_.fetch_add(1, std::memory_order_relaxed);
    return e;
}

void reactor::modify(poll_entry* e, std::uint32_t events) {
    if (e == nullptr || e->retired || e->events == events) {
        return;
    }
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = e;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, e->fd, &ev) < 0) {
        throw_errno("epoll_ctl(mod)");
    }
    e->events = events;
}

void reactor::set_pollin(handle h) {
    modify(h, h->events | EPOLLIN);
}

void reactor::reset_pollin(handle h) {
    modify(h, h->events & ~std::uint32_t{EPOLLIN});
}

void reactor::set_pollout(handle h) {
    modify(h, h->events | EPOLLOUT);
}

void reactor::reset_pollout(handle h) {
    modify(h, h->events & ~std::uint32_t{EPOLLOUT});
}

void reactor::remove(handle h) {
    if (h == nullptr || h->retired) {
        return;
    }
    // Errors are ignored: the only one possible for a registered entry is an fd closed too early,
    // in which case the kernel has already dropped it from the set.
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, h->fd, nullptr);
    h->retired = true;
    h->handler = nullptr;
    live_.erase(h);
    retired_.push_back(h);
    load_.fetch_sub(1, std::memory_order_relaxed);
}

void reactor::free_retired() {
    for (poll_entry* e : retired_) {
        delete e;
    }
    retired_.clear();
}

reactor::timer_id reactor::add_timer(std::int64_t delay_ms, std::function<void()> fn) {
    if (delay_ms < 0) {
        delay_ms = 0;
    } else if (delay_ms > max_delay_ms) {
        delay_ms = max_delay_ms;
    }
    const std::int64_t deadline = now_us() + delay_ms * 1000;
    const timer_id id = next_timer_id_++;
    timers_.emplace(std::make_pair(deadline, id), std::move(fn));
    timer_deadlines_.emplace(id, deadline);
    return id;
}

void reactor::cancel_timer(timer_id id) {
    const auto d = timer_deadlines_.find(id);
    if (d == timer_deadlines_.end()) {
        return;
    }
    timers_.erase(std::make_pair(d->second, id));
    timer_deadlines_.erase(d);
}

void reactor::fire_timers() {
    if (timers_.empty()) {
        return;
    }
    // Collect what is due now first, so a callback that re-arms itself with delay 0 waits for the
    // next iteration instead of starving the loop.
    const std::int64_t now = now_us();
    due_.clear();
    for (auto it = timers_.begin(); it != timers_.end() && it->first.first <= now; ++it) {
        due_.push_back(it->first.second);
    }
    for (const timer_id id : due_) {  // callbacks cannot touch due_: only fire_timers() does
        const auto d = timer_deadlines_.find(id);
        if (d == timer_deadlines_.end()) {
            continue;  // cancelled by an earlier callback in this pass
        }
        const auto it = timers_.find(std::make_pair(d->second, id));
        std::function<void()> fn = std::move(it->second);
        timers_.erase(it);
        timer_deadlines_.erase(d);
        fn();
    }
}

int reactor::next_timeout_ms() const {
    if (local_posted_) {
        return 0;
    }
    if (timers_.empty()) {
        return -1;
    }
    const std::int64_t wait_us = timers_.begin()->first.first - now_us();
    if (wait_us <= 0) {
        return 0;
    }
    const std::int64_t wait_ms = (wait_us + 999) / 1000;  // round up: never wake before the deadline
    return wait_ms > INT_MAX ? INT_MAX : static_cast<int>(wait_ms);
}

void reactor::post(std::function<void()> fn) {
    const bool local = in_loop_thread();
    bool was_empty = false;
    {
        const std::lock_guard<std::mutex> lock(post_mutex_);
        was_empty = posted_.empty();
        posted_.push_back(std::move(fn));
        has_posted_.store(true, std::memory_order_release);
        // A loop that spins sees has_posted_ by itself; only a sleeping one needs the eventfd.
        was_empty = was_empty && std::exchange(sleeping_, false);
    }
    if (local) {
        local_posted_ = true;  // run() will not sleep before running it
    } else if (was_empty) {
        // Whoever made the queue non-empty wakes the loop; later posters ride on that wake-up
        // (the loop collects the wakeup's event before it swaps the queue out).
        wakeup_.signal();
    }
}

void reactor::run_posted() {
    local_posted_ = false;
    {
        const std::lock_guard<std::mutex> lock(post_mutex_);
        if (posted_.empty()) {
            return;
        }
        running_.swap(posted_);
        has_posted_.store(false, std::memory_order_relaxed);
    }
    struct clear_on_exit {
        std::vector<std::function<void()>>& v;
        ~clear_on_exit() { v.clear(); }
    } guard{running_};
    for (auto& fn : running_) {
        fn();
    }
}

int reactor::wait_events(epoll_event* events, int max) {
    int timeout = next_timeout_ms();
    if (timeout == 0) return ::epoll_wait(epoll_fd_, events, max, 0);
    // Idle: spin a little first if recent idle periods were short (spin.hpp), polling without sleeping.
    const std::int64_t started = now_ns();
    int n = 0;
    if (const std::int64_t budget = spin_.budget(); budget > 0) {
        std::int64_t until = started + budget;
        if (timeout > 0) until = std::min(until, started + std::int64_t{timeout} * 1000000);
        unsigned polls = 0;  // a system call: only every 8th look, the others watch the posts only
        spin_policy::spin_until(until, [&] {
            if (has_posted_.load(std::memory_order_acquire) || stopping_.load(std::memory_order_relaxed)) return true;
            if (++polls % 8 != 0) return false;
            n = ::epoll_wait(epoll_fd_, events, max, 0);
            return n != 0;
        });
    }
    if (n == 0 && !has_posted_.load(std::memory_order_acquire)) {
        {
            // Under post_mutex_: a post either comes before (we see it and do not sleep) or after
            // (it sees sleeping_ and signals the eventfd).
            const std::lock_guard<std::mutex> lock(post_mutex_);
            if (posted_.empty()) sleeping_ = true;
            else timeout = 0;
        }
        n = ::epoll_wait(epoll_fd_, events, max, timeout == 0 ? 0 : next_timeout_ms());
        const std::lock_guard<std::mutex> lock(post_mutex_);
        sleeping_ = false;
    }
    spin_.record(now_ns() - started);
    return n;
}

void reactor::run() {
    loop_thread_.store(std::this_thread::get_id(), std::memory_order_release);
    struct leave_loop {
        reactor& r;
        ~leave_loop() {
            r.free_retired();
            r.loop_thread_.store(std::thread::id{}, std::memory_order_release);
            r.stopping_.store(false, std::memory_order_release);
        }
    } guard{*this};

    std::array<epoll_event, max_events> events{};
    while (!stopping_.load(std::memory_order_acquire)) {
        const int n = wait_events(events.data(), static_cast<int>(events.size()));
        if (n < 0 && errno != EINTR) {
            throw_errno("epoll_wait");
        }
        for (std::size_t i = 0; n > 0 && i < static_cast<std::size_t>(n); ++i) {
            const std::uint32_t ev = events[i].events;
            auto* e = static_cast<poll_entry*>(events[i].data.ptr);
            if (e == nullptr) {
                // The wakeup fd (edge-triggered, never drained): the event was consumed by this
                // epoll_wait, before run_posted() swaps the queue, so no post is missed.
                continue;
            }
            if (e->retired) {
                continue;
            }
            if ((ev & (EPOLLERR | EPOLLHUP)) != 0 || ((ev & EPOLLIN) != 0 && (e->events & EPOLLIN) != 0)) {
                e->handler->on_readable();
                if (e->retired) {
                    continue;
                }
            }
            if ((ev & EPOLLOUT) != 0 && (e->events & EPOLLOUT) != 0) {
                e->handler->on_writable();
            }
        }
        free_retired();  // the batch is done: no event refers to a retired entry any more
        fire_timers();
        run_posted();
        free_retired();
    }
}

void reactor::stop() {
    stopping_.store(true, std::memory_order_release);
    wakeup_.signal();
}

bool reactor::in_loop_thread() const noexcept {
    return loop_thread_.load(std::memory_order_acquire) == std::this_thread::get_id();
}

}  // namespace zmx::detail
