// STREAM: raw TCP (or ipc) peers, no ZMTP (its connections run a raw_engine). Each connection is a pipe
// with a routing id: 5 bytes, 0x00 and a big-endian uint32 counter from a random start, or the
// ZMQ_CONNECT_ROUTING_ID set before a connect. recv gives [routing id (MORE)][bytes as read]; an empty
// body is the connect or disconnect notification (dropped unless ZMQ_STREAM_NOTIFY). send takes
// [routing id (SNDMORE)][bytes]: the bytes are written as they are, an empty body closes that
// connection once what was sent before is written, and an unknown id is EHOSTUNREACH. As libzmq:
// a first frame without SNDMORE is swallowed along with the frame after it; MORE on the data frame is
// ignored; getsockopt(ZMQ_ROUTING_ID) gives the last id assigned. Runs under the socket's lock on the
// caller's thread; never blocks.
#include <cerrno>
#include <cstring>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>

#include "sockets/routing/fair_queue.hpp"
#include "sockets/socket_type.hpp"
#include "sockets/types.hpp"

namespace zmx::detail {
namespace {

constexpr int routing_id_option = 5;           // ZMQ_ROUTING_ID
constexpr int connect_routing_id_option = 61;  // ZMQ_CONNECT_ROUTING_ID
constexpr int stream_notify_option = 73;       // ZMQ_STREAM_NOTIFY

class stream_socket final : public socket_type {
public:
    stream_socket() : next_id_(static_cast<std::uint32_t>(std::random_device{}())) {}

    bool attach(pipe& p) override;
    void detach(pipe& p) override;
    void on_readable(pipe& p) override;
    void on_writable(pipe&) override {}
    int send(message& msg) override;
    int recv(message& msg) override;
    bool has_in() override { return prefetched_ || fetch() == 0; }
    bool has_out() override { return true; }  // as libzmq: whether a send succeeds depends on its peer
    int set_option(int id, const void* value, std::size_t len) override;
    int get_option(int id, void* value, std::size_t* len) const override;

private:
    struct peer {
        std::string id;
        bool notify = true;   // ZMQ_STREAM_NOTIFY when the connection was attached
        bool closed = false;  // the application closed it (empty frame): its id is gone, input dropped
    };
    static peer* peer_of(pipe& p) { return static_cast<peer*>(p.owner_data); }
    std::string next_auto_id();
    void close_peer(pipe& p, peer& pr);
    static void drain(pipe& p);
    int fetch();

    fair_queue fq_;
    std::unordered_map<pipe*, std::unique_ptr<peer>> peers_;
    std::unordered_map<std::string, pipe*> by_id_;  // open connections only
    std::uint32_t next_id_;
    std::string connect_routing_id_;  // for the next pipe of a connect, then cleared
    std::string last_auto_id_;        // ZMQ_ROUTING_ID reads it while has_auto_id_
    bool has_auto_id_ = false;
    bool notify_ = true;

    // Send: the routing-id frame chose current_out_ (null: the data frame is dropped).
    bool more_out_ = false;
    pipe* current_out_ = nullptr;

    // Receive: a data message fetched ahead, with its routing-id frame.
    message prefetched_id_;
    message prefetched_msg_;
    bool prefetched_ = false;
    bool id_sent_ = false;
};

std::string stream_socket::next_auto_id() {
    std::string id(5, '\0');
    do {
        const std::uint32_t n = next_id_++;
        for (int i = 0; i < 4; ++i) id[static_cast<std::size_t>(1 + i)] = static_cast<char>(n >> (24 - 8 * i));
    } while (by_id_.contains(id));
    return id;
}

bool stream_socket::attach(pipe& p) {
    auto pr = std::make_unique<peer>();
    if (p.locally_initiated && !connect_routing_id_.empty()) {
        pr->id = std::exchange(connect_routing_id_, std::string());
        if (by_id_.contains(pr->id)) return false;  // a duplicate id: refused (libzmq asserts)
    } else {
        pr->id = next_auto_id();
        last_auto_id_ = pr->id;
        has_auto_id_ = true;
    }
    pr->notify = notify_;
    p.owner_data = pr.get();
    by_id_.emplace(pr->id, &p);
    peers_.emplace(&p, std::move(pr));
    fq_.attach(p);
    return true;
}

void stream_socket::detach(pipe& p) {
    fq_.detach(p);
    if (peer* pr = peer_of(p); pr != nullptr && !pr->closed) by_id_.erase(pr->id);
    if (current_out_ == &p) current_out_ = nullptr;  // the data frame to come is dropped
    p.owner_data = nullptr;
    peers_.erase(&p);
}

void stream_socket::on_readable(pipe& p) {
    if (peer* pr = peer_of(p); pr != nullptr && pr->closed) return drain(p);
    fq_.activate(p);
}

void stream_socket::drain(pipe& p) {
    message m;
    while (p.read(m)) m.clear();
}

// The application ended this connection: the engine closes it after writing what came before the
// empty message. The id is gone at once and whatever the peer still sends is dropped.
void stream_socket::close_peer(pipe& p, peer& pr) {
    message end;
    if (p.write(end)) p.flush();  // room was checked with the routing-id frame
    pr.closed = true;
    by_id_.erase(pr.id);
    drain(p);
}

int stream_socket::send(message& msg) {
    if (!more_out_) {
        // The routing-id frame. Without MORE it is malformed: libzmq swallows it and the frame after.
        if (msg.more()) {
            auto it = by_id_.find(std::string(msg.str()));
            if (it == by_id_.end() || it->second->peer_closed()) return EHOSTUNREACH;
            if (!it->second->check_write()) return EAGAIN;
            current_out_ = it->second;
        }
        more_out_ = true;
        msg.clear();
        return 0;
    }
    more_out_ = false;
    pipe* p = std::exchange(current_out_, nullptr);
    if (p != nullptr) {
        if (msg.size() == 0) {
            close_peer(*p, *peer_of(*p));
        } else {
            msg.set_more(false);  // ignored on the data frame: one frame is one write
            if (p->write(msg)) p->flush();
        }
    }
    msg.clear();
    return 0;
}

// Fetches the next message worth delivering into the prefetch slots. 0 or EAGAIN.
int stream_socket::fetch() {
    message m;
    pipe* from = nullptr;
    peer* pr = nullptr;
    for (;;) {
        if (const int rc = fq_.recv(m, &from); rc != 0) return rc;
        if (m.more()) {  // never from a raw engine (an inproc peer of another kind): dropped whole
            while (m.more() && fq_.recv(m, &from) == 0) {
            }
            continue;
        }
        pr = peer_of(*from);
        if (pr == nullptr || pr->closed) continue;
        if (m.size() == 0 && !pr->notify) continue;  // a notification nobody asked for
        break;
    }
    prefetched_id_ = message(pr->id.data(), pr->id.size());
    if (m.metadata() != nullptr) prefetched_id_.set_metadata(m.metadata());
    prefetched_id_.set_more(true);
    prefetched_msg_ = std::move(m);
    prefetched_ = true;
    id_sent_ = false;
    return 0;
}

int stream_socket::recv(message& msg) {
    if (!prefetched_)
        if (const int rc = fetch(); rc != 0) return rc;
    if (!id_sent_) {
        msg = std::move(prefetched_id_);
        id_sent_ = true;
    } else {
        msg = std::move(prefetched_msg_);
        prefetched_ = false;
    }
    return 0;
}

int stream_socket::set_option(int id, const void* value, std::size_t len) {
    switch (id) {
    case stream_notify_option: {
        int v = 0;
        if (read_int_option(value, len, v) != 0 || (v != 0 && v != 1)) return EINVAL;
        notify_ = v == 1;
        return 0;
    }
    case connect_routing_id_option:
        if (value == nullptr || len == 0) return EINVAL;  // as libzmq: no empty id
        connect_routing_id_.assign(static_cast<const char*>(value), len);
        return 0;
    case routing_id_option:
        if (value != nullptr && len >= 1 && len <= 255) has_auto_id_ = false;  // the application's own,
        return -1;                                                              // kept by the common table
    default: return -1;
    }
}

int stream_socket::get_option(int id, void* value, std::size_t* len) const {
    if (id != routing_id_option || !has_auto_id_) return -1;
    if (len == nullptr || *len < last_auto_id_.size() || value == nullptr) return EINVAL;
    std::memcpy(value, last_auto_id_.data(), last_auto_id_.size());
    *len = last_auto_id_.size();
    return 0;
}

}  // namespace

std::unique_ptr<socket_type> make_stream(const socket_options&) { return std::make_unique<stream_socket>(); }

}  // namespace zmx::detail
