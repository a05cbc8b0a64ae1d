#pragma once
// Test helper: a monitor of a socket, read through an inproc PAIR, with waits on events by deadline.
#include <atomic>
#include <string>

#include "sockets/support.hpp"

namespace zmx::test {

class event_reader {
public:
    // Starts monitoring `target` (every event unless told otherwise) and connects a PAIR to it.
    event_reader(zmx::context& ctx, zmx::socket& target, std::uint64_t events = zmx::event::all, int version = 1)
        : version_(version), pair_(ctx, zmx::socket_type::pair) {
        static std::atomic<int> counter{0};
        endpoint_ = "inproc://monitor-" + std::to_string(counter++);
        target.monitor(endpoint_, events, version);
        pair_.set(zmx::sockopt::rcvtimeo, timeout_ms);
        pair_.set(zmx::sockopt::linger, 0);
        pair_.connect(endpoint_);
    }

    // The next event, or one with event == 0 if none came within the timeout.
    zmx::monitor_event next(int wait_ms = timeout_ms) {
        pair_.set(zmx::sockopt::rcvtimeo, wait_ms);
        auto ev = zmx::recv_monitor_event(pair_, version_);
        return ev ? *ev : zmx::monitor_event{};
    }

    // Skips events until one of type `event` arrives; returns it (event == 0 if it never did).
    zmx::monitor_event wait_for(std::uint64_t event, int wait_ms = timeout_ms) {
        const auto deadline = clock_type::now() + std::chrono::milliseconds(wait_ms);
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
            if (left.count() <= 0) return {};
            zmx::monitor_event ev = next(static_cast<int>(left.count()));
            if (ev.event == 0 || ev.event == event) return ev;
        }
    }

    const std::string& endpoint() const { return endpoint_; }
    zmx::socket& socket() { return pair_; }

private:
    int version_;
    std::string endpoint_;
    zmx::socket pair_;
};

}  // namespace zmx::test
