#pragma once
// server — SERVER (RFC 41) and the base of PEER (RFC 51): each peer pipe gets a uint32 routing id;
// received messages carry it, sends go to the pipe with the message's id (EHOSTUNREACH if unknown),
// waiting (EAGAIN) while that pipe is at its HWM — never dropping. Single-part messages only.
#include "sockets/routing/fair_queue.hpp"
#include "sockets/routing/routing_table.hpp"
#include "sockets/socket_type.hpp"

namespace zmx::detail {

class server : public socket_type {
public:
    bool attach(pipe& p) override;
    void detach(pipe& p) override;
    void on_readable(pipe& p) override { fq_.activate(p); }
    void on_writable(pipe&) override {}
    int send(message& msg) override;
    int recv(message& msg) override;
    bool has_in() override { return fq_.has_in(); }
    // As libzmq: a message to any peer may be sent (or fail with EHOSTUNREACH) without waiting.
    bool has_out() override { return true; }
    pipe* find_peer(std::uint32_t routing_id) override { return table_.find(routing_id); }

private:
    fair_queue fq_;
    routing_table table_;
};

}  // namespace zmx::detail
