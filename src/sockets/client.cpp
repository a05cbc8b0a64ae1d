// CLIENT (RFC 41): round-robin send to peers with room, fair-queued receive, single-part only.
#include "sockets/routing/fair_queue.hpp"
#include "sockets/routing/load_balancer.hpp"
#include "sockets/socket_type.hpp"
#include "sockets/types.hpp"

namespace zmx::detail {
namespace {

class client final : public socket_type {
public:
    void attach(pipe& p) override {
        fq_.attach(p);
        lb_.attach(p);
    }
    void detach(pipe& p) override {
        fq_.detach(p);
        lb_.detach(p);
    }
    void on_readable(pipe& p) override { fq_.activate(p); }
    void on_writable(pipe& p) override { lb_.activate(p); }
    int send(message& msg) override { return lb_.send(msg); }
    int recv(message& msg) override {
        for (;;) {
            const int rc = fq_.recv(msg);
            if (rc != 0 || !msg.more()) return rc;
            while (msg.more() && fq_.recv(msg) == 0) {  // drop multipart messages whole
            }
        }
    }

private:
    fair_queue fq_;
    load_balancer lb_;
};

}  // namespace

std::unique_ptr<socket_type> make_client(const socket_options&) { return std::make_unique<client>(); }

}  // namespace zmx::detail
