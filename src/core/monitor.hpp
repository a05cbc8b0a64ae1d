#pragma once
// monitor — zmq_socket_monitor: a socket's connection events, sent as messages on an internal socket
// (PAIR, or PUB/PUSH with the versioned API) bound to an inproc endpoint, in libzmq's formats and
// numbers. One monitor per socket, shared by the socket and every listener and session it starts, so
// events come from any thread: each is encoded and sent under the monitor's own lock with DONTWAIT (a
// reader that falls behind loses events past the internal socket's HWM; nothing ever blocks).
#include <atomic>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <zmx/monitor.hpp>

namespace zmx::detail {

class context_impl;
class socket_base;

// ZMQ_EVENT_* numbers: the public ones (zmx/monitor.hpp) and the bits only the core uses.
namespace events {
using namespace zmx::event;
inline constexpr std::uint64_t all_v1 = 0xFFFF;
inline constexpr std::uint64_t pipes_stats = 0x10000;
inline constexpr std::uint64_t all_v2 = all_v1 | pipes_stats;
}  // namespace events

// The endpoints an event is about. v1 messages carry one string: local for bind-side events (listener
// and accepted connections), remote for connect-side ones.
struct event_endpoints {
    std::string_view local;
    std::string_view remote;
    bool bind_side;
};

class monitor {
public:
    monitor() = default;
    ~monitor();
    monitor(const monitor&) = delete;
    monitor& operator=(const monitor&) = delete;

    // Starts monitoring into a new internal socket of `type` bound to `endpoint` (inproc only). An
    // empty endpoint stops monitoring. 0 or errno: EINVAL (bad event mask, version or type),
    // EPROTONOSUPPORT (not inproc), EADDRINUSE, ETERM. Never call it holding a socket's lock.
    int start(context_impl& ctx, std::string_view endpoint, std::uint64_t events, int version, int type);
    // Sends MONITOR_STOPPED (if asked for) and closes the internal socket. Idempotent. Never call it
    // holding a socket's lock.
    void stop();

    bool wants(std::uint64_t event) const noexcept { return (mask_.load(std::memory_order_relaxed) & event) != 0; }
    // Any thread. Version 1 carries only the first value (v1 has no event with more).
    void event(std::uint64_t event, std::uint64_t value, const event_endpoints& ep) {
        this->event(event, std::span<const std::uint64_t>(&value, 1), ep);
    }
    void event(std::uint64_t event, std::span<const std::uint64_t> values, const event_endpoints& ep);

private:
    void emit_locked(std::uint64_t event, std::span<const std::uint64_t> values, const event_endpoints& ep);
    std::mutex mtx_;
    socket_base* sock_ = nullptr;
    int version_ = 1;
    std::atomic<std::uint64_t> mask_{0};
};

}  // namespace zmx::detail
