// PUSH (RFC 30 PIPELINE): sends each whole message to the next peer that has room (round robin over
// the PULL peers); waits (EAGAIN to the shell) while no peer has room or there is none, and never
// drops. It does not receive. Runs under the socket's lock on the caller's thread.
#include <cerrno>

#include "sockets/routing/load_balancer.hpp"
#include "sockets/socket_type.hpp"
#include "sockets/types.hpp"

namespace zmx::detail {
namespace {

class push final : public socket_type {
public:
    bool attach(pipe& p) override {
        lb_.attach(p);
        return true;
    }
    void detach(pipe& p) override { lb_.detach(p); }
    void on_readable(pipe&) override {}  // a PULL never sends: nothing to read
    void on_writable(pipe& p) override { lb_.activate(p); }
    int send(message& msg) override { return lb_.send(msg); }
    int recv(message&) override { return ENOTSUP; }  // the shell refuses first (can_recv is false)
    bool has_out() override { return lb_.has_out(); }

private:
    load_balancer lb_;
};

}  // namespace

std::unique_ptr<socket_type> make_push(const socket_options&) { return std::make_unique<push>(); }

}  // namespace zmx::detail
