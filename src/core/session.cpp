// session: dialing, reconnecting, accepted connections, linger.
#include "core/session.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <random>
#include <utility>

#include "core/context_impl.hpp"
#include "core/mailbox.hpp"
#include "core/metadata.hpp"
#include "io/io_thread.hpp"
#include "sockets/socket_type.hpp"
#include "transports/raw_engine.hpp"
#include "transports/stream_engine.hpp"

namespace zmx::detail {

namespace {
// Connect errors after which the next address (or round) may do better. Anything else (EACCES,
// EPERM, EINVAL...) is fatal: the dialer stops.
bool retryable(int err) {
    switch (err) {
    case ECONNREFUSED: case ETIMEDOUT: case ENETUNREACH: case EHOSTUNREACH: case ENETDOWN: case EHOSTDOWN:
    case ECONNRESET: case ECONNABORTED: case EADDRNOTAVAIL: case EADDRINUSE: case EAGAIN: case EINTR:
    case ENOENT: case ENOBUFS: case ENOMEM: case EMFILE: case ENFILE: case EINPROGRESS: case EPIPE:
    case EAFNOSUPPORT:  // e.g. an IPv6 address on a host without IPv6: the next address may be IPv4
        return true;
    default: return false;
    }
}

int next_jitter(int ivl) {
    static thread_local std::minstd_rand rng{std::random_device{}()};
    return ivl > 0 ? static_cast<int>(rng() % static_cast<unsigned>(ivl)) : 0;
}
}  // namespace

// Waits on the reactor for a non-blocking connect to finish, within ZMQ_CONNECT_TIMEOUT.
class session::connect_waiter final : private io_handler {
public:
    connect_waiter(reactor& loop, int fd, session& s, int timeout_ms) : loop_(loop), fd_(fd), s_(s) {
        handle_ = loop_.add(fd, this);
        loop_.set_pollout(handle_);
        if (timeout_ms > 0) timer_ = loop_.add_timer(timeout_ms, [this] { done(ETIMEDOUT); });
    }
    ~connect_waiter() { cancel(); }
    // Stops waiting and closes the fd (if still ours). Idempotent.
    void cancel() {
        if (timer_ != 0) loop_.cancel_timer(timer_);
        timer_ = 0;
        if (handle_ != nullptr) loop_.remove(handle_);
        handle_ = nullptr;
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    void on_readable() override { done(0); }
    void on_writable() override { done(0); }
    void done(int err) {
        if (handle_ == nullptr) return;
        if (timer_ != 0 && err == 0) loop_.cancel_timer(timer_);
        timer_ = 0;
        loop_.remove(handle_);
        handle_ = nullptr;
        int fd = std::exchange(fd_, -1);  // the fd is the engine's from now on, unless timed out
        if (err != 0) ::close(fd);
        s_.connect_completed(fd, err);
    }
    reactor& loop_;
    int fd_;
    session& s_;
    reactor::handle handle_ = nullptr;
    reactor::timer_id timer_ = 0;
};

session::session(params p) : p_(std::move(p)), loop_(p_.thread.loop()) { p_.ctx.object_started(); }

session::~session() { p_.ctx.object_finished(); }

std::shared_ptr<session> session::dial(params p, std::string endpoint, std::string address,
                                       std::shared_ptr<pipe_link> link) {
    auto s = std::make_shared<session>(std::move(p));
    s->dialing_ = true;
    s->remote_ = std::move(endpoint);
    s->address_ = std::move(address);
    s->link_ = std::move(link);
    s->current_ivl_ = s->p_.opts.reconnect_ivl;
    s->state_ = endpoint_state::resolving;
    s->loop_.post([s] {
        if (s->link_) {
            s->pipe_ = &s->link_->end(1);
            s->pipe_->set_sink(s);
            if (s->pipe_->peer_closed()) s->pipe_closed(*s->pipe_);  // closed already: linger decides
        }
        if (!s->finished_) s->start_dialing();
    });
    return s;
}

std::shared_ptr<session> session::accepted(params p, std::unique_ptr<stream> st) {
    auto s = std::make_shared<session>(std::move(p));
    s->local_ = st->endpoint_name(true);
    s->remote_ = st->endpoint_name(false);
    s->run_engine(std::move(st));  // called on the listener's thread, which is ours
    return s;
}

void session::terminate(int linger_ms) {
    loop_.post([self = shared_from_this(), linger_ms] {
        if (self->finished_ || self->terminating_) return;
        self->terminating_ = true;
        self->linger_ = linger_ms;
        self->begin_linger();  // finish() then closes the pipe, and the socket lets go of it
    });
}

endpoint_status session::status() const {
    endpoint_status st;
    st.state = state_.load();
    st.last_error = last_error_.load();
    st.attempts = attempts_.load();
    return st;
}

void session::emit(std::uint64_t event, std::uint64_t value) {
    if (p_.mon && p_.mon->wants(event)) p_.mon->event(event, value, {local_, remote_, !dialing_});
}

void session::start_dialing() {
    if (finished_) return;
    state_ = endpoint_state::resolving;
    std::vector<net_address> list;
    const int rc = p_.tr.resolve(address_, p_.opts, list, false);
    if (rc != EAGAIN) return resolved(rc, std::move(list));
    // A host name: look it up on the resolver thread and come back here with the result.
    // The job holds the session weakly: a lookup that hangs never holds up the session's end, nor the
    // context's termination.
    p_.ctx.resolve_async([weak = weak_from_this(), tr = &p_.tr, address = address_, opts = p_.opts] {
        std::vector<net_address> out;
        const int err = tr->resolve(address, opts, out, true);
        if (auto self = weak.lock())
            self->loop_.post([self, err, out = std::move(out)]() mutable { self->resolved(err, std::move(out)); });
    });
}

void session::resolved(int err, std::vector<net_address> list) {
    if (finished_) return;
    addresses_ = std::move(list);
    next_address_ = 0;
    round_refused_ = !addresses_.empty();
    if (err != 0) {
        last_error_ = err;
        round_refused_ = false;
        return round_failed(true);
    }
    try_next_address();
}

void session::try_next_address() {
    while (next_address_ < addresses_.size()) {
        state_ = endpoint_state::connecting;
        int fd = -1;
        const int rc = p_.tr.start_connect(addresses_[next_address_++], p_.opts, fd);
        if (rc == 0) {
            waiter_ = std::make_unique<connect_waiter>(loop_, fd, *this, p_.opts.connect_timeout);
            emit(events::connect_delayed, EINPROGRESS);
            return;
        }
        if (!connect_error(rc)) return;
    }
    round_failed(true);
}

// Records a failed attempt on one address: true to go on with the next, false if the dialer stopped.
bool session::connect_error(int err) {
    last_error_ = err;
    if (err != ECONNREFUSED) round_refused_ = false;
    if (retryable(err)) return true;
    give_up(err);
    return false;
}

void session::connect_completed(int fd, int err) {
    // Called from inside waiter_: destroy it later, not now.
    loop_.post([w = std::shared_ptr<connect_waiter>(std::move(waiter_))] {});
    std::unique_ptr<stream> st;
    if (err == 0) st = p_.tr.finish_connect(fd, p_.opts, err);
    if (finished_) return;
    if (!st) {
        emit(events::closed, static_cast<std::uint64_t>(fd));  // the connecting socket is gone
        if (connect_error(err)) try_next_address();
        return;
    }
    local_ = st->endpoint_name(true);
    state_ = endpoint_state::handshaking;
    emit(events::connected, static_cast<std::uint64_t>(st->fd()));
    run_engine(std::move(st));
}

// A round over the addresses failed, or a connection was lost (count: whether it counts as a failed
// attempt; a connection that was up does not). Back off, or give up.
void session::round_failed(bool count) {
    if (finished_) return;
    if (count) ++attempts_;
    // A terminating session keeps trying while its linger lets it deliver what is queued.
    if (terminating_ && (linger_ == 0 || p_.opts.reconnect_ivl <= 0)) return finish();
    const int max_attempts = p_.opts.reconnect_max_attempts;
    if (round_refused_ && (p_.opts.reconnect_stop & reconnect_stop::conn_refused) != 0) return give_up(ECONNREFUSED);
    if (p_.opts.reconnect_ivl <= 0) return give_up(last_error_);  // ZMQ_RECONNECT_IVL -1: no reconnection
    if (max_attempts > 0 && attempts_ >= max_attempts) return give_up(last_error_);
    const int ivl = p_.opts.reconnect_ivl;
    const int interval = current_ivl_ + next_jitter(ivl);
    const int ivl_max = p_.opts.reconnect_ivl_max;
    if (ivl_max > ivl) current_ivl_ = current_ivl_ < ivl_max / 2 ? current_ivl_ * 2 : ivl_max;
    state_ = endpoint_state::waiting;
    emit(events::connect_retried, static_cast<std::uint64_t>(interval));
    reconnect_timer_ = loop_.add_timer(interval, [self = shared_from_this()] {
        self->reconnect_timer_ = 0;
        self->start_dialing();
    });
}

void session::give_up(int err) {
    last_error_ = err;
    state_ = endpoint_state::stopped;  // before the event: a reader of the event sees it stopped
    emit(events::connect_stopped, static_cast<std::uint64_t>(err));
    finish();
}

bool session::raw() const noexcept {
    constexpr int stream_type = 11;  // ZMQ_STREAM
    return p_.type.id == stream_type;
}

void session::run_engine(std::unique_ptr<stream> st) {
    if (raw())
        engine_ = std::make_unique<raw_engine>(loop_, std::move(st), p_.opts, *this);
    else
        engine_ = std::make_unique<stream_engine>(loop_, std::move(st), p_.opts, p_.type, *this);
    engine_plugged_ = false;
    engine_->start();
}

void session::drop_engine() {
    if (!engine_) return;
    if (pipe_ != nullptr && engine_plugged_) engine_->unplug();
    engine_plugged_ = false;
    engine_->stop();  // inert from now on: no more callbacks into us
    // We may be inside one of the engine's callbacks: destroy it from a fresh stack.
    loop_.post([e = std::shared_ptr<engine>(std::move(engine_))] {});
}

// Engine callbacks may end the session (finish() closes the pipe, which holds a reference to us): each
// keeps the session alive until it returns.
void session::engine_ready(engine&) {
    const auto keep = shared_from_this();
    state_ = endpoint_state::connected;
    attempts_ = 0;
    current_ivl_ = p_.opts.reconnect_ivl;
    if (!raw()) emit(events::handshake_succeeded, 0);  // as libzmq: a raw connection has no handshake
    if (!link_) {
        attach_pipe();
    } else if (connected_before_ && (p_.type.features & subscriber) != 0) {
        p_.mailbox->post_hiccup(link_, 0);  // a kept pipe: the new peer needs the subscriptions
    }
    connected_before_ = true;
    link_->end(0).set_endpoints(local_, remote_);  // for the socket's ZMQ_EVENT_PIPES_STATS
    if ((p_.type.features & recv_routing_id) != 0 && !raw()) {  // first on this connection: who the peer is
        const metadata* meta = engine_->peer_metadata();
        const std::string* id = meta != nullptr ? meta->value("Identity") : nullptr;
        message m(id != nullptr ? *id : std::string());
        m.set_flags(message::flag_routing_id);
        pipe_->write_past_hwm(m);
    }
    engine_plugged_ = true;
    engine_->plug(*pipe_);
}

void session::attach_pipe() {
    link_ = make_socket_pipe(p_.opts, p_.type);
    link_->end(0).locally_initiated = dialing_;
    pipe_ = &link_->end(1);
    pipe_->set_sink(shared_from_this());
    p_.mailbox->post_attach(link_, 0);
}

void session::engine_failed(engine& e, const engine_error& why) {
    const auto keep = shared_from_this();
    auto reason = why.reason;
    if (!why.handshaked) {
        if (why.auth_status != 0) {
            emit(events::handshake_failed_auth, static_cast<std::uint64_t>(why.auth_status));
        } else if (reason == engine_error::kind::protocol) {
            emit(events::handshake_failed_protocol,
                 static_cast<std::uint64_t>(why.protocol_error != 0 ? why.protocol_error : 0x10000000));
        } else {
            emit(events::handshake_failed_no_detail, static_cast<std::uint64_t>(why.err));
            // A peer that is not a ZMTP peer (drops us, or never answers): libzmq's "handshake failed".
            if ((p_.opts.reconnect_stop & reconnect_stop::handshake_failed) != 0) reason = engine_error::kind::protocol;
        }
    }
    emit(events::disconnected, static_cast<std::uint64_t>(e.fd()));
    if (dialing_) local_.clear();  // the next attempt has a local address of its own
    last_error_ = why.err;
    if (pipe_ != nullptr) pipe_->rollback();  // the peer is gone mid-message: drop its partial message
    if (reason == engine_error::kind::closed) {  // the socket ended this connection: no reconnection
        drop_engine();
        return finish();
    }
    if (why.handshaked)
        notify_socket(dialing_ ? p_.opts.hiccup_msg : p_.opts.disconnect_msg,
                      dialing_ ? notify_hiccup : notify_disconnect);
    drop_engine();
    if (!dialing_) return finish();
    if (reason == engine_error::kind::protocol) return give_up(why.err);  // as libzmq: no reconnect
    if (p_.opts.immediate && pipe_ != nullptr) {  // pipes exist only while connected
        pipe_->close();
        pipe_ = nullptr;
        link_.reset();
    }
    addresses_.clear();
    round_refused_ = false;
    round_failed(!why.handshaked);
}

// HELLO/DISCONNECT/HICCUP-style local notifications: one message to the socket, past the HWM.
void session::notify_socket(const std::string& body, unsigned kind) {
    if (body.empty() || pipe_ == nullptr || (p_.type.features & kind) == 0) return;
    message m(body);
    pipe_->write_past_hwm(m);
}

void session::engine_drained(engine&) {
    const auto keep = shared_from_this();
    if (terminating_) finish();
}

void session::pipe_readable(pipe&) {
    loop_.post([self = shared_from_this()] {
        if (self->engine_ && self->engine_plugged_) self->engine_->restart_output();
    });
}

void session::pipe_writable(pipe&) {
    loop_.post([self = shared_from_this()] {
        if (self->engine_ && self->engine_plugged_) self->engine_->restart_input();
    });
}

void session::pipe_closed(pipe&) {
    loop_.post([self = shared_from_this()] {
        if (self->finished_) return;
        if (!self->terminating_) self->linger_ = self->link_ ? self->link_->linger.load() : 0;
        self->terminating_ = true;
        self->begin_linger();
    });
}

void session::begin_linger() {
    const int linger = linger_;
    const bool sending = engine_ && engine_plugged_ && !engine_->output_idle();
    const bool queued = pipe_ != nullptr && pipe_->check_read();
    if (linger == 0 || (!sending && !queued) || (!engine_ && !dialing_)) return finish();
    if (engine_ && engine_plugged_) engine_->restart_output();  // may drain and finish at once
    if (finished_) return;
    if (linger > 0 && linger_timer_ == 0)
        linger_timer_ = loop_.add_timer(linger, [self = shared_from_this()] {
            self->linger_timer_ = 0;
            self->finish();
        });
}

void session::finish() {
    if (finished_) return;
    const auto keep = shared_from_this();  // closing the pipe drops the pipe's reference to us
    finished_ = true;
    terminating_ = true;
    state_ = endpoint_state::stopped;
    if (reconnect_timer_ != 0) loop_.cancel_timer(reconnect_timer_);
    if (linger_timer_ != 0) loop_.cancel_timer(linger_timer_);
    reconnect_timer_ = linger_timer_ = 0;
    if (waiter_) {
        waiter_->cancel();
        loop_.post([w = std::shared_ptr<connect_waiter>(std::move(waiter_))] {});
    }
    drop_engine();
    if (pipe_ != nullptr) {
        pipe_->close();
        pipe_ = nullptr;
    }
    link_.reset();
}

}  // namespace zmx::detail
