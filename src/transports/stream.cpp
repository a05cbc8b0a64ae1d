// stream: the default endpoint_name(), from the fd's socket name (tcp and ipc addresses); fd_stream.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>

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

fd_stream::~fd_stream() { ::close(fd_); }

long fd_stream::read(std::span<std::byte> buf) { return ::recv(fd_, buf.data(), buf.size(), 0); }

long fd_stream::writev(const iovec* iov, int count) {
    msghdr mh{};
    mh.msg_iov = const_cast<iovec*>(iov);
    mh.msg_iovlen = static_cast<std::size_t>(count);
    return ::sendmsg(fd_, &mh, MSG_NOSIGNAL);
}

int start_fd_connect(int fd, const net_address& a, int& fd_out) {
    if (::connect(fd, reinterpret_cast<const sockaddr*>(a.storage.data()), a.len) != 0 && errno != EINPROGRESS &&
        errno != EINTR) {
        const int err = errno;
        ::close(fd);
        return err;
    }
    fd_out = fd;
    return 0;
}

int finish_fd_connect(int fd) {
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err != 0) ::close(fd);
    return err;
}

}  // namespace zmx::detail
