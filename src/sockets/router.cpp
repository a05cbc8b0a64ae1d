// ROUTER (RFC 28): routing ids, [id] + message envelopes, the ROUTER options.
#include "sockets/router.hpp"

#include <algorithm>
#include <cerrno>
#include <utility>

#include "sockets/dealer.hpp"
#include "sockets/types.hpp"

namespace zmx::detail {
namespace {
constexpr int router_mandatory_option = 33;    // ZMQ_ROUTER_MANDATORY
constexpr int router_raw_option = 41;          // ZMQ_ROUTER_RAW (deprecated)
constexpr int probe_router_option = 51;        // ZMQ_PROBE_ROUTER
constexpr int router_handover_option = 56;     // ZMQ_ROUTER_HANDOVER
constexpr int connect_routing_id_option = 61;  // ZMQ_CONNECT_ROUTING_ID
constexpr int router_notify_option = 97;       // ZMQ_ROUTER_NOTIFY
constexpr int router_notify_connect = 1;       // ZMQ_NOTIFY_CONNECT
constexpr int router_notify_disconnect = 2;    // ZMQ_NOTIFY_DISCONNECT
}  // namespace

int set_router_option(router_settings& s, int id, const void* value, std::size_t len) {
    if (id == connect_routing_id_option) {  // any non-empty id, as libzmq
        if (value == nullptr || len == 0) return EINVAL;
        s.connect_routing_id.assign(static_cast<const char*>(value), len);
        return 0;
    }
    if (id != router_mandatory_option && id != router_raw_option && id != probe_router_option &&
        id != router_handover_option && id != router_notify_option)
        return -1;
    int v = 0;
    if (read_int_option(value, len, v) != 0 || v < 0) return EINVAL;
    switch (id) {
    case router_mandatory_option: s.mandatory = v != 0; return 0;
    case probe_router_option: s.probe = v != 0; return 0;
    case router_handover_option: s.handover = v != 0; return 0;
    case router_notify_option:
        if (v > (router_notify_connect | router_notify_disconnect)) return EINVAL;
        s.notify = v;
        return 0;
    default: return v == 0 ? 0 : EINVAL;  // ROUTER_RAW: raw mode is not built; turning it off is a no-op
    }
}

int get_router_option(const router_settings& s, int id, void* value, std::size_t* len) {
    if (id != router_notify_option) return -1;
    return write_int_option(s.notify, value, len);
}

bool router::attach(pipe& p) {
    p.keep_routing_ids = true;
    auto r = std::make_unique<peer>();
    p.owner_data = r.get();
    peers_.emplace(&p, std::move(r));
    if (settings_.probe) {  // libzmq ignores a refused write here; a new pipe has room anyway
        message probe;
        if (p.write(probe)) p.flush();
    }
    if (p.locally_initiated && !settings_.connect_routing_id.empty()) {
        rec(p).fixed_id = true;  // the caller named this peer: its own Identity is not used
        claim(p, std::exchange(settings_.connect_routing_id, std::string()));
    }
    read_identity(p);
    return true;
}

void router::detach(pipe& p) {
    const auto it = peers_.find(&p);
    if (it == peers_.end()) return;
    peer& r = *it->second;
    if (r.st == state::active) {
        ids_.erase(r.id, p);
        if (p.peer_closed() && (settings_.notify & router_notify_disconnect) != 0 && r.connected && !r.gone_notified)
            notices_.push_back(r.id);
    }
    fq_.detach(p);
    std::erase(closing_, &p);
    if (current_out_ == &p) current_out_ = nullptr;
    if (current_in_ == &p) {
        current_in_ = nullptr;
        more_in_ = false;
    }
    p.owner_data = nullptr;
    peers_.erase(it);
}

void router::on_readable(pipe& p) {
    peer& r = rec(p);
    if (r.st != state::active) return read_identity(p);
    fq_.activate(p);
    if (p.peer_closed() && (settings_.notify & router_notify_disconnect) != 0 && r.connected && !r.gone_notified &&
        std::find(closing_.begin(), closing_.end(), &p) == closing_.end())
        closing_.push_back(&p);
}

// Reads what a pipe without a routing id has: its routing-id message makes it active (and stops the
// reading); anything else is dropped.
void router::read_identity(pipe& p) {
    peer& r = rec(p);
    message m;
    while (r.st != state::active && p.read(m)) {
        if ((m.flags() & message::flag_routing_id) == 0) {
            while (m.more() && p.read(m)) {  // drop the whole message
            }
            // A first message that is not a routing id: the peer announces none (an inproc peer of a type
            // without one). It gets an auto id; that message is lost.
            if (r.st == state::anonymous) connection_started(p, {});
            continue;
        }
        if (!r.fixed_id) connection_started(p, m.str());
    }
}

// A routing-id message: the start of a connection on p (the first, or a kept connect pipe's next).
void router::connection_started(pipe& p, std::string_view announced) {
    peer& r = rec(p);
    if (r.connected && r.st == state::active && (settings_.notify & router_notify_disconnect) != 0)
        notices_.push_back(r.id);  // a kept pipe reconnected: its previous connection ended
    r.connected = true;
    // A reconnecting peer that announces no id, or the same one, keeps the id it had (as libzmq).
    if (!r.fixed_id && (r.st != state::active || (!announced.empty() && announced != r.id)))
        claim(p, std::string(announced));
    if (r.st == state::active && (settings_.notify & router_notify_connect) != 0) notices_.push_back(r.id);
}

// Gives p the routing id (an auto id if empty). Another live pipe with that id keeps it (p is then
// ignored, as libzmq) unless ZMQ_ROUTER_HANDOVER, when p takes it and the other pipe is retired. A
// pipe whose peer has closed holds on to nothing: p takes its id, and it drains under it.
bool router::claim(pipe& p, std::string id) {
    peer& r = rec(p);
    if (id.empty()) id = ids_.next_auto_id();
    pipe* owner = ids_.find(id);
    pipe* old = owner != nullptr && owner != &p && !owner->peer_closed() ? owner : nullptr;
    if (old != nullptr && !settings_.handover) {
        if (r.st == state::active) {
            ids_.erase(r.id, p);
            fq_.detach(p);
        }
        r.st = state::ignored;
        return false;
    }
    if (r.st == state::active) ids_.erase(r.id, p);
    r.id = std::move(id);
    r.st = state::active;
    ids_.assign(r.id, p);
    fq_.attach(p);
    if (old != nullptr) retire(*old);
    return true;
}

// libzmq terminates a pipe that lost its id to a handover; zmx cannot close a pipe from here, so it is
// ignored instead: nothing goes to it, and what it sends is dropped (after the message being read).
void router::retire(pipe& p) {
    if (current_out_ == &p) current_out_ = nullptr;  // the rest of a message to it is dropped
    if (&p == current_in_ && (staged_ || more_in_)) {
        rec(p).retiring = true;
        return;
    }
    drop_inbound(p);
}

void router::drop_inbound(pipe& p) {
    peer& r = rec(p);
    r.retiring = false;
    r.st = state::ignored;
    fq_.detach(p);
    read_identity(p);  // drains it; a routing-id message (a reconnect) may give it an id again
}

// ROUTER_NOTIFY disconnect: a closed peer's pipe that is drained has had its last message.
void router::check_gone() {
    for (std::size_t i = 0; i < closing_.size();) {
        pipe* p = closing_[i];
        if (p->check_read()) {
            ++i;
            continue;
        }
        peer& r = rec(*p);
        if (r.st == state::active && !r.gone_notified) notices_.push_back(r.id);
        r.gone_notified = true;
        closing_[i] = closing_.back();
        closing_.pop_back();
    }
}

// Stages the next message to deliver: a notice, or the first frame of a peer's message. 0 or EAGAIN.
int router::fetch() {
    for (;;) {
        if (!notices_.empty()) {
            stage_id(notices_.front());
            notices_.pop_front();
            staged_msg_.clear();
            staged_ = true;
            id_sent_ = false;
            current_in_ = nullptr;
            return 0;
        }
        message m;
        pipe* from = nullptr;
        if (fq_.recv(m, &from) != 0) {
            check_gone();
            if (notices_.empty()) return EAGAIN;
            continue;
        }
        if ((m.flags() & message::flag_routing_id) != 0) {  // a kept connect pipe has a new connection
            connection_started(*from, m.str());
            if (rec(*from).st != state::active) read_identity(*from);  // refused its new id: drain it
            continue;
        }
        stage_id(rec(*from).id);
        staged_msg_ = std::move(m);
        staged_ = true;
        id_sent_ = false;
        current_in_ = from;
        return 0;
    }
}

void router::stage_id(std::string_view id) {
    staged_id_ = message(id);
    staged_id_.set_more(true);
}

void router::message_done() {
    pipe* p = std::exchange(current_in_, nullptr);
    if (p != nullptr && rec(*p).retiring) drop_inbound(*p);
}

int router::recv(message& out) {
    if (!staged_ && !more_in_)
        if (const int rc = fetch(); rc != 0) return rc;
    if (staged_) {
        if (!id_sent_) {
            out = std::move(staged_id_);
            if (staged_msg_.metadata() != nullptr) out.set_metadata(staged_msg_.metadata());
            id_sent_ = true;
            return 0;
        }
        out = std::move(staged_msg_);
        staged_ = false;
        if (current_in_ == nullptr) out.set_more(false);  // a notice, or its pipe went away (our disconnect)
        more_in_ = out.more();
        if (!more_in_) message_done();
        return 0;
    }
    if (fq_.recv(out, nullptr) != 0) {  // its pipe went away mid-message (our own disconnect)
        more_in_ = false;
        message_done();
        return EAGAIN;
    }
    more_in_ = out.more();
    if (!more_in_) message_done();
    return 0;
}

bool router::has_in() { return staged_ || more_in_ || fetch() == 0; }

int router::send(message& msg) {
    if (!more_out_) {  // the routing id frame
        if (!msg.more()) {  // an id with no message after it: ignored, as libzmq
            msg.clear();
            return 0;
        }
        pipe* p = ids_.find(msg.str());
        if (p != nullptr && p->peer_closed()) p = nullptr;  // its connection is over
        if (p != nullptr && !p->check_write()) {
            if (settings_.mandatory) return EAGAIN;  // at its HWM: the caller may wait for room
            p = nullptr;                             // at its HWM: dropped
        }
        if (p == nullptr && settings_.mandatory) return EHOSTUNREACH;
        current_out_ = p;
        more_out_ = true;
        msg.clear();
        return 0;
    }
    more_out_ = msg.more();
    if (current_out_ != nullptr) {
        if (!current_out_->write(msg)) {  // cannot happen: room was checked at the message's start
            current_out_->rollback();
            current_out_ = nullptr;
        } else if (!more_out_) {
            current_out_->flush();
        }
    }
    if (!more_out_) current_out_ = nullptr;
    msg.clear();
    return 0;
}

bool router::has_out() {
    if (!settings_.mandatory || more_out_) return true;  // libzmq: always, unless ROUTER_MANDATORY
    return ids_.any_of([](pipe& p) { return !p.peer_closed() && p.check_write(); });
}

std::unique_ptr<socket_type> make_router(const socket_options&) { return std::make_unique<router>(); }

int router::peer_state(std::string_view routing_id, int& out) {
    pipe* p = ids_.find(routing_id);
    if (p == nullptr || p->peer_closed()) return EHOSTUNREACH;
    constexpr int pollout = 2;  // ZMQ_POLLOUT
    out = p->check_write() ? pollout : 0;
    return 0;
}

}  // namespace zmx::detail
