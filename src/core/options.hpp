#pragma once
// Socket options common to every socket type: one table of (id, kind, field, range) with libzmq's
// numbers and defaults. A socket owns one socket_options; connections take a copy when they start, so
// later changes affect later connections only (as in libzmq). Accessed under the socket's lock.
#include <cstddef>
#include <cstdint>
#include <string>

namespace zmx::detail {

struct socket_options {
    int type = 0;
    int sndhwm = 1000;
    int rcvhwm = 1000;
    int linger = -1;
    int sndtimeo = -1;
    int rcvtimeo = -1;
    std::string routing_id;
    int immediate = 0;
    std::string last_endpoint;
    int ipv6 = 0;
    int sndbuf = -1;
    int rcvbuf = -1;
    int reconnect_ivl = 100;
    int reconnect_ivl_max = 0;
    int backlog = 100;
    std::int64_t maxmsgsize = -1;
    int handshake_ivl = 30000;
    int connect_timeout = 0;
    int thread_safe = 0;
};

// zmq_setsockopt semantics for the common options: 0, or EINVAL (unknown id, bad size or value).
int set_common_option(socket_options& o, int id, const void* value, std::size_t len);
// zmq_getsockopt semantics: 0, or EINVAL (unknown id, buffer too small). len is in/out.
int get_common_option(const socket_options& o, int id, void* value, std::size_t* len);

}  // namespace zmx::detail
