// stream: the default endpoint_name(), from the fd's socket name (tcp and ipc addresses).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstddef>
#include <cstring>
#include <string>

#include "transports/transport.hpp"

namespace zmx::detail {

std::string stream::endpoint_name(bool local) const {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    auto* sa = reinterpret_cast<sockaddr*>(&ss);
    if ((local ? ::getsockname(fd(), sa, &len) : ::getpeername(fd(), sa, &len)) != 0) return {};
    char host[INET6_ADDRSTRLEN] = {};
    if (ss.ss_family == AF_INET) {
        const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
        ::inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
        return "tcp://" + std::string(host) + ":" + std::to_string(ntohs(a->sin_port));
    }
    if (ss.ss_family == AF_INET6) {
        const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
        ::inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
        return "tcp://[" + std::string(host) + "]:" + std::to_string(ntohs(a->sin6_port));
    }
    if (ss.ss_family == AF_UNIX) {
        const auto* a = reinterpret_cast<const sockaddr_un*>(&ss);
        const std::size_t n = len > offsetof(sockaddr_un, sun_path) ? len - offsetof(sockaddr_un, sun_path) : 0;
        if (n == 0) return "ipc://";
        if (a->sun_path[0] == '\0') return "ipc://@" + std::string(a->sun_path + 1, n - 1);
        return "ipc://" + std::string(a->sun_path, ::strnlen(a->sun_path, n));
    }
    return {};
}

}  // namespace zmx::detail
