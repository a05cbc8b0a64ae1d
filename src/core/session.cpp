// session: dialing, reconnecting, accepted connections, linger.
#include "core/session.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "core/context_impl.hpp"
#include "core/mailbox.hpp"
#include "io/io_thread.hpp"

namespace zmx::detail {

// Waits on the reactor for a non-blocking connect to finish.
class session::connect_waiter final : private io_handler {
public:
    connect_waiter(reactor& loop, int fd, session& s) : loop_(loop), fd_(fd), s_(s) {
        handle_ = loop_.add(fd, this);
        loop_.set_pollout(handle_);
    }
    ~connect_waiter() {
        if (handle_ != nullptr) loop_.remove(handle_);
        if (fd_ >= 0) ::close(fd_);
    }

private:
    void on_readable() override { on_writable(); }
    void on_writable() override {
        if (handle_ == nullptr) return;
        loop_.remove(handle_);  // the fd is the engine's from now on
        handle_ = nullptr;
        const int fd = fd_;
        fd_ = -1;
        s_.connect_completed(fd);
    }
    reactor& loop_;
    int fd_;
    session& s_;
    reactor::handle handle_;
};

session::session(params p) : p_(std::move(p)), loop_(p_.thread.loop()) { p_.ctx.object_started(); }

session::~session() { p_.ctx.object_finished(); }

std::shared_ptr<session> session::dial(params p, std::string address, std::shared_ptr<pipe_link> link) {
    auto s = std::make_shared<session>(std::move(p));
    s->dialing_ = true;
    s->address_ = std::move(address);
    s->link_ = std::move(link);
    s->current_ivl_ = s->p_.opts.reconnect_ivl;
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

void session::start_dialing() {
    if (finished_) return;
    addresses_.clear();
    next_address_ = 0;
    // Name lookup may block this I/O thread for the resolver's time; numeric addresses do not.
    if (p_.tr.resolve(address_, p_.opts, addresses_, true) != 0) return schedule_reconnect();
    try_next_address();
}

void session::try_next_address() {
    while (next_address_ < addresses_.size()) {
        int fd = -1;
        if (p_.tr.start_connect(addresses_[next_address_++], p_.opts, fd) == 0) {
            waiter_ = std::make_unique<connect_waiter>(loop_, fd, *this);
            return;
        }
    }
    schedule_reconnect();
}

void session::connect_completed(int fd) {
    // Called from inside waiter_: destroy it later, not now.
    loop_.post([w = std::shared_ptr<connect_waiter>(std::move(waiter_))] {});
    int err = 0;
    std::unique_ptr<stream> st = p_.tr.finish_connect(fd, p_.opts, err);
    if (finished_) return;
    if (!st) return try_next_address();
    current_ivl_ = p_.opts.reconnect_ivl;
    run_engine(std::move(st));
}

void session::schedule_reconnect() {
    // A terminating session keeps trying while its linger lets it deliver what is queued.
    if (finished_) return;
    if (terminating_ && (linger_ == 0 || p_.opts.reconnect_ivl < 0)) return finish();
    if (p_.opts.reconnect_ivl < 0) return;  // ZMQ_RECONNECT_IVL -1: stay, keep the pipe, never redial
    const int ivl = std::max(current_ivl_, 0);
    if (p_.opts.reconnect_ivl_max > 0) current_ivl_ = std::min(current_ivl_ * 2, p_.opts.reconnect_ivl_max);
    reconnect_timer_ = loop_.add_timer(ivl, [self = shared_from_this()] {
        self->reconnect_timer_ = 0;
        self->start_dialing();
    });
}

void session::run_engine(std::unique_ptr<stream> st) {
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
    loop_.post([e = std::shared_ptr<stream_engine>(std::move(engine_))] {});
}

// Engine callbacks may end the session (finish() closes the pipe, which holds a reference to us): each
// keeps the session alive until it returns.
void session::engine_ready(stream_engine&) {
    const auto keep = shared_from_this();
    if (!link_) attach_pipe();
    engine_plugged_ = true;
    engine_->plug(*pipe_);
}

void session::attach_pipe() {
    link_ = make_pipe(p_.opts.sndhwm, p_.opts.rcvhwm);
    pipe_ = &link_->end(1);
    pipe_->set_sink(shared_from_this());
    p_.mailbox->post_attach(link_, 0);
}

void session::engine_failed(stream_engine&, const engine_error&) {
    const auto keep = shared_from_this();
    drop_engine();
    if (!dialing_) return finish();
    if (p_.opts.immediate && pipe_ != nullptr) {  // pipes exist only while connected
        pipe_->close();
        pipe_ = nullptr;
        link_.reset();
    }
    schedule_reconnect();
}

void session::engine_drained(stream_engine&) {
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
    if (reconnect_timer_ != 0) loop_.cancel_timer(reconnect_timer_);
    if (linger_timer_ != 0) loop_.cancel_timer(linger_timer_);
    reconnect_timer_ = linger_timer_ = 0;
    if (waiter_) loop_.post([w = std::shared_ptr<connect_waiter>(std::move(waiter_))] {});
    drop_engine();
    if (pipe_ != nullptr) {
        pipe_->close();
        pipe_ = nullptr;
    }
    link_.reset();
}

}  // namespace zmx::detail
