// load_balancer: round-robin over pipes with room; a multipart message stays on one pipe.
#include "sockets/routing/load_balancer.hpp"

#include <algorithm>
#include <cerrno>

namespace zmx::detail {

void load_balancer::activate(pipe& p) {
    if (p.out_active) return;
    p.out_active = true;
    active_.push_back(&p);
}

void load_balancer::deactivate(std::size_t i) {
    const std::size_t last = active_.size() - 1;
    active_[i]->out_active = false;
    active_[i] = active_[last];
    active_.pop_back();
    if (current_ == last) current_ = i;  // the current pipe moved into the freed slot
    if (current_ >= active_.size()) current_ = 0;
}

void load_balancer::detach(pipe& p) {
    auto it = std::find(active_.begin(), active_.end(), &p);
    if (it == active_.end()) return;
    const auto i = static_cast<std::size_t>(it - active_.begin());
    if (i == current_ && in_multipart_) dropping_ = true;
    deactivate(i);
}

int load_balancer::send(message& msg) {
    if (dropping_) {  // rest of a message whose pipe is gone
        dropping_ = msg.more();
        in_multipart_ = false;
        msg.clear();
        return 0;
    }
    while (!active_.empty()) {
        pipe* p = active_[current_];
        const bool more = msg.more();
        // A message begun on a pipe ends on it, even if its peer closed meanwhile.
        if ((in_multipart_ || !p->peer_closed()) && p->write(msg)) {
            in_multipart_ = more;
            if (!more) {
                p->flush();
                if (++current_ == active_.size()) current_ = 0;
            }
            msg.clear();
            return 0;
        }
        deactivate(current_);
    }
    return EAGAIN;
}

bool load_balancer::has_out() {
    if (in_multipart_) return true;
    while (!active_.empty()) {
        if (active_[current_]->check_write()) return true;
        deactivate(current_);
    }
    return false;
}

}  // namespace zmx::detail
