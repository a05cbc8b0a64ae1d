// SERVER: routing-id addressed replies, fair-queued receive.
#include "sockets/server.hpp"

#include <cerrno>

#include "sockets/types.hpp"

namespace zmx::detail {

bool server::attach(pipe& p) {
    table_.add(p);
    fq_.attach(p);
    return true;
}

void server::detach(pipe& p) {
    fq_.detach(p);
    table_.remove(p);
}

int server::send(message& msg) {
    pipe* p = table_.find(msg.routing_id());
    if (p == nullptr || p->peer_closed()) return EHOSTUNREACH;  // a closed peer's id is already dead
    const std::uint32_t id = msg.routing_id();
    msg.set_routing_id(0);
    if (!p->write(msg)) {
        msg.set_routing_id(id);
        return EAGAIN;
    }
    p->flush();
    return 0;
}

int server::recv(message& msg) {
    pipe* from = nullptr;
    message m;
    for (;;) {
        const int rc = fq_.recv(m, &from);
        if (rc != 0) return rc;
        if (!m.more()) break;
        // Multipart messages are not for this socket type: drop the whole message.
        while (m.more() && fq_.recv(m, &from) == 0) {
        }
    }
    m.set_routing_id(from->routing_id);
    msg = std::move(m);
    return 0;
}

std::unique_ptr<socket_type> make_server(const socket_options&) { return std::make_unique<server>(); }

}  // namespace zmx::detail
