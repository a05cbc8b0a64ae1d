// REP (RFC 28): receives a request from any peer (fair-queued), strips and keeps its envelope (every
// frame up to and including the empty delimiter), and sends the reply, envelope first, to the pipe the
// request came from; recv and send must alternate (EFSM). A request without a delimiter is dropped; a
// reply whose requester is gone, or whose pipe is at its HWM, is dropped (as libzmq's REP, a ROUTER
// underneath). Runs under the socket's lock on the caller's thread.
#include <vector>
#include <zmx/error.hpp>

#include "sockets/router.hpp"
#include "sockets/routing/fair_queue.hpp"
#include "sockets/socket_type.hpp"
#include "sockets/types.hpp"

namespace zmx::detail {
namespace {

class rep final : public socket_type {
public:
    bool attach(pipe& p) override {
        if (settings_.probe) {  // libzmq's REP takes ROUTER's options, PROBE_ROUTER included
            message probe;
            if (p.write(probe)) p.flush();
        }
        fq_.attach(p);
        return true;
    }
    void detach(pipe& p) override {
        fq_.detach(p);
        if (out_ == &p) out_ = nullptr;
        if (reply_pipe_ != &p) return;
        reply_pipe_ = nullptr;
        if (!sending_reply_ && !request_begins_) {  // its request was half read: start over
            envelope_.clear();
            request_begins_ = true;
        }
    }
    void on_readable(pipe& p) override { fq_.activate(p); }
    void on_writable(pipe&) override {}

    int recv(message& msg) override {
        if (sending_reply_) return efsm;
        if (request_begins_)
            if (const int rc = take_envelope(); rc != 0) return rc;
        if (const int rc = fq_.recv(msg, nullptr); rc != 0) return rc;
        if (!msg.more()) {
            sending_reply_ = true;
            request_begins_ = true;
        }
        return 0;
    }

    int send(message& msg) override {
        if (!sending_reply_) return efsm;
        const bool more = msg.more();
        if (!reply_started_) {
            reply_started_ = true;
            pipe* p = reply_pipe_;
            if (p != nullptr && !p->peer_closed() && p->check_write()) {
                out_ = p;
                for (auto& frame : envelope_) p->write(frame);  // MORE set; no HWM inside a message
            }
            envelope_.clear();
        }
        if (out_ != nullptr) {
            out_->write(msg);
            if (!more) out_->flush();
        }
        msg.clear();
        if (!more) {
            sending_reply_ = false;
            reply_started_ = false;
            out_ = nullptr;
            reply_pipe_ = nullptr;
        }
        return 0;
    }

    // Exact for pollers: a request is there only if one with a valid envelope is (the others are
    // dropped here, as recv would).
    bool has_in() override {
        if (sending_reply_) return false;
        return !request_begins_ || take_envelope() == 0;
    }
    bool has_out() override { return sending_reply_; }

    int set_option(int id, const void* value, std::size_t len) override {
        return set_router_option(settings_, id, value, len);
    }
    int get_option(int id, void* value, std::size_t* len) const override {
        return get_router_option(settings_, id, value, len);
    }

private:
    // Reads frames up to and including the next request's delimiter into envelope_, dropping
    // messages that have none. 0 (request_begins_ turns false; the body follows) or EAGAIN.
    int take_envelope() {
        envelope_.clear();
        for (;;) {
            message m;
            pipe* from = nullptr;
            if (const int rc = fq_.recv(m, &from); rc != 0) {
                envelope_.clear();
                return rc;
            }
            if (!m.more()) {  // the message ended before a delimiter
                envelope_.clear();
                continue;
            }
            const bool bottom = m.size() == 0;
            envelope_.push_back(std::move(m));
            if (bottom) {
                reply_pipe_ = from;
                request_begins_ = false;
                return 0;
            }
        }
    }

    fair_queue fq_;
    router_settings settings_;
    std::vector<message> envelope_;  // the request's envelope, delimiter included
    pipe* reply_pipe_ = nullptr;     // where the request came from (null: gone)
    pipe* out_ = nullptr;            // where the reply goes (null: dropped)
    bool request_begins_ = true;     // the next frame read starts a request
    bool sending_reply_ = false;     // the request was read whole; its reply is owed
    bool reply_started_ = false;     // the reply's first frame has been sent
};

}  // namespace

std::unique_ptr<socket_type> make_rep(const socket_options&) { return std::make_unique<rep>(); }

}  // namespace zmx::detail
