// CLIENT (RFC 41): round-robin send to peers with room, fair-queued receive, single-part only.
#include "sockets/routing/fair_queue.hpp"
#include "sockets/routing/load_balancer.hpp"
#include "sockets/socket_type.hpp"
#include "sockets/types.hpp"

namespace zmx::detail {
namespace {

class client final : public socket_type {
public:
    bool attach(pipe& p) override {
        fq_.attach(p);
        lb_.attach(p);
        return true;
    }
    void detach(pipe& p) override {
        fq_.detach(p);
        lb_.detach(p);
    }
    void on_readable(pipe& p) override { fq_.activate(p); }
    void on_writable(pipe& p) override { lb_.activate(p); }
    int send(message& msg) override { return lb_.send(msg); }
    bool has_in() override { return fq_.has_in(); }
    bool has_out() override { return lb_.has_out(); }
    int recv(message& msg) override {
        message m;
        for (;;) {
            if (const int rc = fq_.recv(m); rc != 0) return rc;
            if (!m.more()) break;
            while (m.more() && fq_.recv(m) == 0) {  // drop multipart messages whole
            }
        }
        msg = std::move(m);
        return 0;
    }

private:
    fair_queue fq_;
    load_balancer lb_;
};

}  // namespace

std::unique_ptr<socket_type> make_client(const socket_options&) { return std::make_unique<client>(); }

}  // namespace zmx::detail
