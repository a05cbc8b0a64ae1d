#pragma once
// The transport plug-in interface: a table of byte-stream transports keyed by scheme (tcp now; ipc, ws,
// wss later). A transport binds listeners, accepts and connects byte streams; it knows nothing of ZMTP,
// reconnects or sockets. Reconnect, backoff and trying each resolved address live in core/session.
// All functions are safe on any thread unless noted; streams are used by one I/O thread.
#include <array>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct iovec;

namespace zmx::detail {

struct socket_options;

// An address a connecter can dial (resolved already), opaque to core.
struct net_address {
    std::array<std::byte, 128> storage{};
    unsigned len = 0;
    std::string text;  // for the monitor and logs, e.g. "127.0.0.1:5555"
};

// A connected, non-blocking byte stream. Owned by one engine; used only on its I/O thread.
class stream {
public:
    virtual ~stream() = default;
    virtual int fd() const = 0;
    // >0 bytes read, 0 on orderly end of stream, -1 with errno set (EAGAIN: nothing now). Never blocks.
    virtual long read(std::span<std::byte> buf) = 0;
    // Bytes written (maybe fewer than offered), or -1 with errno (EAGAIN: nothing now). Never blocks.
    virtual long writev(const iovec* iov, int count) = 0;
    // Peer-Address property ("IP" for tcp).
    virtual std::string peer_address() const = 0;
    // The local or remote end as an endpoint string ("tcp://127.0.0.1:5555", "ipc:///tmp/s"), for the
    // monitor. The default reads the fd's socket name.
    virtual std::string endpoint_name(bool local) const;
};

// A stream over a connected non-blocking socket fd (tcp, ipc): recv, sendmsg without SIGPIPE, and the
// fd closed on destruction. Transports add peer_address().
class fd_stream : public stream {
public:
    explicit fd_stream(int fd) : fd_(fd) {}
    ~fd_stream() override;
    int fd() const override { return fd_; }
    long read(std::span<std::byte> buf) override;
    long writev(const iovec* iov, int count) override;

protected:
    int fd_;
};

// Starts a non-blocking connect of fd (made and tuned by the caller) to a: 0 with fd_out = fd when it
// is connected or in progress (EINPROGRESS/EINTR), or the error after closing fd.
int start_fd_connect(int fd, const net_address& a, int& fd_out);
// The outcome of a non-blocking connect on fd (its SO_ERROR): 0, or the error after closing fd.
int finish_fd_connect(int fd);

class transport {
public:
    virtual ~transport() = default;
    virtual std::string_view scheme() const = 0;
    // Syntax check of a connect address: 0 or EINVAL. Cheap; no name resolution.
    virtual int check_connect_address(std::string_view address) const = 0;
    // Binds and listens now. fd_out: non-blocking listening fd; endpoint_out: the exact endpoint
    // (wildcards resolved) for ZMQ_LAST_ENDPOINT. 0 or errno (EADDRINUSE, EINVAL, ENODEV...).
    virtual int listen(std::string_view address, const socket_options& o, int& fd_out,
                       std::string& endpoint_out) const = 0;
    // Accepts one pending connection: a stream, or null with err set (EAGAIN: none pending).
    virtual std::unique_ptr<stream> accept(int listen_fd, const socket_options& o, int& err) const = 0;
    // Stops a listener made by listen(): closes fd and removes what the bind created (an ipc socket
    // file, a wildcard's directory). endpoint: the one listen() returned.
    virtual void close_listener(int fd, std::string_view endpoint) const;
    // Resolves a connect address to every candidate address, in the order to try. With may_block
    // false it never blocks and returns EAGAIN when a name lookup is needed (then call it again with
    // may_block true, off the I/O threads). 0 or errno.
    virtual int resolve(std::string_view address, const socket_options& o, std::vector<net_address>& out,
                        bool may_block) const = 0;
    // Starts a non-blocking connect: 0 with fd_out connected or in progress (wait for writability,
    // then finish_connect), or errno.
    virtual int start_connect(const net_address& a, const socket_options& o, int& fd_out) const = 0;
    // Result of an in-progress connect: a stream, or null with err (ECONNREFUSED, ...). Takes fd.
    virtual std::unique_ptr<stream> finish_connect(int fd, const socket_options& o, int& err) const = 0;
};

// The transport for a scheme, or null. `known` says whether the scheme is one libzmq knows (so the
// error is EPROTONOSUPPORT for both unknown and not-built ones; ENOCOMPATPROTO is decided by callers).
const transport* find_transport(std::string_view scheme);

}  // namespace zmx::detail
