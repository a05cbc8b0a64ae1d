// monitor: event encoding (libzmq's v1 and v2 formats) and the internal socket's life.
#include "core/monitor.hpp"

#include <cerrno>
#include <cstring>
#include <utility>
#include <zmx/error.hpp>

#include "core/context_impl.hpp"
#include "core/endpoint.hpp"
#include "core/socket_base.hpp"

namespace zmx::detail {
namespace {
constexpr int type_pair = 0;
constexpr int type_pub = 1;
constexpr int type_push = 8;
constexpr int opt_linger = 17;
constexpr int flag_dontwait = 1;
constexpr int flag_sndmore = 2;

template <typename T>
message pod_frame(T v) {
    message m(sizeof v);
    std::memcpy(m.data(), &v, sizeof v);
    return m;
}
}  // namespace

monitor::~monitor() { stop(); }

int monitor::start(context_impl& ctx, std::string_view endpoint, std::uint64_t events, int version, int type) {
    if (ctx.terminating()) return eterm;
    if (version != 1 && version != 2) return EINVAL;
    if (version == 1 && (events >> 16) != 0) return EINVAL;
    if (!endpoint.empty()) {
        detail::endpoint ep;
        if (const int rc = parse_endpoint(endpoint, ep); rc != 0) return rc;
        if (ep.scheme != "inproc") return EPROTONOSUPPORT;
        if (type != type_pair && type != type_pub && type != type_push) return EINVAL;
    }
    stop();  // the previous monitor goes first, so its endpoint may be reused
    if (endpoint.empty()) return 0;
    // The internal socket is made and closed without mtx_ held: the context's lock comes before any
    // socket's, and sockets emit events while holding theirs.
    int err = 0;
    socket_base* s = ctx.create_socket(type, err);
    if (s == nullptr) return err;
    const int linger = 0;  // never hold up context termination with unread events
    s->setsockopt(opt_linger, &linger, sizeof linger);
    if (const int rc = s->bind(endpoint); rc != 0) {
        s->close();
        return rc;
    }
    std::unique_lock lock(mtx_);
    socket_base* old = std::exchange(sock_, s);
    version_ = version;
    mask_.store(events, std::memory_order_relaxed);
    lock.unlock();
    if (old != nullptr) old->close();  // a concurrent start() won the race before us
    return 0;
}

void monitor::stop() {
    std::unique_lock lock(mtx_);
    if (sock_ == nullptr) return;
    const std::uint64_t zero = 0;
    emit_locked(events::monitor_stopped, {&zero, 1}, {"", "", false});
    socket_base* s = std::exchange(sock_, nullptr);
    mask_.store(0, std::memory_order_relaxed);
    lock.unlock();
    s->close();
}

void monitor::event(std::uint64_t ev, std::span<const std::uint64_t> values, const event_endpoints& ep) {
    std::lock_guard lock(mtx_);
    emit_locked(ev, values, ep);
}

void monitor::emit_locked(std::uint64_t ev, std::span<const std::uint64_t> values, const event_endpoints& ep) {
    if (sock_ == nullptr || (mask_.load(std::memory_order_relaxed) & ev) == 0 || values.empty()) return;
    auto send = [this](message m, bool more) {
        return sock_->send(m, flag_dontwait | (more ? flag_sndmore : 0)) == 0;
    };
    if (version_ == 1) {
        message head(6);
        const auto e16 = static_cast<std::uint16_t>(ev);
        const auto v32 = static_cast<std::uint32_t>(values[0]);
        std::memcpy(head.data(), &e16, 2);
        std::memcpy(static_cast<std::byte*>(head.data()) + 2, &v32, 4);
        const std::string_view id = ep.bind_side ? ep.local : ep.remote;
        if (send(std::move(head), true)) send(message(id.data(), id.size()), false);
        return;
    }
    if (!send(pod_frame<std::uint64_t>(ev), true)) return;
    send(pod_frame<std::uint64_t>(values.size()), true);
    for (const std::uint64_t v : values) send(pod_frame<std::uint64_t>(v), true);
    send(message(ep.local.data(), ep.local.size()), true);
    send(message(ep.remote.data(), ep.remote.size()), false);
}

}  // namespace zmx::detail
