// zmx demo: two processes talk over PEER sockets.
//   zmx_peer_demo bind <endpoint>     binds (prints "ENDPOINT <endpoint>"), answers each greeting
//   zmx_peer_demo connect <endpoint>  connect_peer()s, sends greetings, prints the ids on both sides
#include <cstdio>
#include <cstdlib>
#include <string>
#include <zmx/zmx.hpp>

namespace {
constexpr int rounds = 5;

int run_binder(zmx::context& ctx, const std::string& endpoint) {
    zmx::socket s(ctx, zmx::socket_type::peer);
    s.set(zmx::sockopt::rcvtimeo, 10000);
    s.bind(endpoint);
    std::printf("ENDPOINT %s\n", s.get(zmx::sockopt::last_endpoint).c_str());
    std::fflush(stdout);
    for (int i = 0; i < rounds; ++i) {
        zmx::message msg;
        if (!s.recv(msg)) {
            std::fprintf(stderr, "binder: no message within 10 s\n");
            return 1;
        }
        std::printf("[binder]    got \"%s\" from peer id %u\n", std::string(msg.str()).c_str(), msg.routing_id());
        const std::string reply = "hello back #" + std::to_string(i) + ", you are peer " + std::to_string(msg.routing_id());
        s.send_to(msg.routing_id(), reply);
    }
    return 0;
}

int run_connector(zmx::context& ctx, const std::string& endpoint) {
    zmx::socket s(ctx, zmx::socket_type::peer);
    s.set(zmx::sockopt::rcvtimeo, 10000);
    const std::uint32_t id = s.connect_peer(endpoint);
    std::printf("[connector] connect_peer(%s) returned routing id %u (before the link is up)\n", endpoint.c_str(), id);
    for (int i = 0; i < rounds; ++i) {
        s.send_to(id, "hello #" + std::to_string(i));
        zmx::message reply;
        if (!s.recv(reply)) {
            std::fprintf(stderr, "connector: no reply within 10 s\n");
            return 1;
        }
        std::printf("[connector] got \"%s\" from peer id %u\n", std::string(reply.str()).c_str(), reply.routing_id());
        if (reply.routing_id() != id) {
            std::fprintf(stderr, "connector: reply came from id %u, expected %u\n", reply.routing_id(), id);
            return 1;
        }
    }
    return 0;
}
}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s bind|connect <endpoint>\n", argv[0]);
        return 2;
    }
    try {
        zmx::context ctx;
        const std::string mode = argv[1];
        if (mode == "bind") return run_binder(ctx, argv[2]);
        if (mode == "connect") return run_connector(ctx, argv[2]);
        std::fprintf(stderr, "unknown mode %s\n", argv[1]);
        return 2;
    } catch (const zmx::error& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
