#pragma once
// zmx::socket — a ZeroMQ socket of any type. Thread-safe types (SERVER, CLIENT, PEER, RADIO, DISH,
// SCATTER, GATHER, CHANNEL) may be used from several threads at once; classic types from one thread
// at a time. send/recv return an empty optional on EAGAIN and throw zmx::error on any other error.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>
#include <zmx/context.hpp>
#include <zmx/error.hpp>
#include <zmx/message.hpp>
#include <zmx/monitor.hpp>
#include <zmx/options.hpp>

namespace zmx {

namespace detail {
class socket_base;
}

enum class socket_type : int {
    pair = 0, pub = 1, sub = 2, req = 3, rep = 4, dealer = 5, router = 6, pull = 7, push = 8,
    xpub = 9, xsub = 10, stream = 11, server = 12, client = 13, radio = 14, dish = 15,
    gather = 16, scatter = 17, dgram = 18, peer = 19, channel = 20,
};

enum class send_flags : int { none = 0, dontwait = 1, sndmore = 2 };
enum class recv_flags : int { none = 0, dontwait = 1 };
constexpr send_flags operator|(send_flags a, send_flags b) {
    return static_cast<send_flags>(static_cast<int>(a) | static_cast<int>(b));
}

class socket {
public:
    socket() noexcept = default;
    socket(context& ctx, socket_type type);
    socket(socket&& o) noexcept : impl_(o.impl_) { o.impl_ = nullptr; }
    socket& operator=(socket&& o) noexcept;
    socket(const socket&) = delete;
    socket& operator=(const socket&) = delete;
    ~socket() { close(); }

    void close() noexcept;  // idempotent; queued messages are sent within ZMQ_LINGER
    explicit operator bool() const noexcept { return impl_ != nullptr; }

    void bind(std::string_view endpoint);
    void unbind(std::string_view endpoint);
    void connect(std::string_view endpoint);
    void disconnect(std::string_view endpoint);
    // PEER only: connects and returns the routing id of the new peer before the link is up.
    std::uint32_t connect_peer(std::string_view endpoint);
    // SERVER and PEER: closes the connection to that peer now (a PEER's connect_peer endpoint stops
    // reconnecting). EHOSTUNREACH if there is no such peer.
    void disconnect_peer(std::uint32_t routing_id);

    // zmq_socket_monitor: sends the events in the mask (zmx::event::*) as messages on a new socket of
    // `type` (pair, pub or push) bound to `endpoint` (inproc://). Version 1 or 2
    // message formats as libzmq's. An empty endpoint stops monitoring.
    void monitor(std::string_view endpoint, std::uint64_t events = event::all, int version = 1,
                 socket_type type = socket_type::pair);
    // Where each of the socket's endpoints stands (bound and connected), with its last error.
    std::vector<endpoint_status> endpoints() const;

    // On success the message is consumed (left empty) and its size returned.
    std::optional<std::size_t> send(message& msg, send_flags flags = send_flags::none);
    std::optional<std::size_t> send(std::span<const std::byte> data, send_flags flags = send_flags::none);
    std::optional<std::size_t> send(std::string_view data, send_flags flags = send_flags::none);
    // SERVER/PEER: send one message to the peer with this routing id.
    std::optional<std::size_t> send_to(std::uint32_t routing_id, std::string_view data,
                                       send_flags flags = send_flags::none);
    std::optional<std::size_t> recv(message& msg, recv_flags flags = recv_flags::none);

    // Raw option access with zmq_setsockopt/zmq_getsockopt semantics (len in/out for get).
    void set(int option_id, const void* value, std::size_t len);
    void get(int option_id, void* value, std::size_t* len) const;

    template <int Id, typename T>
    void set(option<Id, T>, const T& value) {
        if constexpr (std::is_same_v<T, std::string>) set(Id, value.data(), value.size());
        else set(Id, &value, sizeof value);
    }
    template <int Id, typename T>
    T get(option<Id, T>) const {
        if constexpr (std::is_same_v<T, std::string>) {
            std::string buf(256, '\0');
            for (;;) {  // grow until the value fits (a too-small buffer is EINVAL, as in libzmq)
                std::size_t len = buf.size();
                try {
                    get(Id, buf.data(), &len);
                } catch (const error& e) {
                    if (e.num() != EINVAL || buf.size() >= (std::size_t{1} << 24)) throw;
                    buf.resize(buf.size() * 4);
                    continue;
                }
                if (len > 0 && buf[len - 1] == '\0' && Id == 32) --len;  // LAST_ENDPOINT is NUL-terminated
                buf.resize(len);
                return buf;
            }
        } else {
            T v{};
            std::size_t len = sizeof v;
            get(Id, &v, &len);
            return v;
        }
    }

    detail::socket_base* handle() const noexcept { return impl_; }

private:
    detail::socket_base* impl_ = nullptr;
};

// Reads one event from a socket connected to a monitor endpoint (version: the monitor's format).
// Empty on EAGAIN (a receive timeout); throws zmx::error on other errors or a malformed event.
std::optional<monitor_event> recv_monitor_event(socket& s, int version = 1, recv_flags flags = recv_flags::none);

}  // namespace zmx
