// REQ (RFC 28): a DEALER that alternates strictly between sending a request and receiving its reply.
// A request goes out as [request id (ZMQ_REQ_CORRELATE)] + empty delimiter + the caller's frames, to
// one peer; only a reply from that peer, starting with the same envelope, is accepted — anything else
// is dropped whole. ZMQ_REQ_RELAXED allows a new request before the reply (the old reply is then
// ignored). Runs under the socket's lock on the caller's thread.
#include <cstdint>
#include <cstring>
#include <random>
#include <zmx/error.hpp>

#include "sockets/dealer.hpp"
#include "sockets/types.hpp"

namespace zmx::detail {
namespace {

constexpr int req_correlate_option = 52;  // ZMQ_REQ_CORRELATE
constexpr int req_relaxed_option = 53;    // ZMQ_REQ_RELAXED

class req final : public dealer {
public:
    int send(message& msg) override {
        if (receiving_reply_) {
            if (strict_) return efsm;
            receiving_reply_ = false;  // relaxed: the reply still owed is ignored from now on
            message_begins_ = true;
        }
        if (message_begins_) {
            if (const int rc = send_envelope(); rc != 0) return rc;
            message_begins_ = false;
            // Replies to earlier requests (and strays) that are already here are not for this one.
            message stale;
            while (recv_pipe(stale, nullptr) == 0) {
            }
        }
        const bool more = msg.more();
        if (const int rc = send_pipe(msg, nullptr); rc != 0) return rc;  // cannot fail mid-message
        if (!more) {
            receiving_reply_ = true;
            message_begins_ = true;
        }
        return 0;
    }

    int recv(message& msg) override {
        if (!receiving_reply_) return efsm;
        while (message_begins_)
            if (const int rc = accept_envelope(); rc != 0) return rc;
        if (const int rc = recv_reply(msg); rc != 0) return rc;
        if (!msg.more()) {
            receiving_reply_ = false;
            message_begins_ = true;
        }
        return 0;
    }

    // Exact for pollers: true only while a reply is owed and a valid one (envelope checked) is here.
    bool has_in() override {
        if (!receiving_reply_) return false;
        while (message_begins_)
            if (accept_envelope() != 0) return false;
        return true;  // the envelope is consumed; the body is there (messages arrive whole)
    }
    bool has_out() override { return !(receiving_reply_ && strict_) && dealer::has_out(); }

    void detach(pipe& p) override {
        if (reply_pipe_ == &p) {  // its reply can never come (or finish) now
            reply_pipe_ = nullptr;
            if (receiving_reply_) message_begins_ = true;
        }
        dealer::detach(p);
    }

    int set_option(int id, const void* value, std::size_t len) override {
        if (id != req_correlate_option && id != req_relaxed_option) return dealer::set_option(id, value, len);
        int v = 0;
        if (read_int_option(value, len, v) != 0 || v < 0) return EINVAL;
        if (id == req_correlate_option) correlate_ = v != 0;
        else strict_ = v == 0;
        return 0;
    }

private:
    // Starts a request: [request id] + delimiter, to the next peer with room. 0 or EAGAIN.
    int send_envelope() {
        reply_pipe_ = nullptr;
        if (correlate_) {
            const std::uint32_t id = request_id_ + 1;  // host byte order on the wire, as libzmq
            message frame(&id, sizeof id);
            frame.set_more(true);
            if (const int rc = send_pipe(frame, &reply_pipe_); rc != 0) return rc;
            request_id_ = id;
            message bottom;
            bottom.set_more(true);
            return send_pipe(bottom, nullptr);  // the same pipe: the message is unfinished
        }
        message bottom;
        bottom.set_more(true);
        return send_pipe(bottom, &reply_pipe_);
    }

    // Reads the next frame from the request's pipe, dropping frames from any other. 0 or EAGAIN.
    int recv_reply(message& msg) {
        for (;;) {
            pipe* from = nullptr;
            if (const int rc = recv_pipe(msg, &from); rc != 0) return rc;
            if (from != nullptr && from == reply_pipe_) return 0;
        }
    }

    // Consumes one message's envelope: message_begins_ turns false if it was the reply's, else the
    // whole message is dropped. 0, or EAGAIN when nothing is there.
    int accept_envelope() {
        message m;
        if (correlate_) {
            if (const int rc = recv_reply(m); rc != 0) return rc;
            if (!m.more() || m.size() != sizeof request_id_ || std::memcmp(m.data(), &request_id_, m.size()) != 0)
                return skip_rest(m);
        }
        if (const int rc = recv_reply(m); rc != 0) return rc;
        if (!m.more() || m.size() != 0) return skip_rest(m);
        message_begins_ = false;
        return 0;
    }

    int skip_rest(message& m) {
        while (m.more() && recv_reply(m) == 0) {
        }
        return 0;
    }

    bool receiving_reply_ = false;  // a request went out whole; its reply is owed
    bool message_begins_ = true;    // the next frame sent / read starts a message (envelope)
    pipe* reply_pipe_ = nullptr;    // where the current request went
    bool correlate_ = false;        // ZMQ_REQ_CORRELATE
    bool strict_ = true;            // !ZMQ_REQ_RELAXED
    std::uint32_t request_id_ = static_cast<std::uint32_t>(std::random_device{}());
};

}  // namespace

std::unique_ptr<socket_type> make_req(const socket_options&) { return std::make_unique<req>(); }

}  // namespace zmx::detail
