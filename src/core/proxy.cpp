// proxy: the zmq_proxy loop over socket_base, and the C++ API's zmx::proxy / zmx::proxy_steerable.
// Owned by the calling thread for the whole run (see proxy.hpp).
//
// Each direction (a "lane") starts a burst of messages only when its destination reports POLLOUT (as
// libzmq), receives frame by frame without waiting, and sends each frame without waiting. A frame the
// destination refuses (its queue filled during the burst, or a SERVER peer's queue is full although
// POLLOUT holds) is kept and sent again once the destination changes: nothing is dropped and the
// proxy never blocks on one side (libzmq blocks in the send).
// When no lane and no control command can move, the thread sleeps on a poll_signal registered with
// the sockets' mailboxes; it is noted before each pass, so a change during the pass wakes the sleep.
#include "core/proxy.hpp"

#include <cerrno>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>
#include <zmx/error.hpp>
#include <zmx/message.hpp>
#include <zmx/proxy.hpp>
#include <zmx/socket.hpp>

#include "core/poller.hpp"
#include "core/socket_base.hpp"

namespace zmx::detail {
namespace {
constexpr int flag_dontwait = 1;
constexpr int flag_sndmore = 2;
constexpr int burst = 1000;  // whole messages a lane moves before the others get a turn (libzmq's)
constexpr int rep_type = 4;  // ZMQ_REP: a control socket of this type answers every command

// One direction of the proxy.
struct lane {
    socket_base* from;
    socket_base* to;
    proxy_side_stats* from_stats;
    proxy_side_stats* to_stats;
    message frame;  // received, not yet sent (holding)
    bool holding = false;
    bool mid = false;         // frames of the current message went out already
    std::uint64_t bytes = 0;  // bytes of the current message so far
};

// The observers of one proxy run, removed again at the end.
class signal_guard {
public:
    explicit signal_guard(std::shared_ptr<poll_signal> s) : signal_(std::move(s)) {}
    signal_guard(const signal_guard&) = delete;
    signal_guard& operator=(const signal_guard&) = delete;
    ~signal_guard() {
        for (auto& mb : mailboxes_) mb->remove_observer(signal_.get());
    }
    void watch(const socket_base* s) {
        for (const auto& mb : mailboxes_)
            if (mb == s->mailbox()) return;
        mailboxes_.push_back(s->mailbox());
        mailboxes_.back()->add_observer(signal_);
    }

private:
    std::shared_ptr<poll_signal> signal_;
    std::vector<std::shared_ptr<socket_mailbox>> mailboxes_;
};

class proxy_run {
public:
    proxy_run(socket_base& frontend, socket_base& backend, socket_base* capture, socket_base* control)
        : capture_(capture), control_(control) {
        lanes_.push_back(lane{&frontend, &backend, &front_, &back_, {}});
        if (&frontend != &backend) lanes_.push_back(lane{&backend, &frontend, &back_, &front_, {}});
    }

    int run() {
        auto signal = std::make_shared<poll_signal>();
        signal_guard guard(signal);
        for (const auto& l : lanes_) guard.watch(l.from);
        if (control_ != nullptr) guard.watch(control_);
        for (;;) {
            const std::uint64_t seen = signal->count();  // before looking: later changes move it
            bool moved = false;
            if (control_ != nullptr) {
                if (const int rc = control_step(moved); rc != 0) return rc;
                if (state_ == state::terminated) {
                    for (auto& l : lanes_) finish(l);
                    return 0;
                }
            }
            if (state_ == state::active) {
                for (auto& l : lanes_)
                    if (const int rc = pump(l, moved); rc != 0) return rc;
            }
            if (!moved) signal->wait(seen, -1);
        }
    }

private:
    enum class state { active, paused, terminated };

    // Copies one frame to the capture socket (waiting as its send does, as libzmq).
    int capture(const message& m, bool more) {
        if (capture_ == nullptr) return 0;
        message c = m.copy();
        return capture_->send(c, more ? flag_sndmore : 0);
    }

    // Moves up to `burst` whole messages along l. moved: something was received or sent.
    int pump(lane& l, bool& moved) {
        // A burst starts only when the destination reports POLLOUT (as libzmq; one socket both ways
        // is not tested, also as libzmq: a REP echo has POLLOUT only after its recv).
        if (!l.holding && !l.mid && l.from != l.to) {
            short ev = 0;
            if (const int rc = l.to->events(ev); rc != 0) return rc;
            if ((ev & socket_base::poll_out) == 0) return 0;
        }
        for (int n = 0; n < burst;) {
            if (!l.holding) {
                const int rc = l.from->recv(l.frame, flag_dontwait);
                if (rc == EAGAIN) return 0;
                if (rc != 0) return rc;
                moved = true;
                l.holding = true;
                l.bytes += l.frame.size();
                if (const int c = capture(l.frame, l.frame.more()); c != 0) return c;
            }
            const bool more = l.frame.more();
            const int rc = l.to->send(l.frame, flag_dontwait | (more ? flag_sndmore : 0));
            if (rc == EAGAIN) return 0;  // kept: sent once the destination changes
            if (rc != 0) return rc;
            moved = true;
            l.holding = false;
            l.mid = more;
            if (more) continue;
            ++l.from_stats->msg_in;
            l.from_stats->bytes_in += l.bytes;
            ++l.to_stats->msg_out;
            l.to_stats->bytes_out += l.bytes;
            l.bytes = 0;
            ++n;
        }
        moved = true;  // the burst ended, not the work
        return 0;
    }

    // TERMINATE: delivers the rest of a message the lane has begun if the destination takes it now;
    // otherwise it is dropped (at most one message per direction, taken while the destination filled).
    void finish(lane& l) {
        while (l.holding || l.mid) {
            if (!l.holding) {
                if (l.from->recv(l.frame, flag_dontwait) != 0) return;
                l.holding = true;
            }
            const bool more = l.frame.more();
            if (l.to->send(l.frame, flag_dontwait | (more ? flag_sndmore : 0)) != 0) return;
            l.holding = false;
            l.mid = more;
        }
    }

    // Handles one command from the control socket, if one is there.
    int control_step(bool& moved) {
        message cmd;
        int rc = control_->recv(cmd, flag_dontwait);
        if (rc == EAGAIN) return 0;
        if (rc != 0) return rc;
        moved = true;
        if (rc = capture(cmd, false); rc != 0) return rc;  // as libzmq 4.3.4: the command's first frame
        bool valid = !cmd.more();
        for (bool more = cmd.more(); more;) {  // a multipart command is no command: drop its frames
            message rest;
            if (rc = control_->recv(rest, flag_dontwait); rc != 0) return rc;
            more = rest.more();
        }
        const std::string_view text = valid ? cmd.str() : std::string_view{};
        if (text == "STATISTICS") return reply_stats();
        if (text == "PAUSE")
            state_ = state::paused;
        else if (text == "RESUME")
            state_ = state::active;
        else if (text == "TERMINATE")
            state_ = state::terminated;
        if (control_->info().id != rep_type) return 0;
        message empty;  // REP must answer (libzmq after 4.3.4 does too); anything else gets no answer
        return control_->send(empty, 0);
    }

    // The eight counters, one uint64 frame each, in zmq_proxy_steerable(3)'s order.
    int reply_stats() {
        const std::uint64_t v[8] = {front_.msg_in, front_.bytes_in, front_.msg_out, front_.bytes_out,
                                    back_.msg_in,  back_.bytes_in,  back_.msg_out,  back_.bytes_out};
        for (int i = 0; i < 8; ++i) {
            message m(&v[i], sizeof v[i]);
            if (const int rc = control_->send(m, i < 7 ? flag_sndmore : 0); rc != 0) return rc;
        }
        return 0;
    }

    socket_base* capture_;
    socket_base* control_;
    std::vector<lane> lanes_;
    proxy_side_stats front_;
    proxy_side_stats back_;
    state state_ = state::active;
};

}  // namespace

int run_proxy(socket_base& frontend, socket_base& backend, socket_base* capture, socket_base* control) {
    proxy_run p(frontend, backend, capture, control);
    return p.run();
}

}  // namespace zmx::detail

namespace zmx {
namespace {
detail::socket_base& live_socket(const socket& s) {
    if (s.handle() == nullptr) throw error(ENOTSOCK);  // default-constructed, moved-from or closed
    return *s.handle();
}
detail::socket_base* optional_socket(const socket* s) {
    return s == nullptr ? nullptr : &live_socket(*s);
}
}  // namespace

void proxy(socket& frontend, socket& backend, socket* capture) {
    const int rc = detail::run_proxy(live_socket(frontend), live_socket(backend), optional_socket(capture), nullptr);
    throw error(rc != 0 ? rc : eterm);  // without a control socket only an error ends it
}

void proxy_steerable(socket& frontend, socket& backend, socket* capture, socket* control) {
    const int rc = detail::run_proxy(live_socket(frontend), live_socket(backend), optional_socket(capture),
                                     optional_socket(control));
    if (rc != 0) throw error(rc);
}

}  // namespace zmx
