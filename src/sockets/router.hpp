#pragma once
// router — ROUTER (RFC 28): every peer has a routing id (its ZMTP Identity, ZMQ_CONNECT_ROUTING_ID,
// or an auto id); received messages come out as [routing id] + the message, and a message sent as
// [routing id] + body goes to that peer only (dropped, or EHOSTUNREACH/EAGAIN with
// ZMQ_ROUTER_MANDATORY, when it cannot). Options: ROUTER_MANDATORY, ROUTER_HANDOVER, PROBE_ROUTER,
// ROUTER_NOTIFY, CONNECT_ROUTING_ID. Owned by the socket; every method runs under the socket's lock
// on the caller's thread and never blocks.
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sockets/routing/fair_queue.hpp"
#include "sockets/routing/id_table.hpp"
#include "sockets/socket_type.hpp"

namespace zmx::detail {

// ROUTER's own options. libzmq's REP is a ROUTER underneath and accepts them too.
struct router_settings {
    bool mandatory = false;          // ZMQ_ROUTER_MANDATORY
    bool handover = false;           // ZMQ_ROUTER_HANDOVER
    bool probe = false;              // ZMQ_PROBE_ROUTER
    int notify = 0;                  // ZMQ_ROUTER_NOTIFY: ZMQ_NOTIFY_CONNECT 1 | ZMQ_NOTIFY_DISCONNECT 2
    std::string connect_routing_id;  // ZMQ_CONNECT_ROUTING_ID: the peer id of the next connect
};
// zmq_setsockopt for those options: 0, EINVAL, or -1 if id is not one of them.
int set_router_option(router_settings& s, int id, const void* value, std::size_t len);
// zmq_getsockopt: only ZMQ_ROUTER_NOTIFY reads back (as libzmq); -1 for other ids.
int get_router_option(const router_settings& s, int id, void* value, std::size_t* len);

class router final : public socket_type {
public:
    bool attach(pipe& p) override;
    void detach(pipe& p) override;
    void on_readable(pipe& p) override;
    void on_writable(pipe&) override {}
    int send(message& msg) override;
    int recv(message& msg) override;
    bool has_in() override;
    bool has_out() override;
    int peer_state(std::string_view routing_id, int& out) override;
    int set_option(int id, const void* value, std::size_t len) override {
        return set_router_option(settings_, id, value, len);
    }
    int get_option(int id, void* value, std::size_t* len) const override {
        return get_router_option(settings_, id, value, len);
    }

private:
    enum class state {
        anonymous,  // its routing-id message has not been read yet
        active,     // has a routing id: in fq_ and (if it still owns it) in ids_
        ignored,    // lost its id or was refused one: its messages are dropped
    };
    struct peer {
        std::string id;
        state st = state::anonymous;
        bool fixed_id = false;       // from ZMQ_CONNECT_ROUTING_ID: the peer's Identity is not used
        bool connected = false;      // a routing-id message (one per connection) has been seen
        bool gone_notified = false;  // ROUTER_NOTIFY's disconnect notice is out
        bool retiring = false;       // handed over while its message was being read: ignore it after
    };
    static peer& rec(pipe& p) { return *static_cast<peer*>(p.owner_data); }

    void read_identity(pipe& p);
    bool claim(pipe& p, std::string id);
    void connection_started(pipe& p, std::string_view announced);
    void retire(pipe& p);
    void drop_inbound(pipe& p);
    void check_gone();
    int fetch();
    void stage_id(std::string_view id);
    void message_done();

    router_settings settings_;
    id_table ids_;
    fair_queue fq_;  // active pipes
    std::unordered_map<pipe*, std::unique_ptr<peer>> peers_;
    std::vector<pipe*> closing_;       // peer closed: notify once drained (ROUTER_NOTIFY disconnect)
    std::deque<std::string> notices_;  // ROUTER_NOTIFY: [id][""] messages to deliver

    // Receiving: a message whose id frame and first frame are staged, then the rest from fq_.
    bool staged_ = false;
    bool id_sent_ = false;
    message staged_id_;  // the routing id frame (MORE set)
    message staged_msg_;
    bool more_in_ = false;
    pipe* current_in_ = nullptr;
    // Sending: after the id frame, the frames go to current_out_ (null: dropped).
    bool more_out_ = false;
    pipe* current_out_ = nullptr;
};

}  // namespace zmx::detail
