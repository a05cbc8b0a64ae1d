// distributor: per-message target sets, whole-or-nothing delivery per pipe, drop-and-park at the HWM.
#include "sockets/routing/distributor.hpp"

#include <algorithm>

namespace zmx::detail {

bool distributor::stamped(const pipe& p) const noexcept {
    return reinterpret_cast<std::uintptr_t>(p.owner_data) == gen_;
}

void distributor::stamp(pipe& p) noexcept {
    p.owner_data = reinterpret_cast<void*>(gen_);
}

void distributor::attach(pipe& p) {
    p.out_active = true;
    p.owner_data = nullptr;
    pipes_.push_back(&p);
}

void distributor::detach(pipe& p) {
    std::erase(pipes_, &p);
    std::erase(targets_, &p);
    p.out_active = false;
}

void distributor::activate(pipe& p) {
    p.out_active = true;
}

void distributor::unmatch() {
    targets_.clear();
    if (++gen_ == 0) {  // wrapped: old stamps could look current
        for (pipe* p : pipes_) p->owner_data = nullptr;
        gen_ = 1;
    }
}

void distributor::match(pipe& p) {
    if (!p.out_active || stamped(p)) return;
    stamp(p);
    targets_.push_back(&p);
}

void distributor::match_all() {
    unmatch();
    for (pipe* p : pipes_) match(*p);
}

void distributor::reverse_match() {
    targets_.clear();
    const std::uintptr_t matched = gen_;
    unmatch();
    for (pipe* p : pipes_)
        if (reinterpret_cast<std::uintptr_t>(p->owner_data) != matched) match(*p);
}

void distributor::drop_target(std::size_t i) {
    targets_[i] = targets_.back();
    targets_.pop_back();
}

void distributor::send_to_matching(message& msg) {
    const bool more = msg.more();
    more_ = more;
    // Every target but the last gets a copy (large bodies are shared, not copied); the last the original.
    for (std::size_t i = 0; i < targets_.size();) {
        pipe* p = targets_[i];
        const bool last = i + 1 == targets_.size();
        message copy;
        message& m = last ? msg : (copy = msg.copy());
        if (p->peer_closed() || !p->write(m)) {
            // Refused only at the first frame (a started message always fits): the pipe misses it all.
            if (!p->peer_closed()) p->out_active = false;  // parked until on_writable
            drop_target(i);
            continue;
        }
        if (!more) p->flush();
        ++i;
    }
    msg.clear();
    if (!more) unmatch();
}

void distributor::send_to_all(message& msg) {
    if (!more_) match_all();
    send_to_matching(msg);
}

bool distributor::check_hwm() {
    return std::all_of(targets_.begin(), targets_.end(), [](pipe* p) { return p->peer_closed() || p->check_write(); });
}

bool distributor::all_have_room() {
    return std::all_of(pipes_.begin(), pipes_.end(), [](pipe* p) { return p->peer_closed() || p->check_write(); });
}

}  // namespace zmx::detail
