// PULL (RFC 30 PIPELINE): fair-queued receive from every PUSH peer, one whole message from each in
// turn. It does not send. Runs under the socket's lock on the caller's thread.
#include <cerrno>

#include "sockets/routing/fair_queue.hpp"
#include "sockets/socket_type.hpp"
#include "sockets/types.hpp"

namespace zmx::detail {
namespace {

class pull final : public socket_type {
public:
    bool attach(pipe& p) override {
        fq_.attach(p);
        return true;
    }
    void detach(pipe& p) override { fq_.detach(p); }
    void on_readable(pipe& p) override { fq_.activate(p); }
    void on_writable(pipe&) override {}
    int send(message&) override { return ENOTSUP; }  // the shell refuses first (can_send is false)
    int recv(message& msg) override { return fq_.recv(msg); }
    bool has_in() override { return fq_.has_in(); }

private:
    fair_queue fq_;
};

}  // namespace

std::unique_ptr<socket_type> make_pull(const socket_options&) { return std::make_unique<pull>(); }

}  // namespace zmx::detail
