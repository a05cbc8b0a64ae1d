// include/zmx.h: the C extension for endpoint status, on sockets made by the C++ API.
#include <zmx.h>

#include "sockets/support.hpp"

using namespace zmx::test;

TEST_CASE("zmx.h: zmx_socket_endpoints reports each endpoint and its errors", "[capi-ext]") {
    zmx::context ctx;
    zmx::socket server(ctx, zmx::socket_type::server);
    zmx::socket client(ctx, zmx::socket_type::client);
    server.set(zmx::sockopt::linger, 0);
    client.set(zmx::sockopt::linger, 0);
    const std::string ep = bind_any(server);
    const std::string refused = local_ep(free_port());
    client.connect(refused);

    size_t n = 0;
    REQUIRE(zmx_socket_endpoints(server.handle(), nullptr, &n) == 0);
    CHECK(n == 1);
    zmx_endpoint_status_t st[4];
    n = 4;
    REQUIRE(zmx_socket_endpoints(server.handle(), st, &n) == 0);
    REQUIRE(n == 1);
    CHECK(std::string(st[0].endpoint) == ep);
    CHECK(st[0].bound == 1);
    CHECK(st[0].state == ZMX_ENDPOINT_LISTENING);

    CHECK(wait_until([&] {
        n = 4;
        return zmx_socket_endpoints(client.handle(), st, &n) == 0 && n == 1 && st[0].last_error == ECONNREFUSED;
    }));
    CHECK(std::string(st[0].endpoint) == refused);
    CHECK(st[0].bound == 0);
    CHECK(st[0].state != ZMX_ENDPOINT_CONNECTED);

    errno = 0;
    CHECK(zmx_socket_endpoints(nullptr, st, &n) == -1);
    CHECK(errno == ENOTSOCK);
    CHECK(zmx_socket_endpoints(client.handle(), st, nullptr) == -1);
    CHECK(errno == EFAULT);
    ctx.shutdown();
    CHECK(zmx_socket_endpoints(client.handle(), st, &n) == -1);
    CHECK(errno == zmx::eterm);
}
