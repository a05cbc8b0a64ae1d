#pragma once
// tcp:// transport — bind "*:port", "ip:port", "[ipv6]:port" (port "*" or 0 = ephemeral); connect
// "host:port" with host names resolved to every address (IPv6 only with ZMQ_IPV6). Stateless.
#include "transports/transport.hpp"

namespace zmx::detail {

class tcp_transport final : public transport {
public:
    std::string_view scheme() const override { return "tcp"; }
    int check_connect_address(std::string_view address) const override;
    int listen(std::string_view address, const socket_options& o, int& fd_out,
               std::string& endpoint_out) const override;
    std::unique_ptr<stream> accept(int listen_fd, const socket_options& o, int& err) const override;
    int resolve(std::string_view address, const socket_options& o, std::vector<net_address>& out,
                bool may_block) const override;
    int start_connect(const net_address& a, const socket_options& o, int& fd_out) const override;
    std::unique_ptr<stream> finish_connect(int fd, const socket_options& o, int& err) const override;
};

}  // namespace zmx::detail
