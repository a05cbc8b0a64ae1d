// spin — the bounded, adaptive spin a thread does before it sleeps (socket_mailbox::wait for
// application threads, reactor::run for I/O threads). Waking a sleeping thread costs a system call
// on the waker's side and, on an idle CPU, tens of microseconds before the sleeper runs; a thread
// that expects to be fed within a few microseconds polls instead, yielding the CPU as it goes so
// that whoever would feed it can run. It only spins while its recent waits were short (an average
// below the limit), so an idle or slow peer costs no CPU. Header-only; each waiter owns one
// spin_policy and uses it from one thread at a time.
#pragma once

#include <sched.h>

#include <cstdint>
#include <cstdlib>

#include "io/clock.hpp"
#include "util/cpu_relax.hpp"

namespace zmx::detail {

class spin_policy {
public:
    // The longest spin (ns): ZMX_SPIN_US in the environment (0 turns spinning off), else 60 µs.
    static std::int64_t limit_ns() noexcept {
        static const std::int64_t limit = [] {
            const char* v = std::getenv("ZMX_SPIN_US");
            const long long us = v != nullptr ? std::atoll(v) : 60;
            return us > 0 ? us * 1000 : 0;
        }();
        return limit;
    }
    // How long to spin before sleeping now (0: sleep at once).
    std::int64_t budget() const noexcept { return recent_ns_ < limit_ns() ? limit_ns() : 0; }
    // A wait that took waited_ns ended (spun or slept).
    void record(std::int64_t waited_ns) noexcept { recent_ns_ += (waited_ns - recent_ns_) / 4; }

    // Polls done() until it is true (returns true) or until_ns passes (false), yielding now and then.
    template <typename Done>
    static bool spin_until(std::int64_t until_ns, Done done) {
        for (unsigned i = 1;; ++i) {
            if (done()) return true;
            cpu_relax();
            if (i % 32 == 0) {
                if (now_ns() >= until_ns) return false;
                sched_yield();  // a thread that would feed us may be waiting for this CPU
            }
        }
    }

private:
    std::int64_t recent_ns_ = 0;  // average of recent waits
};

}  // namespace zmx::detail
