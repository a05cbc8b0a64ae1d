// DEALER (RFC 28): round-robin send to peers with room, fair-queued receive, ZMQ_PROBE_ROUTER.
#include "sockets/dealer.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "sockets/types.hpp"

namespace zmx::detail {
namespace {
constexpr int probe_router_option = 51;   // ZMQ_PROBE_ROUTER
constexpr int router_notify_option = 97;  // ZMQ_ROUTER_NOTIFY: libzmq reads 0 on every non-ROUTER type
}  // namespace

bool dealer::attach(pipe& p) {
    if (probe_router_) {  // libzmq ignores a refused write here; a new pipe has room anyway
        message probe;
        if (p.write(probe)) p.flush();
    }
    fq_.attach(p);
    activate_out(p);
    return true;
}

void dealer::detach(pipe& p) {
    fq_.detach(p);
    if (sending_ == &p) {  // gone in the middle of a message: drop what the caller still sends of it
        sending_ = nullptr;
        dropping_ = true;
    }
    const auto it = std::find(out_.begin(), out_.end(), &p);
    if (it != out_.end()) deactivate_out(static_cast<std::size_t>(it - out_.begin()));
}

void dealer::activate_out(pipe& p) {
    if (p.out_active) return;
    p.out_active = true;
    out_.push_back(&p);
}

void dealer::deactivate_out(std::size_t i) {
    out_[i]->out_active = false;
    const std::size_t last = out_.size() - 1;
    out_[i] = out_[last];
    out_.pop_back();
    if (current_ == last) current_ = i;  // the current pipe moved into slot i
    if (current_ >= out_.size()) current_ = 0;
}

int dealer::send_pipe(message& msg, pipe** to) {
    const bool more = msg.more();
    if (to != nullptr) *to = nullptr;
    if (dropping_) {
        dropping_ = more;
        msg.clear();
        return 0;
    }
    if (sending_ != nullptr) {  // the rest of a message: its pipe takes every frame (no HWM mid-message)
        pipe* p = sending_;
        p->write(msg);
        if (!more) {
            p->flush();
            sending_ = nullptr;
            current_ = (current_ + 1) % out_.size();
        }
        if (to != nullptr) *to = p;
        msg.clear();
        return 0;
    }
    while (!out_.empty()) {
        pipe* p = out_[current_];
        if (!p->peer_closed() && p->write(msg)) {
            if (more) {
                sending_ = p;
            } else {
                p->flush();
                current_ = (current_ + 1) % out_.size();
            }
            if (to != nullptr) *to = p;
            msg.clear();
            return 0;
        }
        deactivate_out(current_);  // full (on_writable brings it back) or its peer is gone
    }
    return EAGAIN;
}

bool dealer::has_out() {
    if (sending_ != nullptr || dropping_) return true;
    while (!out_.empty()) {
        pipe* p = out_[current_];
        if (!p->peer_closed() && p->check_write()) return true;
        deactivate_out(current_);
    }
    return false;
}

int dealer::set_option(int id, const void* value, std::size_t len) {
    if (id != probe_router_option) return -1;
    int v = 0;
    if (read_int_option(value, len, v) != 0 || v < 0) return EINVAL;
    probe_router_ = v != 0;
    return 0;
}

int dealer::get_option(int id, void* value, std::size_t* len) const {
    if (id == router_notify_option) return write_int_option(0, value, len);
    return -1;
}

std::unique_ptr<socket_type> make_dealer(const socket_options&) { return std::make_unique<dealer>(); }

}  // namespace zmx::detail
