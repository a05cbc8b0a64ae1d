// The C++ API (include/zmx/): thin wrappers that turn errno results into exceptions.
#include <zmx/context.hpp>
#include <zmx/socket.hpp>

#include "core/context_impl.hpp"
#include "core/socket_base.hpp"

#include <cstring>
#include <memory>

namespace zmx {
namespace {
void check(int rc) {
    if (rc != 0) throw error(rc);
}
detail::socket_base& live(detail::socket_base* s) {
    if (s == nullptr) throw error(ENOTSOCK);  // default-constructed, moved-from or closed
    return *s;
}
std::optional<std::size_t> result(int rc, std::size_t size) {
    if (rc == EAGAIN) return std::nullopt;
    check(rc);
    return size;
}
}  // namespace

context::context() : impl_(new detail::context_impl) {}

context::context(int io_threads) {
    auto impl = std::make_unique<detail::context_impl>();
    check(impl->set(1, io_threads));
    impl_ = impl.release();
}

context& context::operator=(context&& o) noexcept {
    if (this != &o) {
        close();
        impl_ = o.impl_;
        o.impl_ = nullptr;
    }
    return *this;
}

context::~context() { close(); }

void context::shutdown() {
    if (impl_ != nullptr) impl_->shutdown();
}

void context::close() {
    delete impl_;  // terminates
    impl_ = nullptr;
}

void context::set(int option_id, int value) { check(impl_ == nullptr ? eterm : impl_->set(option_id, value)); }

int context::get(int option_id) const {
    int v = 0;
    check(impl_ == nullptr ? eterm : impl_->get(option_id, v));
    return v;
}

socket::socket(context& ctx, socket_type type) {
    if (ctx.handle() == nullptr) throw error(eterm);
    int err = 0;
    impl_ = ctx.handle()->create_socket(static_cast<int>(type), err);
    if (impl_ == nullptr) throw error(err);
}

socket& socket::operator=(socket&& o) noexcept {
    if (this != &o) {
        close();
        impl_ = o.impl_;
        o.impl_ = nullptr;
    }
    return *this;
}

void socket::close() noexcept {
    if (impl_ != nullptr) impl_->close();
    impl_ = nullptr;
}

void socket::bind(std::string_view endpoint) { check(live(impl_).bind(endpoint)); }
void socket::unbind(std::string_view endpoint) { check(live(impl_).unbind(endpoint)); }
void socket::connect(std::string_view endpoint) { check(live(impl_).connect(endpoint)); }
void socket::disconnect(std::string_view endpoint) { check(live(impl_).disconnect(endpoint)); }

std::uint32_t socket::connect_peer(std::string_view endpoint) {
    std::uint32_t id = 0;
    check(live(impl_).connect_peer(endpoint, id));
    return id;
}

void socket::disconnect_peer(std::uint32_t routing_id) { check(live(impl_).disconnect_peer(routing_id)); }

void socket::monitor(std::string_view endpoint, std::uint64_t events, int version, socket_type type) {
    check(live(impl_).monitor(endpoint, events, version, static_cast<int>(type)));
}

std::vector<endpoint_status> socket::endpoints() const {
    std::vector<endpoint_status> out;
    check(live(impl_).endpoints(out));
    return out;
}

std::optional<monitor_event> recv_monitor_event(socket& s, int version, recv_flags flags) {
    std::vector<message> frames;
    for (;;) {
        message m;
        if (!s.recv(m, frames.empty() ? flags : recv_flags::none)) {
            if (frames.empty()) return std::nullopt;
            throw error(EPROTO);  // the rest of an event is always there at once
        }
        const bool more = m.more();
        frames.push_back(std::move(m));
        if (!more) break;
    }
    auto u64 = [](const message& m) {
        std::uint64_t v = 0;
        if (m.size() != sizeof v) throw error(EPROTO);
        std::memcpy(&v, m.data(), sizeof v);
        return v;
    };
    monitor_event ev;
    if (version == 1) {
        if (frames.size() != 2 || frames[0].size() != 6) throw error(EPROTO);
        std::uint16_t e16 = 0;
        std::uint32_t v32 = 0;
        std::memcpy(&e16, frames[0].data(), 2);
        std::memcpy(&v32, static_cast<const std::byte*>(frames[0].data()) + 2, 4);
        ev.event = e16;
        ev.value = v32;
        ev.endpoint = frames[1].str();
        return ev;
    }
    if (frames.size() < 4) throw error(EPROTO);
    ev.event = u64(frames[0]);
    const std::uint64_t n = u64(frames[1]);
    if (frames.size() != n + 4) throw error(EPROTO);
    if (n > 0) ev.value = u64(frames[2]);
    ev.local = frames[frames.size() - 2].str();
    ev.remote = frames.back().str();
    ev.endpoint = ev.remote.empty() ? ev.local : ev.remote;
    return ev;
}

const char* to_string(endpoint_state s) noexcept {
    switch (s) {
    case endpoint_state::listening: return "listening";
    case endpoint_state::resolving: return "resolving";
    case endpoint_state::connecting: return "connecting";
    case endpoint_state::handshaking: return "handshaking";
    case endpoint_state::connected: return "connected";
    case endpoint_state::waiting: return "waiting";
    case endpoint_state::stopped: return "stopped";
    }
    return "unknown";
}

std::optional<std::size_t> socket::send(message& msg, send_flags flags) {
    const std::size_t size = msg.size();
    return result(live(impl_).send(msg, static_cast<int>(flags)), size);
}

std::optional<std::size_t> socket::send(std::span<const std::byte> data, send_flags flags) {
    message msg(data.data(), data.size());
    return send(msg, flags);
}

std::optional<std::size_t> socket::send(std::string_view data, send_flags flags) {
    message msg(data.data(), data.size());
    return send(msg, flags);
}

std::optional<std::size_t> socket::send_to(std::uint32_t routing_id, std::string_view data, send_flags flags) {
    message msg(data.data(), data.size());
    msg.set_routing_id(routing_id);
    return send(msg, flags);
}

std::optional<std::size_t> socket::recv(message& msg, recv_flags flags) {
    const int rc = live(impl_).recv(msg, static_cast<int>(flags));
    return result(rc, rc == 0 ? msg.size() : 0);
}

void socket::set(int option_id, const void* value, std::size_t len) { check(live(impl_).setsockopt(option_id, value, len)); }

void socket::get(int option_id, void* value, std::size_t* len) const {
    check(live(impl_).getsockopt(option_id, value, len));
}

}  // namespace zmx
