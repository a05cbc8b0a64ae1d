#pragma once
// ipc:// transport — Unix-domain stream sockets: "ipc://<path>" (relative or absolute), "ipc://@name"
// (Linux abstract namespace) and "ipc://*" (a fresh private directory holding "socket"). One shared
// instance serves every thread: the only state is the table of live listeners (what close_listener must
// remove), guarded by a mutex; every method may be called on any thread and none blocks.
#include <map>
#include <mutex>
#include <string>

#include "transports/transport.hpp"

namespace zmx::detail {

class ipc_transport final : public transport {
public:
    std::string_view scheme() const override { return "ipc"; }
    // 0, EINVAL (empty path, "@" alone, an embedded NUL) or ENAMETOOLONG (over 107 bytes).
    int check_connect_address(std::string_view address) const override;
    // Removes a stale socket file at the path first (libzmq "steals" the name); abstract names fail with
    // EADDRINUSE when taken. endpoint_out is "ipc://" + the path as given, or the "*" directory's socket.
    int listen(std::string_view address, const socket_options& o, int& fd_out,
               std::string& endpoint_out) const override;
    std::unique_ptr<stream> accept(int listen_fd, const socket_options& o, int& err) const override;
    // Closes fd, unlinks the socket file this listener created (unless another bind has since taken the
    // name over) and, for "ipc://*", removes the directory too.
    void close_listener(int fd, std::string_view endpoint) const override;
    // Exactly one address; never blocks (no name lookup exists for ipc).
    int resolve(std::string_view address, const socket_options& o, std::vector<net_address>& out,
                bool may_block) const override;
    int start_connect(const net_address& a, const socket_options& o, int& fd_out) const override;
    std::unique_ptr<stream> finish_connect(int fd, const socket_options& o, int& err) const override;

private:
    // What a listener's bind created in the file system, keyed by its listening fd (unique while open).
    struct bound_file {
        std::string file;  // absolute path of the socket file; empty for an abstract name
        unsigned long long dev = 0;
        unsigned long long ino = 0;
        std::string dir;  // the directory made for "ipc://*", else empty
    };
    mutable std::mutex mtx_;
    mutable std::map<int, bound_file> bound_;
};

}  // namespace zmx::detail
