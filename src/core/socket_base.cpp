// socket_base: the shell around a socket type — endpoints, pipes, mailbox, blocking, close.
#include "core/socket_base.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <zmx/error.hpp>

#include "core/context_impl.hpp"
#include "core/endpoint.hpp"
#include "core/inproc.hpp"
#include "core/listener.hpp"
#include "core/monitor.hpp"
#include "core/session.hpp"
#include "io/clock.hpp"
#include "io/spin.hpp"
#include "transports/transport.hpp"

namespace zmx::detail {
namespace {
constexpr int flag_dontwait = 1;
constexpr int flag_sndmore = 2;
constexpr int peer_type = 19;
constexpr int zmq_events_option = 15;  // ZMQ_EVENTS
constexpr int zmq_rcvmore_option = 13;  // ZMQ_RCVMORE
constexpr int zmq_fd_option = 14;       // ZMQ_FD

// Schemes libzmq knows; anything else is EPROTONOSUPPORT as well, but these are named for clarity.
int transport_error(std::string_view scheme, const socket_type_info& info) {
    if (scheme == "udp") {
        const bool udp_type = info.name == "RADIO" || info.name == "DISH" || info.name == "DGRAM";
        return udp_type ? EPROTONOSUPPORT : enocompatproto;
    }
    return EPROTONOSUPPORT;
}

// -1: no deadline; 0: do not wait (no clock read: DONTWAIT is the proxy's and pollers' hot path).
std::int64_t deadline_for(int timeout_ms) {
    if (timeout_ms == 0) return 0;
    return timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
}
}  // namespace

socket_base::socket_base(context_impl& ctx, const socket_type_info& info, int ipv6)
    : ctx_(ctx), info_(info), mb_(std::make_shared<socket_mailbox>()), monitor_(std::make_shared<class monitor>()) {
    opts_.type = info.id;
    opts_.ipv6 = ipv6;
    opts_.thread_safe = info.thread_safe ? 1 : 0;
    if ((info.features & subscriber) != 0) opts_.linger = 0;  // as libzmq: (X)SUB linger 0 by default
    type_ = info.make(opts_);
}

socket_base::~socket_base() { tag_ = 0; }

int socket_base::bind(std::string_view text) {
    lock_t lock(mb_->mtx);
    if (mb_->terminated) return eterm;
    endpoint ep;
    if (const int rc = parse_endpoint(text, ep); rc != 0) return rc;
    if (ep.scheme == "inproc") return bind_inproc(text, ep.address);
    const transport* tr = find_transport(ep.scheme);
    if (tr == nullptr) return transport_error(ep.scheme, info_);
    io_thread* io = ctx_.choose_io_thread();
    if (io == nullptr) return emthread;
    int fd = -1;
    std::string resolved;
    if (const int rc = tr->listen(ep.address, opts_, fd, resolved); rc != 0) {
        if (monitor_->wants(events::bind_failed))
            monitor_->event(events::bind_failed, static_cast<std::uint64_t>(rc), {text, "", true});
        return rc;
    }
    if (monitor_->wants(events::listening))
        monitor_->event(events::listening, static_cast<std::uint64_t>(fd), {resolved, "", true});
    auto l = std::make_shared<listener>(session::params{ctx_, *io, mb_, *tr, info_, opts_, monitor_}, fd, resolved);
    l->start();
    endpoints_.emplace(resolved, l);
    opts_.last_endpoint = resolved;
    return 0;
}

// What this socket brings to an inproc connection.
inproc_side socket_base::own_side() const {
    inproc_side me;
    me.sndhwm = opts_.sndhwm;
    me.rcvhwm = opts_.rcvhwm;
    if ((info_.features & notify_hello) != 0) me.hello = opts_.hello_msg;
    me.sends_routing_id = (info_.features & sends_routing_id) != 0;
    me.routing_id = opts_.routing_id;
    return me;
}

int socket_base::bind_inproc(std::string_view text, const std::string& name) {
    const inproc_side me = own_side();
    std::vector<inproc_pending> waiting;
    if (const int rc = ctx_.inproc().bind(name, {mb_, me}, waiting); rc != 0) return rc;
    for (auto& w : waiting) {  // connects that came first: their pipes are ours now
        inproc_join(*w.link, w.connector, me);
        *w.joined = true;
        attach(std::move(w.link), 1);
    }
    endpoints_.emplace(std::string(text), std::make_shared<inproc_bound>(ctx_.inproc(), name, mb_.get()));
    opts_.last_endpoint.assign(text);
    return 0;
}

int socket_base::connect_inproc(std::string_view text, const std::string& name, std::uint32_t* id_out) {
    auto link = make_socket_pipe(opts_, info_);
    const inproc_side me = own_side();
    inproc_greet(link->end(0), me);
    link->end(0).locally_initiated = true;
    link->end(0).set_endpoints("", std::string(text));  // as libzmq: a connect's pair, then a bind's
    link->end(1).set_endpoints(std::string(text), "");
    auto joined = std::make_shared<std::atomic<bool>>(false);
    inproc_registry::binding binder;
    const bool bound = ctx_.inproc().connect(name, {link, me, joined}, binder);
    if (bound) {
        inproc_join(*link, me, binder.side);
        *joined = true;
    }
    endpoints_.emplace(std::string(text), std::make_shared<inproc_connection>(link, joined));
    opts_.last_endpoint.assign(text);
    attach(link, 0);
    if (id_out != nullptr) *id_out = link->end(0).routing_id;
    if (!bound) return 0;  // the binder takes end 1 when it binds
    if (binder.mailbox == mb_) attach(link, 1);  // connected to ourselves: our lock is held already
    else binder.mailbox->post_attach(link, 1);   // (a closed binder closes the pipe)
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
    if (ep.scheme == "inproc") return connect_inproc(text, ep.address, id_out);
    const transport* tr = find_transport(ep.scheme);
    if (tr == nullptr) return transport_error(ep.scheme, info_);
    if (const int rc = tr->check_connect_address(ep.address); rc != 0) return rc;
    io_thread* io = ctx_.choose_io_thread();
    if (io == nullptr) return emthread;
    std::shared_ptr<pipe_link> link;
    if (!opts_.immediate) {
        link = make_socket_pipe(opts_, info_);
        link->end(0).locally_initiated = true;
        attach(link, 0);
    }
    auto s = session::dial(session::params{ctx_, *io, mb_, *tr, info_, opts_, monitor_}, std::string(text),
                           ep.address, link);
    endpoints_.emplace(std::string(text), s);
    opts_.last_endpoint.assign(text);
    if (id_out != nullptr) *id_out = link->end(0).routing_id;
    return 0;
}

int socket_base::disconnect_peer(std::uint32_t routing_id) {
    lock_t lock(mb_->mtx);
    if (mb_->terminated) return eterm;
    if (info_.name != "SERVER" && info_.name != "PEER") return ENOTSUP;
    process_commands();
    pipe* p = type_->find_peer(routing_id);
    if (p == nullptr || !pipes_.contains(p)) return EHOSTUNREACH;
    detach(*p, 0);  // as libzmq: the connection ends now, unsent messages to it are dropped
    return 0;
}

int socket_base::monitor(std::string_view endpoint, std::uint64_t events, int version, int type) {
    {
        lock_t lock(mb_->mtx);
        if (mb_->terminated) return eterm;
    }
    return monitor_->start(ctx_, endpoint, events, version, type);  // without our lock: see monitor.hpp
}

int socket_base::pipes_stats() {
    lock_t lock(mb_->mtx);
    if (mb_->terminated) return eterm;
    if (!monitor_->wants(events::pipes_stats)) return EINVAL;
    process_commands();
    if (pipes_.empty()) return EAGAIN;
    for (const auto& [p, link] : pipes_) {
        const std::uint64_t queued[2] = {p->outbound_queued(), p->inbound_queued()};
        const auto [local, remote] = p->endpoints();
        monitor_->event(events::pipes_stats, queued, {local, remote, false});
    }
    return 0;
}

int socket_base::peer_state(std::string_view routing_id, int& state) {
    lock_t lock(mb_->mtx);
    if (mb_->terminated) return eterm;
    process_commands();
    return type_->peer_state(routing_id, state);
}

int socket_base::endpoints(std::vector<endpoint_status>& out) {
    lock_t lock(mb_->mtx);
    if (mb_->terminated) return eterm;
    out.clear();
    out.reserve(endpoints_.size());
    for (const auto& [name, owner] : endpoints_) {
        endpoint_status st = owner->status();
        st.endpoint = name;
        st.bound = owner->is_bind();
        out.push_back(std::move(st));
    }
    return 0;
}

int socket_base::unbind(std::string_view text) {
    lock_t lock(mb_->mtx);
    if (mb_->terminated) return eterm;
    auto it = endpoints_.find(text);
    if (it == endpoints_.end() || !it->second->is_bind()) return ENOENT;
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
        if (it->second->is_bind()) {
            ++it;
            continue;
        }
        if (auto* c = dynamic_cast<inproc_connection*>(it->second.get()))
            if (auto link = c->link(); link && pipes_.contains(&link->end(0))) detach(link->end(0), opts_.linger);
        it->second->terminate(opts_.linger);
        it = endpoints_.erase(it);
        found = true;
    }
    return found ? 0 : ENOENT;
}

void socket_base::attach(std::shared_ptr<pipe_link> link, int end, bool notify) {
    pipe& p = link->end(end);
    p.set_sink(mb_);
    // Two looks a microsecond or so apart (with spinning on): a writer mid-stream publishes its next
    // messages sooner than it could wake us, so looking again saves it the readable command.
    p.read_patience = spin_policy::limit_ns() > 0 ? 2 : 0;
    if (!type_->attach(p)) {  // refused (a PAIR has its peer already)
        link->linger.store(0);
        p.close();
        return;
    }
    pipes_.emplace(&p, std::move(link));
    if (p.peer_closed()) closing_.push_back(&p);
    if (notify) mb_->notify_observers();  // a new pipe may make us writable (connect/bind attach directly)
}

void socket_base::detach(pipe& p, int linger_ms) {
    auto it = pipes_.find(&p);
    if (it == pipes_.end()) return;
    type_->detach(p);
    std::erase(closing_, &p);
    it->second->linger.store(linger_ms);
    p.close();
    pipes_.erase(it);
}

void socket_base::process_posted() {
    if (fd_) fd_->drain();  // first: whatever is posted from now on makes ZMQ_FD readable again
    std::vector<socket_mailbox::command> cmds;
    if (!mb_->take(cmds)) return;
    for (auto& c : cmds) {
        if (c.kind == socket_mailbox::command::attach) {
            attach(std::move(c.link), c.end, false);
            continue;
        }
        pipe* p = &c.p();
        auto it = pipes_.find(p);
        if (it == pipes_.end() || it->second != c.link) continue;  // a pipe we no longer hold
        switch (c.kind) {
        case socket_mailbox::command::readable: type_->on_readable(*p); break;
        case socket_mailbox::command::writable: type_->on_writable(*p); break;
        case socket_mailbox::command::hiccup: type_->on_hiccup(*p); break;
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
        detach(*p, opts_.linger);
    }
}

int socket_base::wait(lock_t& lock, std::int64_t deadline_ms) {
    if (mb_->terminated) return eterm;
    mb_->wait(lock, deadline_ms);
    return mb_->terminated ? eterm : 0;  // the caller tries again, then looks at the deadline
}

int socket_base::send(message& msg, int flags) {
    lock_t lock(mb_->mtx);
    if (mb_->terminated) return eterm;
    if (!info_.can_send) return ENOTSUP;
    if (info_.single_part && (flags & flag_sndmore) != 0) return EINVAL;
    const bool had_more = msg.more();
    msg.set_more((flags & flag_sndmore) != 0);
    const int rc = send_locked(lock, msg, flags);
    if (rc != 0) msg.set_more(had_more);  // a failed send leaves the message as it was
    return rc;
}

int socket_base::send_locked(lock_t& lock, message& msg, int flags) {
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
        if (rc == 0) rcvmore_ = msg.more();
        if (rc != EAGAIN) return rc;
        reap_closing();
        if (deadline == 0 || (deadline > 0 && now_ms() >= deadline)) return EAGAIN;
        if (const int w = wait(lock, deadline); w != 0) return w;
        process_commands();
    }
}

int socket_base::events(short& out) {
    lock_t lock(mb_->mtx);
    if (mb_->terminated) return eterm;
    process_commands();
    out = 0;
    if (info_.can_recv && type_->has_in()) out |= poll_in;
    if (info_.can_send && type_->has_out()) out |= poll_out;
    return 0;
}

int socket_base::setsockopt(int id, const void* value, std::size_t len) {
    lock_t lock(mb_->mtx);
    if (mb_->terminated) return eterm;
    // Notification messages only on the types that have them (libzmq ignores them elsewhere).
    const unsigned needs = id == option_ids::hello_msg        ? notify_hello
                           : id == option_ids::disconnect_msg ? notify_disconnect
                           : id == option_ids::hiccup_msg     ? notify_hiccup
                                                              : 0;
    if (needs != 0 && (info_.features & needs) == 0) return EINVAL;
    const int rc = type_->set_option(id, value, len);
    return rc >= 0 ? rc : set_common_option(opts_, id, value, len);
}

int socket_base::getsockopt(int id, void* value, std::size_t* len) {
    if (id == zmq_events_option) {  // ZMQ_EVENTS: an int of ZMQ_POLLIN/ZMQ_POLLOUT bits
        if (len == nullptr || *len < sizeof(int) || value == nullptr) return EINVAL;
        short ev = 0;
        if (const int rc = events(ev); rc != 0) return rc;
        const int v = ev;
        std::memcpy(value, &v, sizeof v);
        *len = sizeof v;
        return 0;
    }
    lock_t lock(mb_->mtx);
    if (mb_->terminated) return eterm;
    if (id == zmq_rcvmore_option) {  // ZMQ_RCVMORE: whether the last frame received had more after it
        if (len == nullptr || *len < sizeof(int) || value == nullptr) return EINVAL;
        const int v = rcvmore_ ? 1 : 0;
        std::memcpy(value, &v, sizeof v);
        *len = sizeof v;
        return 0;
    }
    if (id == zmq_fd_option) return get_fd(value, len);
    const int rc = type_->get_option(id, value, len);
    return rc >= 0 ? rc : get_common_option(opts_, id, value, len);
}

int socket_base::get_fd(void* value, std::size_t* len) {
    if (info_.thread_safe) return EINVAL;  // as libzmq: poll those with zmq_poller
    if (len == nullptr || *len < sizeof(int) || value == nullptr) return EINVAL;
    if (!fd_) {
        int err = 0;
        fd_ = mailbox_fd::create(err);
        if (!fd_) return err;
        mb_->add_observer(fd_);
    }
    const int v = fd_->fd();
    std::memcpy(value, &v, sizeof v);
    *len = sizeof v;
    return 0;
}

void socket_base::context_terminated() { mb_->terminate(); }

void socket_base::close() {
    {
        lock_t lock(mb_->mtx);
        for (auto& c : mb_->close())
            if (c.kind == socket_mailbox::command::attach) c.p().close();
        while (!pipes_.empty()) detach(*pipes_.begin()->first, opts_.linger);
        closing_.clear();
        for (auto& [name, owner] : endpoints_) owner->terminate(opts_.linger);
        endpoints_.clear();
        if (fd_) mb_->remove_observer(fd_.get());
        fd_.reset();  // closes the ZMQ_FD eventfd
    }
    monitor_->stop();
    ctx_.socket_closed(this);
    delete this;
}

}  // namespace zmx::detail
