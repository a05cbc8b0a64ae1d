// XPUB and PUB (RFC 29; libzmq 4.3.x behaviour): subscriptions from pipes into the mtrie, unique
// (or verbose) notifications for the application, fan-out by prefix, and the XPUB options.
#include "sockets/xpub.hpp"

#include <cerrno>
#include <cstring>
#include <utility>
#include <zmx/options.hpp>

#include "sockets/types.hpp"

namespace zmx::detail {

namespace {

std::string_view topic_of(const message& m) {
    return m.str().substr(1);
}

// A subscription message body: 0x01 (subscribe) or 0x00 (cancel), then the topic.
bool is_subscription(const message& m) {
    const auto b = m.bytes();
    return !b.empty() && (b[0] == std::byte{1} || b[0] == std::byte{0});
}

}  // namespace

bool xpub::attach(pipe& p) {
    dist_.attach(p);
    if (!welcome_.empty()) {  // XPUB_WELCOME_MSG: the first message of every new subscriber
        message w(welcome_);
        if (!p.write(w)) p.write_past_hwm(w);
        p.flush();
    }
    on_readable(p);  // subscriptions may be waiting already (inproc)
    return true;
}

void xpub::detach(pipe& p) {
    // The pipe's subscriptions go; the application hears the cancels (unique ones unless verbose).
    auto cancel = [this](std::string_view topic) { queue_cancel(topic); };
    if (manual_) {
        manual_subs_.rm(&p, cancel, false);
        subscriptions_.rm(&p, nullptr, false);
    } else {
        subscriptions_.rm(&p, cancel, !verbose_unsubs_);
        manual_subs_.rm(&p, nullptr, false);
    }
    dist_.detach(p);
    if (last_pipe_ == &p) last_pipe_ = nullptr;
    for (auto& e : pending_)
        if (e.from == &p) e.from = nullptr;
}

void xpub::queue_cancel(std::string_view topic) {
    if (pub_) return;
    message m(1 + topic.size());
    auto* d = static_cast<char*>(m.data());
    d[0] = 0;
    if (!topic.empty()) std::memcpy(d + 1, topic.data(), topic.size());
    pending_.push_back({std::move(m), nullptr, true});
    if (manual_) last_pipe_ = nullptr;
}

void xpub::on_readable(pipe& p) {
    // Messages are whole in the pipe, so "first frame of a message" is local to this drain.
    bool first_part = true;
    bool open = false;  // the last frame queued for the application has MORE
    message msg;
    while (p.read(msg)) {
        const bool more = msg.more();
        // ZMQ_ONLY_FIRST_SUBSCRIBE: only a message's first frame may be a subscription, the rest is
        // data (as documented; libzmq 4.3.4's code also takes later frames after a first subscription).
        const bool may_subscribe = first_part || !only_first_;
        first_part = !more;
        const std::size_t queued = pending_.size();
        if (may_subscribe && is_subscription(msg)) {
            subscription(p, msg, msg.bytes()[0] == std::byte{1});
        } else if (!pub_) {  // a message from upstream (XSUB): the application gets it, MORE and all
            msg.set_flags(msg.flags() & message::flag_more);
            pending_.push_back({std::move(msg), &p, false});
        }
        if (pending_.size() != queued) open = pending_.back().msg.more();
        if (!more && open) {  // the message ended with a frame taken as a subscription and not passed:
            pending_.back().msg.set_more(false);  // end it at its last frame the application gets
            open = false;
        }
        msg.clear();
    }
}

void xpub::subscription(pipe& p, message& msg, bool subscribe) {
    const std::string_view topic = topic_of(msg);
    bool notify = false;
    if (manual_) {  // recorded only; the application applies it with ZMQ_SUBSCRIBE / ZMQ_UNSUBSCRIBE
        if (subscribe)
            manual_subs_.add(topic, &p);
        else
            manual_subs_.rm(topic, &p);
        notify = true;
    } else if (subscribe) {
        notify = subscriptions_.add(topic, &p) || verbose_subs_;
    } else {
        const auto r = subscriptions_.rm(topic, &p);
        // Unique mode passes the cancel that leaves the topic without subscribers. libzmq 4.3.4 also
        // passes a cancel from a pipe that was not subscribed while others still are (its "not_found"),
        // which would make a proxy cancel the topic upstream for them: zmx does not.
        notify = verbose_unsubs_ || r == mtrie::rm_result::last_value_removed ||
                 (r == mtrie::rm_result::not_found && !subscriptions_.contains(topic));
    }
    if (!notify || pub_) return;
    msg.set_flags(0);  // the application sees the 0x01/0x00|topic message itself, single-part
    pending_.push_back({std::move(msg), &p, true});
}

void xpub::select_targets(const message& first) {
    dist_.unmatch();
    const std::string_view data = first.str();
    if (manual_ && send_last_pipe_ && last_pipe_ != nullptr) {  // LAST_VALUE: only the new subscriber
        pipe* only = last_pipe_;
        subscriptions_.match(data, [&](pipe* p) {
            if (p == only) dist_.match(*p);
        });
    } else {
        subscriptions_.match(data, [&](pipe* p) { dist_.match(*p); });
    }
    if (invert_) dist_.reverse_match();
}

int xpub::send(message& msg) {
    const bool more = msg.more();
    if (!more_send_) select_targets(msg);
    if (!lossy_ && !dist_.check_hwm()) return EAGAIN;  // XPUB_NODROP: wait for room (targets chosen again)
    if (!more_send_ && manual_ && send_last_pipe_) last_pipe_ = nullptr;  // that one message went
    msg.set_flags(msg.flags() & message::flag_more);
    dist_.send_to_matching(msg);
    more_send_ = more;
    return 0;
}

int xpub::recv(message& msg) {
    if (pending_.empty()) return EAGAIN;
    pending& e = pending_.front();
    if (manual_ && e.subscription) last_pipe_ = e.from;
    msg = std::move(e.msg);
    pending_.pop_front();
    return 0;
}

int xpub::set_option(int id, const void* value, std::size_t len) {
    using namespace zmx::sockopt;
    if (value == nullptr && len > 0) return EINVAL;
    const std::string_view bytes(static_cast<const char*>(value), len);
    if (id == xpub_verbose.id || id == xpub_verboser.id || id == xpub_nodrop.id || id == xpub_manual.id ||
        id == xpub_manual_last_value.id || id == only_first_subscribe.id) {
        int v = 0;
        if (read_int_option(value, len, v) != 0 || v < 0) return EINVAL;
        const bool on = v != 0;
        if (id == xpub_verbose.id) {
            verbose_subs_ = on;
            verbose_unsubs_ = false;
        } else if (id == xpub_verboser.id) {
            verbose_subs_ = verbose_unsubs_ = on;
        } else if (id == xpub_nodrop.id) {
            lossy_ = !on;
        } else if (id == xpub_manual.id) {
            manual_ = on;
        } else if (id == xpub_manual_last_value.id) {
            manual_ = send_last_pipe_ = on;
        } else {
            only_first_ = on;
        }
        return 0;
    }
    if (id == invert_matching.id) {
        int v = 0;
        if (read_int_option(value, len, v) != 0) return EINVAL;
        invert_ = v != 0;
        return 0;
    }
    if (id == xpub_welcome_msg.id) {
        welcome_.assign(bytes);
        return 0;
    }
    if (id == subscribe.id || id == unsubscribe.id) {
        // XPUB_MANUAL: applies to the pipe whose subscription was received last (none: no-op).
        if (!manual_) return EINVAL;
        if (last_pipe_ == nullptr) return 0;
        if (id == subscribe.id)
            subscriptions_.add(bytes, last_pipe_);
        else
            subscriptions_.rm(bytes, last_pipe_);
        return 0;
    }
    return -1;
}

int xpub::get_option(int id, void* value, std::size_t* len) const {
    if (id == zmx::sockopt::invert_matching.id) return write_int_option(invert_ ? 1 : 0, value, len);
    if (id == topics_count_option) return write_int_option(static_cast<int>(subscriptions_.size()), value, len);
    return -1;
}

std::unique_ptr<socket_type> make_xpub(const socket_options&) {
    return std::make_unique<xpub>(false);
}

}  // namespace zmx::detail
