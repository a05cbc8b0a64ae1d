// The C++ API (include/zmx/): thin wrappers that turn errno results into exceptions.
#include <zmx/context.hpp>
#include <zmx/socket.hpp>

#include "core/context_impl.hpp"
#include "core/socket_base.hpp"

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
