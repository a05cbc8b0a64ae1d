// XSUB and SUB (RFC 29; libzmq 4.3.x behaviour): counted subscriptions sent upstream as flagged
// 0x01/0x00|topic messages, resent on attach and hiccup, fair-queued receive with SUB's filtering.
#include "sockets/xsub.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>
#include <zmx/options.hpp>

#include "sockets/types.hpp"
#include "sockets/xpub.hpp"

namespace zmx::detail {

namespace {

message make_subscription(bool subscribe, std::string_view topic) {
    message m(1 + topic.size());
    auto* d = static_cast<char*>(m.data());
    d[0] = subscribe ? 1 : 0;
    if (!topic.empty()) std::memcpy(d + 1, topic.data(), topic.size());
    m.set_flags(subscribe ? message::flag_subscribe : message::flag_cancel);
    return m;
}

}  // namespace

bool xsub::attach(pipe& p) {
    fq_.attach(p);
    dist_.attach(p);
    resend_subscriptions(p);  // a new pipe is never a target of a message already under way
    return true;
}

void xsub::detach(pipe& p) {
    fq_.detach(p);
    dist_.detach(p);
    std::erase(resend_later_, &p);
}

void xsub::on_hiccup(pipe& p) {
    // Mid-way through an upstream multipart message the subscriptions would land inside it: they
    // follow its last frame instead.
    if (more_send_) {
        if (std::find(resend_later_.begin(), resend_later_.end(), &p) == resend_later_.end())
            resend_later_.push_back(&p);
        return;
    }
    resend_subscriptions(p);
}

void xsub::resend_subscriptions(pipe& p) {
    subscriptions_.apply([&](std::string_view topic) {
        message m = make_subscription(true, topic);
        // libzmq drops a subscription the pipe has no room for; the subscriber would then never get
        // that topic, so zmx queues it past the HWM (the queue holds only what the app subscribed).
        if (!p.write(m)) p.write_past_hwm(m);
    });
    p.flush();
}

void xsub::send_to_all_pipes(message& msg) {
    for (pipe* p : dist_.pipes()) {
        message m = msg.copy();
        if (!p->write(m)) p->write_past_hwm(m);
        p->flush();
    }
    msg.clear();
}

void xsub::subscription(message& msg, bool subscribe, bool standalone) {
    const std::string_view topic = msg.str().substr(1);
    bool news = true;
    if (subscribe)
        subscriptions_.add(topic);  // every subscribe goes up: XPUB_VERBOSE upstream counts them
    else
        news = subscriptions_.rm(topic) || verbose_unsubs_;
    if (standalone) {
        if (!news) {  // a cancel that leaves the topic subscribed (or that was never subscribed)
            msg.clear();
            return;
        }
        msg.set_flags(subscribe ? message::flag_subscribe : message::flag_cancel);  // a command for ZMTP 3.1
        send_to_all_pipes(msg);
        return;
    }
    // A frame of a multipart message: it travels with the message, as a plain frame (a command would
    // break the message on the wire). libzmq drops a cancel that is not news even here, which can
    // leave the message without its last frame; zmx keeps every frame.
    msg.set_flags(msg.flags() & message::flag_more);
    dist_.send_to_all(msg);
}

int xsub::send(message& msg) {
    const bool first_part = !more_send_;
    more_send_ = msg.more();
    // ZMQ_ONLY_FIRST_SUBSCRIBE: frames after the first are data whatever their first byte (as
    // documented; libzmq 4.3.4 still parses them when the first frame was a subscription).
    const bool may_subscribe = first_part || !only_first_;
    const auto b = msg.bytes();
    if (may_subscribe && !b.empty() && (b[0] == std::byte{1} || b[0] == std::byte{0})) {
        subscription(msg, b[0] == std::byte{1}, first_part && !more_send_);
    } else {  // data for the publishers (an XPUB hands it to its application)
        msg.set_flags(msg.flags() & message::flag_more);
        dist_.send_to_all(msg);
    }
    if (!more_send_ && !resend_later_.empty()) {
        auto later = std::move(resend_later_);
        resend_later_.clear();
        for (pipe* p : later) resend_subscriptions(*p);
    }
    return 0;
}

bool xsub::matches(const message& first) const {
    if (!sub_) return true;  // XSUB does not filter
    return subscriptions_.check(first.str()) != invert_;
}

bool xsub::fetch(message& msg) {
    for (;;) {
        if (fq_.recv(msg) != 0) return false;
        if (matches(msg)) return true;
        // Not wanted: the rest of the message goes too (it is whole in the pipe).
        while (msg.more() && fq_.recv(msg) == 0) {
        }
        msg.clear();
    }
}

int xsub::recv(message& msg) {
    if (has_prefetched_) {
        msg = std::move(prefetched_);
        has_prefetched_ = false;
    } else if (more_recv_ && fq_.recv(msg) == 0) {
        // the next frame of the message being read
    } else {
        more_recv_ = false;  // (a message cut short by a disconnect() ends where it was cut)
        if (!fetch(msg)) return EAGAIN;
    }
    more_recv_ = msg.more();
    return 0;
}

bool xsub::has_in() {
    if (has_prefetched_ || (more_recv_ && fq_.has_in())) return true;
    more_recv_ = false;
    has_prefetched_ = fetch(prefetched_);
    return has_prefetched_;
}

int xsub::set_option(int id, const void* value, std::size_t len) {
    using namespace zmx::sockopt;
    if (id == invert_matching.id) {  // libzmq: a common option, used by SUB's filter only
        int v = 0;
        if (read_int_option(value, len, v) != 0) return EINVAL;
        invert_ = v != 0;
        return 0;
    }
    if (sub_) {
        if (id != subscribe.id && id != unsubscribe.id) return -1;
        if (value == nullptr && len > 0) return EINVAL;
        message m = make_subscription(id == subscribe.id, {static_cast<const char*>(value), len});
        subscription(m, id == subscribe.id, true);
        return 0;
    }
    // XSUB: subscriptions are messages; libzmq 4.3.4 refuses ZMQ_SUBSCRIBE here (EINVAL).
    if (id == only_first_subscribe.id || id == xsub_verbose_unsubscribe_option) {
        int v = 0;
        if (read_int_option(value, len, v) != 0 || v < 0) return EINVAL;
        (id == only_first_subscribe.id ? only_first_ : verbose_unsubs_) = v != 0;
        return 0;
    }
    if (id == subscribe.id || id == unsubscribe.id) return EINVAL;
    return -1;
}

int xsub::get_option(int id, void* value, std::size_t* len) const {
    if (id == zmx::sockopt::invert_matching.id) return write_int_option(invert_ ? 1 : 0, value, len);
    if (id == topics_count_option) return write_int_option(static_cast<int>(subscriptions_.size()), value, len);
    return -1;
}

std::unique_ptr<socket_type> make_xsub(const socket_options&) {
    return std::make_unique<xsub>(false);
}

}  // namespace zmx::detail
