// fair_queue: round-robin over active pipes, staying on one pipe for the frames of a message.
#include "sockets/routing/fair_queue.hpp"

#include <algorithm>
#include <cerrno>

namespace zmx::detail {

void fair_queue::activate(pipe& p) {
    if (p.in_active) return;
    p.in_active = true;
    active_.push_back(&p);
}

void fair_queue::deactivate(std::size_t i) {
    const std::size_t last = active_.size() - 1;
    active_[i]->in_active = false;
    active_[i] = active_[last];
    active_.pop_back();
    if (current_ == last) current_ = i;  // the current pipe moved into the freed slot
    if (current_ >= active_.size()) current_ = 0;
}

void fair_queue::detach(pipe& p) {
    auto it = std::find(active_.begin(), active_.end(), &p);
    if (it == active_.end()) return;
    const auto i = static_cast<std::size_t>(it - active_.begin());
    if (i == current_) in_multipart_ = false;
    deactivate(i);
}

int fair_queue::recv(message& msg, pipe** from_out) {
    while (!active_.empty()) {
        pipe* p = active_[current_];
        if (p->read(msg)) {
            if (from_out != nullptr) *from_out = p;
            in_multipart_ = msg.more();
            if (!in_multipart_) if (++current_ == active_.size()) current_ = 0;
            return 0;
        }
        // A pipe cannot run dry in the middle of a message: frames are flushed whole.
        in_multipart_ = false;
        deactivate(current_);
    }
    return EAGAIN;
}

bool fair_queue::has_in() {
    while (!active_.empty()) {
        if (active_[current_]->check_read()) return true;
        deactivate(current_);
    }
    return false;
}

}  // namespace zmx::detail
