#pragma once
// dealer — DEALER (RFC 28) and the base of REQ: round-robin send of whole messages to the peers with
// room (waiting, never dropping, at the HWM), fair-queued receive, ZMQ_PROBE_ROUTER. send_pipe and
// recv_pipe also tell which pipe a message went to / came from (REQ pairs a reply with its request's
// pipe). Owned by the socket; every method runs under the socket's lock on the caller's thread.
#include <cstddef>
#include <vector>

#include "sockets/routing/fair_queue.hpp"
#include "sockets/socket_type.hpp"

namespace zmx::detail {

class dealer : public socket_type {
public:
    bool attach(pipe& p) override;
    void detach(pipe& p) override;
    void on_readable(pipe& p) override { fq_.activate(p); }
    void on_writable(pipe& p) override { activate_out(p); }
    int send(message& msg) override { return send_pipe(msg, nullptr); }
    int recv(message& msg) override { return recv_pipe(msg, nullptr); }
    bool has_in() override { return fq_.has_in(); }
    bool has_out() override;
    int set_option(int id, const void* value, std::size_t len) override;
    int get_option(int id, void* value, std::size_t* len) const override;

protected:
    // 0 (msg consumed; *to = the pipe it went to, null if it was dropped because that pipe went away in
    // the middle of the message) or EAGAIN (no peer can take a new message now).
    int send_pipe(message& msg, pipe** to);
    // 0 and msg filled (*from = its pipe), or EAGAIN.
    int recv_pipe(message& msg, pipe** from) { return fq_.recv(msg, from); }

private:
    void activate_out(pipe& p);
    void deactivate_out(std::size_t i);

    fair_queue fq_;
    // Load balancing (as routing/load_balancer, plus the pipe each message went to).
    std::vector<pipe*> out_;     // pipes that may have room, in round-robin order
    std::size_t current_ = 0;    // the next to try; the pipe of an unfinished message while sending_
    pipe* sending_ = nullptr;    // the pipe of an unfinished multipart message
    bool dropping_ = false;      // the rest of a message whose pipe went away mid-message
    bool probe_router_ = false;  // ZMQ_PROBE_ROUTER: an empty message first on each new pipe
};

}  // namespace zmx::detail
