// socket_base: the shell around a socket type — endpoints, pipes, mailbox, blocking, close.
#include "core/socket_base.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <zmx/error.hpp>

#include "core/context_impl.hpp"
#include "core/endpoint.hpp"
#include "core/listener.hpp"
#include "core/session.hpp"
#include "io/clock.hpp"
#include "transports/transport.hpp"

namespace zmx::detail {
namespace {
constexpr int flag_dontwait = 1;
constexpr int flag_sndmore = 2;
constexpr int peer_type = 19;

// Schemes libzmq knows; anything else is EPROTONOSUPPORT as well, but these are named for clarity.
int transport_error(std::string_view scheme, const socket_type_info& info) {
    if (scheme == "udp") {
        const bool udp_type = info.name == "RADIO" || info.name == "DISH" || info.name == "DGRAM";
        return udp_type ? EPROTONOSUPPORT : enocompatproto;
    }
    return EPROTONOSUPPORT;
}

std::int64_t deadline_for(int timeout_ms) { return timeout_ms < 0 ? -1 : now_ms() + timeout_ms; }
}  // namespace

socket_base::socket_base(context_impl& ctx, const socket_type_info& info, int ipv6)
    : ctx_(ctx), info_(info), mb_(std::make_shared<socket_mailbox>()) {
    opts_.type = info.id;
    opts_.ipv6 = ipv6;
    opts_.thread_safe = info.thread_safe ? 1 : 0;
    type_ = info.make(opts_);
}

socket_base::~socket_base() = default;

int socket_base::bind(std::string_view text) {
    lock_t lock(mb_->mtx);
    if (mb_->terminated) return eterm;
    endpoint ep;
    if (const int rc = parse_endpoint(text, ep); rc != 0) return rc;
    const transport* tr = find_transport(ep.scheme);
    if (tr == nullptr) return transport_error(ep.scheme, info_);
    io_thread* io = ctx_.choose_io_thread();
    if (io == nullptr) return emthread;
    int fd = -1;
    std::string resolved;
    if (const int rc = tr->listen(ep.address, opts_, fd, resolved); rc != 0) return rc;
    auto l = std::make_shared<listener>(session::params{ctx_, *io, mb_, *tr, info_, opts_}, fd, resolved);
    l->start();
    endpoints_.emplace(resolved, l);
    opts_.last_endpoint = resolved;
    return 0;
}

int socket_base::connect(std::string_view text) {
    lock_t lock(mb_->mtx);
    return connect_locked(text, nullptr);
}

int socket_base::connect_peer(std::string_view text, std::uint32_t& id_out) {
    lock_t lock(mb_->mtx);
    if (info_.id != peer_type) return ENOTSUP;
    if (opts_.immediate) return EFAULT;  // the pipe, and so the id, would exist only once connected
    return connect_locked(text, &id_out);
}

int socket_base::connect_locked(std::string_view text, std::uint32_t* id_out) {
    if (mb_->terminated) return eterm;
    endpoint ep;
    if (const int rc = parse_endpoint(text, ep); rc != 0) return rc;
    const transport* tr = find_transport(ep.scheme);
    if (tr == nullptr) return transport_error(ep.scheme, info_);
    if (const int rc = tr->check_connect_address(ep.address); rc != 0) return rc;
    io_thread* io = ctx_.choose_io_thread();
    if (io == nullptr) return emthread;
    std::shared_ptr<pipe_link> link;
    if (!opts_.immediate) {
        link = make_pipe(opts_.sndhwm, opts_.rcvhwm);
        attach(link, 0);
    }
    auto s = session::dial(session::params{ctx_, *io, mb_, *tr, info_, opts_}, ep.address, link);
    endpoints_.emplace(std::string(text), s);
    opts_.last_endpoint.assign(text);
    if (id_out != nullptr) *id_out = link->end(0).routing_id;
    return 0;
}

int socket_base::unbind(std::string_view text) {
    lock_t lock(mb_->mtx);
    if (mb_->terminated) return eterm;
    auto it = endpoints_.find(text);
    if (it == endpoints_.end() || dynamic_cast<listener*>(it->second.get()) == nullptr) return ENOENT;
    it->second->terminate(opts_.linger);
    endpoints_.erase(it);
    return 0;
}

int socket_base::disconnect(std::string_view text) {
    lock_t lock(mb_->mtx);
    if (mb_->terminated) return eterm;
    auto [first, last] = endpoints_.equal_range(text);
    bool found = false;
    for (auto it = first; it != last;) {
        if (dynamic_cast<session*>(it->second.get()) == nullptr) {
            ++it;
            continue;
        }
        it->second->terminate(opts_.linger);
        it = endpoints_.erase(it);
        found = true;
    }
    return found ? 0 : ENOENT;
}

void socket_base::attach(std::shared_ptr<pipe_link> link, int end) {
    pipe& p = link->end(end);
    p.set_sink(mb_);
    pipes_.emplace(&p, std::move(link));
    type_->attach(p);
    if (p.peer_closed()) closing_.push_back(&p);
}

void socket_base::detach(pipe& p) {
    auto it = pipes_.find(&p);
    if (it == pipes_.end()) return;
    type_->detach(p);
    it->second->linger.store(opts_.linger);
    p.close();
    pipes_.erase(it);
}

void socket_base::process_commands() {
    if (mb_->pending.empty()) return;
    std::vector<socket_mailbox::command> cmds;
    cmds.swap(mb_->pending);
    for (auto& c : cmds) {
        if (c.kind == socket_mailbox::command::attach) {
            attach(std::move(c.link), c.end);
            continue;
        }
        pipe* p = &c.p();
        auto it = pipes_.find(p);
        if (it == pipes_.end() || it->second != c.link) continue;  // a pipe we no longer hold
        switch (c.kind) {
        case socket_mailbox::command::readable: type_->on_readable(*p); break;
        case socket_mailbox::command::writable: type_->on_writable(*p); break;
        default:
            if (std::find(closing_.begin(), closing_.end(), p) == closing_.end()) closing_.push_back(p);
            type_->on_readable(*p);
            break;
        }
    }
    reap_closing();
}

void socket_base::reap_closing() {
    for (std::size_t i = 0; i < closing_.size();) {
        pipe* p = closing_[i];
        if (pipes_.contains(p) && p->check_read()) {
            ++i;
            continue;
        }
        closing_[i] = closing_.back();
        closing_.pop_back();
        detach(*p);
    }
}

int socket_base::wait(lock_t& lock, std::int64_t deadline_ms) {
    if (mb_->terminated) return eterm;
    if (!mb_->pending.empty()) return 0;
    ++mb_->waiters;
    if (deadline_ms < 0) {
        mb_->cv.wait(lock);
    } else {
        const auto left = deadline_ms - now_ms();
        if (left > 0) mb_->cv.wait_for(lock, std::chrono::milliseconds(left));
    }
    --mb_->waiters;
    if (mb_->terminated) return eterm;
    if (mb_->pending.empty() && deadline_ms >= 0 && now_ms() >= deadline_ms) return EAGAIN;
    return 0;
}

int socket_base::send(message& msg, int flags) {
    lock_t lock(mb_->mtx);
    if (mb_->terminated) return eterm;
    if (!info_.can_send) return ENOTSUP;
    if (info_.single_part && (flags & flag_sndmore) != 0) return EINVAL;
    msg.set_more((flags & flag_sndmore) != 0);
    const std::int64_t deadline = deadline_for((flags & flag_dontwait) != 0 ? 0 : opts_.sndtimeo);
    process_commands();
    for (;;) {
        const int rc = type_->send(msg);
        if (rc != EAGAIN || deadline == 0) return rc;
        if (deadline > 0 && now_ms() >= deadline) return EAGAIN;
        if (const int w = wait(lock, deadline); w != 0) return w;
        process_commands();
    }
}

int socket_base::recv(message& msg, int flags) {
    lock_t lock(mb_->mtx);
    if (mb_->terminated) return eterm;
    if (!info_.can_recv) return ENOTSUP;
    const std::int64_t deadline = deadline_for((flags & flag_dontwait) != 0 ? 0 : opts_.rcvtimeo);
    process_commands();
    for (;;) {
        const int rc = type_->recv(msg);
        if (rc != EAGAIN) return rc;
        reap_closing();
        if (deadline == 0 || (deadline > 0 && now_ms() >= deadline)) return EAGAIN;
        if (const int w = wait(lock, deadline); w != 0) return w;
        process_commands();
    }
}

int socket_base::setsockopt(int id, const void* value, std::size_t len) {
    lock_t lock(mb_->mtx);
    if (mb_->terminated) return eterm;
    const int rc = type_->set_option(id, value, len);
    return rc >= 0 ? rc : set_common_option(opts_, id, value, len);
}

int socket_base::getsockopt(int id, void* value, std::size_t* len) {
    lock_t lock(mb_->mtx);
    if (mb_->terminated) return eterm;
    const int rc = type_->get_option(id, value, len);
    return rc >= 0 ? rc : get_common_option(opts_, id, value, len);
}

void socket_base::context_terminated() {
    std::lock_guard lock(mb_->mtx);
    mb_->terminated = true;
    mb_->cv.notify_all();
}

void socket_base::close() {
    {
        lock_t lock(mb_->mtx);
        mb_->closed = true;
        std::vector<socket_mailbox::command> cmds;
        cmds.swap(mb_->pending);
        for (auto& c : cmds)
            if (c.kind == socket_mailbox::command::attach) c.p().close();
        while (!pipes_.empty()) detach(*pipes_.begin()->first);
        closing_.clear();
        for (auto& [name, owner] : endpoints_) owner->terminate(opts_.linger);
        endpoints_.clear();
    }
    ctx_.socket_closed(this);
    delete this;
}

}  // namespace zmx::detail
