// tcp:// over BSD sockets: listen, accept, resolve, non-blocking connect, and the tcp stream.
#include "transports/tcp.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "core/options.hpp"

namespace zmx::detail {
namespace {

class tcp_stream final : public fd_stream {
public:
    using fd_stream::fd_stream;
    std::string peer_address() const override {
        sockaddr_storage ss{};
        socklen_t len = sizeof ss;
        if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
        char host[INET6_ADDRSTRLEN] = {};
        if (ss.ss_family == AF_INET6)
            ::inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr, host, sizeof host);
        else
            ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&ss)->sin_addr, host, sizeof host);
        return host;
    }
};

// Splits "host:port" / "[v6]:port" at the last colon. Returns false on bad syntax.
bool split_host_port(std::string_view address, std::string& host, std::string_view& port) {
    const auto colon = address.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 >= address.size()) return false;
    std::string_view h = address.substr(0, colon);
    port = address.substr(colon + 1);
    if (h.front() == '[') {
        if (h.size() < 3 || h.back() != ']') return false;
        h = h.substr(1, h.size() - 2);
    }
    host.assign(h);
    return true;
}

bool parse_port(std::string_view port, bool allow_wildcard, std::uint16_t& out) {
    if (allow_wildcard && port == "*") {
        out = 0;
        return true;
    }
    unsigned v = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
    if (ec != std::errc() || p != port.data() + port.size() || v > 65535) return false;
    out = static_cast<std::uint16_t>(v);
    return true;
}

void tune(int fd, const socket_options& o) {
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (o.sndbuf >= 0) ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &o.sndbuf, sizeof o.sndbuf);
    if (o.rcvbuf >= 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &o.rcvbuf, sizeof o.rcvbuf);
    // ZMQ_TCP_KEEPALIVE*, as libzmq's tune_tcp_keepalives: nothing unless ZMQ_TCP_KEEPALIVE is 0 or 1;
    // then SO_KEEPALIVE, and each of count, idle and interval that is not -1 (the OS default).
    if (o.tcp_keepalive != -1) {
        ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &o.tcp_keepalive, sizeof o.tcp_keepalive);
        if (o.tcp_keepalive_cnt != -1)
            ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &o.tcp_keepalive_cnt, sizeof o.tcp_keepalive_cnt);
        if (o.tcp_keepalive_idle != -1)
            ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &o.tcp_keepalive_idle, sizeof o.tcp_keepalive_idle);
        if (o.tcp_keepalive_intvl != -1)
            ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &o.tcp_keepalive_intvl, sizeof o.tcp_keepalive_intvl);
    }
}

std::string format_endpoint(const sockaddr_storage& ss) {
    char host[INET6_ADDRSTRLEN] = {};
    unsigned port = 0;
    if (ss.ss_family == AF_INET6) {
        const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
        ::inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
        port = ntohs(a->sin6_port);
        return "tcp://[" + std::string(host) + "]:" + std::to_string(port);
    }
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    ::inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
    port = ntohs(a->sin_port);
    return "tcp://" + std::string(host) + ":" + std::to_string(port);
}

}  // namespace

int tcp_transport::check_connect_address(std::string_view address) const {
    std::string host;
    std::string_view port;
    std::uint16_t p = 0;
    if (address.find(';') != std::string_view::npos) return EINVAL;  // source addresses: not yet
    if (!split_host_port(address, host, port) || host.empty() || !parse_port(port, false, p) || p == 0)
        return EINVAL;
    return 0;
}

int tcp_transport::listen(std::string_view address, const socket_options& o, int& fd_out,
                          std::string& endpoint_out) const {
    std::string host;
    std::string_view port_text;
    std::uint16_t port = 0;
    if (!split_host_port(address, host, port_text) || !parse_port(port_text, true, port)) return EINVAL;

    sockaddr_storage ss{};
    socklen_t len = 0;
    if (host == "*") {
        if (o.ipv6) {
            auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
            a->sin6_family = AF_INET6;
            a->sin6_addr = in6addr_any;
            a->sin6_port = htons(port);
            len = sizeof *a;
        } else {
            auto* a = reinterpret_cast<sockaddr_in*>(&ss);
            a->sin_family = AF_INET;
            a->sin_addr.s_addr = htonl(INADDR_ANY);
            a->sin_port = htons(port);
            len = sizeof *a;
        }
    } else if (auto* a4 = reinterpret_cast<sockaddr_in*>(&ss); ::inet_pton(AF_INET, host.c_str(), &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons(port);
        len = sizeof *a4;
    } else if (auto* a6 = reinterpret_cast<sockaddr_in6*>(&ss); o.ipv6 && ::inet_pton(AF_INET6, host.c_str(), &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(port);
        len = sizeof *a6;
    } else {
        return ENODEV;  // not a local address (interface names are not supported yet)
    }

    const int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    if (fd < 0) return errno;
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ss.ss_family == AF_INET6) {
        const int v6only = 0;
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
    }
    if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd, o.backlog) != 0) {
        const int err = errno;
        ::close(fd);
        return err;
    }
    sockaddr_storage bound{};
    socklen_t blen = sizeof bound;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &blen);
    endpoint_out = format_endpoint(bound);
    fd_out = fd;
    return 0;
}

std::unique_ptr<stream> tcp_transport::accept(int listen_fd, const socket_options& o, int& err) const {
    const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        err = errno;
        return nullptr;
    }
    tune(fd, o);
    err = 0;
    return std::make_unique<tcp_stream>(fd);
}

int tcp_transport::resolve(std::string_view address, const socket_options& o, std::vector<net_address>& out,
                           bool may_block) const {
    std::string host;
    std::string_view port_text;
    std::uint16_t port = 0;
    if (!split_host_port(address, host, port_text) || !parse_port(port_text, false, port)) return EINVAL;
    addrinfo hints{};
    hints.ai_family = o.ipv6 ? AF_UNSPEC : AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (may_block ? 0 : AI_NUMERICHOST);
    addrinfo* res = nullptr;
    const std::string port_str(port_text);
    const int rc = ::getaddrinfo(host.c_str(), port_str.c_str(), &hints, &res);
    if (rc == EAI_NONAME && !may_block) return EAGAIN;  // a name: look it up off the I/O thread
    if (rc != 0 || res == nullptr) return EHOSTUNREACH;
    out.clear();
    for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
        if (ai->ai_addrlen > sizeof(net_address::storage)) continue;
        net_address a;
        std::memcpy(a.storage.data(), ai->ai_addr, ai->ai_addrlen);
        a.len = ai->ai_addrlen;
        sockaddr_storage ss{};
        std::memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
        a.text = format_endpoint(ss);
        bool dup = false;
        for (const auto& b : out) dup = dup || (b.len == a.len && std::memcmp(b.storage.data(), a.storage.data(), a.len) == 0);
        if (!dup) out.push_back(std::move(a));
    }
    ::freeaddrinfo(res);
    return out.empty() ? EHOSTUNREACH : 0;
}

int tcp_transport::start_connect(const net_address& a, const socket_options& o, int& fd_out) const {
    const auto* sa = reinterpret_cast<const sockaddr*>(a.storage.data());
    const int fd = ::socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    if (fd < 0) return errno;
    tune(fd, o);
    return start_fd_connect(fd, a, fd_out);
}

std::unique_ptr<stream> tcp_transport::finish_connect(int fd, const socket_options&, int& err) const {
    err = finish_fd_connect(fd);
    return err == 0 ? std::make_unique<tcp_stream>(fd) : nullptr;
}

}  // namespace zmx::detail
