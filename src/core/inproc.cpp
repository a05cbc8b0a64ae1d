// inproc_registry: bound names and waiting connects of one context.
#include "core/inproc.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>

#include "core/mailbox.hpp"

namespace zmx::detail {

int inproc_registry::bind(const std::string& name, binding b, std::vector<inproc_pending>& waiting) {
    std::lock_guard lock(mtx_);
    if (!bound_.try_emplace(name, std::move(b)).second) return EADDRINUSE;
    auto [first, last] = waiting_.equal_range(name);
    for (auto it = first; it != last; ++it) waiting.push_back(std::move(it->second));
    waiting_.erase(first, last);
    return 0;
}

void inproc_registry::unbind(const std::string& name, const socket_mailbox* mailbox) {
    std::lock_guard lock(mtx_);
    auto it = bound_.find(name);
    if (it != bound_.end() && it->second.mailbox.get() == mailbox) bound_.erase(it);
}

bool inproc_registry::connect(const std::string& name, inproc_pending pending, binding& out) {
    std::lock_guard lock(mtx_);
    auto it = bound_.find(name);
    if (it == bound_.end()) {
        waiting_.emplace(name, std::move(pending));
        return false;
    }
    out = it->second;
    return true;
}

void inproc_registry::clear() {
    std::multimap<std::string, inproc_pending, std::less<>> dropped;
    {
        std::lock_guard lock(mtx_);
        dropped.swap(waiting_);
    }
}  // the links go here, outside the lock

endpoint_status inproc_bound::status() const {
    endpoint_status st;
    st.state = done_ ? endpoint_state::stopped : endpoint_state::listening;
    return st;
}

endpoint_status inproc_connection::status() const {
    endpoint_status st;
    const auto link = link_.lock();
    if (!link || link->end(0).peer_closed()) st.state = endpoint_state::stopped;
    else st.state = *joined_ ? endpoint_state::connected : endpoint_state::waiting;
    return st;
}

void inproc_join(pipe_link& link, const inproc_side& connector, const inproc_side& binder) {
    const auto sum = [](int snd, int rcv) {
        return snd != 0 && rcv != 0 ? static_cast<int>(std::min<long long>(INT_MAX, 0LL + snd + rcv)) : 0;
    };
    link.set_hwm(sum(connector.sndhwm, binder.rcvhwm), sum(binder.sndhwm, connector.rcvhwm));
    inproc_greet(link.end(1), binder);
}

void inproc_greet(pipe& own_end, const inproc_side& side) {
    if (side.sends_routing_id) {
        message id(side.routing_id);
        id.set_flags(message::flag_routing_id);
        own_end.write_past_hwm(id);
    }
    if (!side.hello.empty()) {
        message hello(side.hello);
        own_end.write_past_hwm(hello);
    }
}

}  // namespace zmx::detail
