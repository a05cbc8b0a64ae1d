// poller: sockets and native fds waited on together (zmq_poller_*, zmq_poll).
#include "core/poller.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <thread>

#include "core/socket_base.hpp"
#include "io/clock.hpp"

namespace zmx::detail {
namespace {
// ZMQ_POLLIN / ZMQ_POLLOUT / ZMQ_POLLERR / ZMQ_POLLPRI.
constexpr short zmq_pollin = 1;
constexpr short zmq_pollout = 2;
constexpr short zmq_pollerr = 4;
constexpr short zmq_pollpri = 8;

short to_poll_events(short zmq_events) {
    short e = 0;
    if ((zmq_events & zmq_pollin) != 0) e |= POLLIN;
    if ((zmq_events & zmq_pollout) != 0) e |= POLLOUT;
    if ((zmq_events & zmq_pollpri) != 0) e |= POLLPRI;
    return e;
}

// As libzmq: anything beyond IN/OUT/PRI (POLLERR, POLLHUP, POLLNVAL) is ZMQ_POLLERR.
short from_poll_revents(short revents) {
    short e = 0;
    if ((revents & POLLIN) != 0) e |= zmq_pollin;
    if ((revents & POLLOUT) != 0) e |= zmq_pollout;
    if ((revents & POLLPRI) != 0) e |= zmq_pollpri;
    if ((revents & ~(POLLIN | POLLOUT | POLLPRI)) != 0) e |= zmq_pollerr;
    return e;
}
}  // namespace

// ---- poll_signal ----

poll_signal::~poll_signal() {
    if (efd_ >= 0) ::close(efd_);
}

void poll_signal::notify() noexcept {
    int fd = -1;
    bool wake = false;
    {
        std::lock_guard lock(mtx_);
        ++count_;
        wake = waiters_ > 0;
        fd = efd_;
    }
    if (wake) cv_.notify_all();
    if (fd >= 0) {
        const std::uint64_t one = 1;
        [[maybe_unused]] const ssize_t n = ::write(fd, &one, sizeof one);  // EAGAIN only if saturated
    }
}

std::uint64_t poll_signal::count() {
    std::lock_guard lock(mtx_);
    return count_;
}

void poll_signal::wait(std::uint64_t seen, std::int64_t deadline_ms) {
    std::unique_lock lock(mtx_);
    const auto moved = [this, seen] { return count_ != seen; };
    if (moved()) return;
    ++waiters_;
    if (deadline_ms < 0) {
        cv_.wait(lock, moved);
    } else {
        const auto left = deadline_ms - now_ms();
        if (left > 0) cv_.wait_for(lock, std::chrono::milliseconds(left), moved);
    }
    --waiters_;
}

int poll_signal::fd() {
    std::lock_guard lock(mtx_);
    if (efd_ < 0) efd_ = ::eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC);  // readable once: look at first
    return efd_;
}

void poll_signal::drain() {
    int fd = -1;
    {
        std::lock_guard lock(mtx_);
        fd = efd_;
    }
    if (fd < 0) return;
    std::uint64_t v = 0;
    [[maybe_unused]] const ssize_t n = ::read(fd, &v, sizeof v);  // EAGAIN when already empty
}

// ---- poller ----

poller::poller() = default;

poller::~poller() {
    tag_ = 0;
    for (auto& it : items_)
        if (it.mailbox) it.mailbox->remove_observer(signal_.get());
}

int poller::add(socket_base* s, void* user_data, short events, bool allow_duplicates) {
    if (!allow_duplicates && std::any_of(items_.begin(), items_.end(), [s](const item& i) { return i.socket == s; }))
        return EINVAL;
    items_.push_back({s, s->mailbox(), -1, user_data, events});
    items_.back().mailbox->add_observer(signal_);
    had_socket_ = true;
    return 0;
}

int poller::modify(const socket_base* s, short events) {
    auto it = std::find_if(items_.begin(), items_.end(), [s](const item& i) { return i.socket == s; });
    if (it == items_.end()) return EINVAL;
    it->events = events;
    return 0;
}

int poller::remove(const socket_base* s) {
    auto it = std::find_if(items_.begin(), items_.end(), [s](const item& i) { return i.socket == s; });
    if (it == items_.end()) return EINVAL;
    it->mailbox->remove_observer(signal_.get());
    items_.erase(it);
    return 0;
}

int poller::add_fd(int fd, void* user_data, short events, bool allow_duplicates) {
    if (!allow_duplicates &&
        std::any_of(items_.begin(), items_.end(), [fd](const item& i) { return i.socket == nullptr && i.fd == fd; }))
        return EINVAL;
    items_.push_back({nullptr, nullptr, fd, user_data, events});
    return 0;
}

int poller::modify_fd(int fd, short events) {
    auto it = std::find_if(items_.begin(), items_.end(),
                           [fd](const item& i) { return i.socket == nullptr && i.fd == fd; });
    if (it == items_.end()) return EINVAL;
    it->events = events;
    return 0;
}

int poller::remove_fd(int fd) {
    auto it = std::find_if(items_.begin(), items_.end(),
                           [fd](const item& i) { return i.socket == nullptr && i.fd == fd; });
    if (it == items_.end()) return EINVAL;
    items_.erase(it);
    return 0;
}

int poller::poll(long timeout_ms) {
    revents_.assign(items_.size(), 0);
    if (items_.empty()) {  // as libzmq: nothing could ever wake a wait forever
        if (timeout_ms < 0) return EFAULT;
        if (timeout_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(timeout_ms));
        return EAGAIN;
    }
    const std::int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;

    // Native fds with events to wait for go to poll(2), behind the signal's eventfd when there are
    // sockets too. index[i]: item i's pollfd, or -1.
    bool has_socket = false;
    bool has_fd = false;
    for (const auto& it : items_) {
        if (it.socket != nullptr) has_socket = true;
        else if (it.events != 0) has_fd = true;
    }
    std::vector<pollfd> pfds;
    std::vector<int> index(items_.size(), -1);
    if (has_fd) {
        if (has_socket) {
            const int efd = signal_->fd();
            if (efd < 0) return errno;
            pfds.push_back({efd, POLLIN, 0});
        }
        for (std::size_t i = 0; i < items_.size(); ++i) {
            const item& it = items_[i];
            if (it.socket != nullptr || it.events == 0) continue;
            index[i] = static_cast<int>(pfds.size());
            pfds.push_back({it.fd, to_poll_events(it.events), 0});
        }
    }

    for (;;) {
        // Note the signal before looking: a change after the look moves it (or the eventfd).
        const std::uint64_t seen = signal_->count();
        signal_->drain();  // the eventfd, if any (ours in poll(2), or zmq_poller_fd's)
        if (has_fd) {
            if (::poll(pfds.data(), pfds.size(), 0) < 0) return errno;
        }
        bool ready = false;
        for (std::size_t i = 0; i < items_.size(); ++i) {
            const item& it = items_[i];
            short ev = 0;
            if (it.socket != nullptr) {
                if (const int rc = it.socket->events(ev); rc != 0) return rc;
                ev &= it.events;
            } else if (index[i] >= 0) {
                ev = from_poll_revents(pfds[static_cast<std::size_t>(index[i])].revents);
            }
            revents_[i] = ev;
            ready = ready || ev != 0;
        }
        if (ready) return 0;
        if (timeout_ms == 0) return EAGAIN;
        const std::int64_t now = now_ms();
        if (deadline >= 0 && now >= deadline) return EAGAIN;
        if (has_fd) {
            const int t = deadline < 0 ? -1 : static_cast<int>(std::min<std::int64_t>(deadline - now, INT_MAX));
            if (::poll(pfds.data(), pfds.size(), t) < 0) return errno;  // EINTR returned, as libzmq
        } else {
            signal_->wait(seen, deadline);
        }
    }
}

int poller::wait(event* out, int n, long timeout_ms) {
    int found = 0;
    const int rc = poll(timeout_ms);
    if (rc == 0) {
        for (std::size_t i = 0; i < items_.size() && found < n; ++i) {
            if (revents_[i] == 0) continue;
            out[found++] = {items_[i].socket, items_[i].fd, items_[i].user_data, revents_[i]};
        }
    }
    for (int i = found; i < n; ++i) out[i] = {nullptr, -1, nullptr, 0};  // as libzmq: the rest zeroed
    return rc == 0 ? found : -rc;
}

int poller::fd(int& out) {
    if (!had_socket_) return EINVAL;
    const int f = signal_->fd();
    if (f < 0) return errno;
    out = f;
    return 0;
}

}  // namespace zmx::detail
