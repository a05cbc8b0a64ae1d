// Uses the installed zmx: one PEER talks to another over tcp.
#include <zmx/zmx.hpp>

int main() {
    zmx::context ctx;
    zmx::socket a(ctx, zmx::socket_type::peer);
    zmx::socket b(ctx, zmx::socket_type::peer);
    a.set(zmx::sockopt::rcvtimeo, 5000);
    a.bind("tcp://127.0.0.1:*");
    const auto id = b.connect_peer(a.get(zmx::sockopt::last_endpoint));
    b.send_to(id, "installed");
    zmx::message m;
    return a.recv(m) && m.str() == "installed" ? 0 : 1;
}
