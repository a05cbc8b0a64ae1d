// wakeup: eventfd-based wake-up signal. See wakeup.hpp.
#include "io/wakeup.hpp"

#include "io/clock.hpp"

#include <cerrno>
#include <cstdint>
#include <system_error>

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace zmx::detail {

wakeup::wakeup() {
    fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd_ < 0) {
        throw std::system_error(errno, std::system_category(), "eventfd");
    }
}

wakeup::~wakeup() {
    ::close(fd_);
}

void wakeup::signal() noexcept {
    const std::uint64_t one = 1;
    // EAGAIN means the counter is at its maximum: it is readable already, which is all we need.
    while (::write(fd_, &one, sizeof one) < 0 && errno == EINTR) {
    }
}

void wakeup::drain() noexcept {
    std::uint64_t value = 0;
    // One read resets an eventfd counter to zero; EAGAIN means it was zero already.
    while (::read(fd_, &value, sizeof value) < 0 && errno == EINTR) {
    }
}

bool wakeup::wait(int timeout_ms) noexcept {
    const std::int64_t deadline = timeout_ms < 0 ? 0 : now_ms() + timeout_ms;
    int remaining = timeout_ms;
    for (;;) {
        pollfd p{};
        p.fd = fd_;
        p.events = POLLIN;
        const int rc = ::poll(&p, 1, remaining);
        if (rc > 0) {
            return true;
        }
        if (rc == 0) {
            return false;
        }
        if (errno != EINTR) {
            return false;
        }
        if (timeout_ms >= 0) {
            const std::int64_t left = deadline - now_ms();
            remaining = left > 0 ? static_cast<int>(left) : 0;
        }
    }
}

}  // namespace zmx::detail
