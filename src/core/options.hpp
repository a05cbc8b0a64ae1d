#pragma once
// Socket options common to every socket type: one table of (id, kind, field, range) with libzmq's
// numbers and defaults. A socket owns one socket_options; connections take a copy when they start, so
// later changes affect later connections only (as in libzmq). Accessed under the socket's lock.
#include <cstddef>
#include <cstdint>
#include <string>
#include <zmx/options.hpp>

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
    int conflate = 0;              // ZMQ_CONFLATE (types with the conflatable feature)
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
    int tcp_keepalive = -1;        // -1 = OS default, 0 = off, 1 = on
    int tcp_keepalive_cnt = -1;    // -1 = OS default
    int tcp_keepalive_idle = -1;   // seconds
    int tcp_keepalive_intvl = -1;  // seconds
    int heartbeat_ivl = 0;         // ms between PINGs, 0 = off
    int heartbeat_ttl = 0;         // ms, a multiple of 100 (the wire carries deciseconds)
    int heartbeat_timeout = -1;    // ms to wait for traffic after a PING; -1 = heartbeat_ivl
    int reconnect_stop = 0;        // ZMQ_RECONNECT_STOP_* bits
    int reconnect_max_attempts = 0;  // zmx: connection attempts before a dialer gives up; 0 = never
    std::string hello_msg;         // sent first on every new connection (types that have it)
    std::string disconnect_msg;    // delivered when an accepted peer leaves (types that have it)
    std::string hiccup_msg;        // delivered when a connected peer drops (types that have it)
};

// Option ids the core acts on by name (from the public tags: libzmq's numbers, zmx's from 0x5A00).
namespace option_ids {
inline constexpr int hello_msg = zmx::sockopt::hello_msg.id;
inline constexpr int disconnect_msg = zmx::sockopt::disconnect_msg.id;
inline constexpr int hiccup_msg = zmx::sockopt::hiccup_msg.id;
inline constexpr int reconnect_max_attempts = zmx::sockopt::reconnect_max_attempts.id;
}  // namespace option_ids

// ZMQ_RECONNECT_STOP bits: libzmq 4.3.5's values (4.3.4 gave AFTER_DISCONNECT the value 3, which
// collides with the other two). zmx's disconnect always stops that endpoint, whatever the bits.
namespace reconnect_stop = zmx::reconnect_stop;

// zmq_setsockopt semantics for the common options: 0, or EINVAL (unknown id, bad size or value).
int set_common_option(socket_options& o, int id, const void* value, std::size_t len);
// zmq_getsockopt semantics: 0, or EINVAL (unknown id, buffer too small). len is in/out.
int get_common_option(const socket_options& o, int id, void* value, std::size_t* len);

}  // namespace zmx::detail
