// Socket mailboxes: sockets joined by inproc pipes post to each other while each holds its own lock;
// posting must never wait for the other socket's lock (no lock-order deadlock).
#include "sockets/support.hpp"

using namespace zmx::test;

TEST_CASE("mailbox: two inproc peers sending to each other at full speed do not deadlock", "[mailbox]") {
    zmx::context ctx;
    zmx::socket a(ctx, zmx::socket_type::peer);
    zmx::socket b(ctx, zmx::socket_type::peer);
    for (zmx::socket* s : {&a, &b}) {
        s->set(zmx::sockopt::linger, 0);
        s->set(zmx::sockopt::sndhwm, 8);  // small windows: many full/writable transitions
        s->set(zmx::sockopt::rcvhwm, 8);
        set_timeouts(*s);
    }
    a.bind("inproc://mailbox-a");
    b.bind("inproc://mailbox-b");
    std::uint32_t to_b = 0;
    std::uint32_t to_a = 0;
    {
        // Both connect at once: each posts a new pipe to the other while holding its own lock.
        background ca([&] { to_b = a.connect_peer("inproc://mailbox-b"); });
        background cb([&] { to_a = b.connect_peer("inproc://mailbox-a"); });
        REQUIRE(ca.wait(timeout));
        REQUIRE(cb.wait(timeout));
    }
    constexpr int n = 2000;
    auto pump = [n](zmx::socket& s, std::uint32_t to) {
        int sent = 0;
        int got = 0;
        zmx::message m;
        while (sent < n || got < n) {
            if (sent < n && s.send_to(to, "x", zmx::send_flags::dontwait)) ++sent;
            while (got < n && s.recv(m, zmx::recv_flags::dontwait)) ++got;
        }
    };
    REQUIRE(finishes_within([&] {
        background other([&] { pump(b, to_a); });
        pump(a, to_b);
        other.wait(timeout);
    }));
}
