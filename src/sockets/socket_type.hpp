#pragma once
// socket_type — the plug-in interface of one ZeroMQ socket type (PEER, SERVER, CLIENT, ...), and
// socket_type_info, its row in the registry. A socket_type is owned by its socket_base and every hook
// is called with the socket's lock held, on the calling application thread; hooks never block.
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <zmx/message.hpp>

#include "core/pipe.hpp"

namespace zmx::detail {

struct socket_options;

class socket_type {
public:
    virtual ~socket_type() = default;

    // A pipe to a new peer. The socket type may set p.routing_id. false refuses the pipe (PAIR has
    // one peer): the shell closes it. Never blocks.
    virtual bool attach(pipe& p) = 0;
    // The pipe is going away (peer gone and drained, or disconnect). Forget every reference to it.
    virtual void detach(pipe& p) = 0;
    // p has inbound messages again / room to write again.
    virtual void on_readable(pipe& p) = 0;
    virtual void on_writable(pipe& p) = 0;
    // A kept pipe (a connect's) is linked to a new connection: the peer has forgotten what it was
    // told before (SUB/XSUB send their subscriptions again).
    virtual void on_hiccup(pipe& /*p*/) {}

    // 0 (message consumed), EAGAIN (nothing can take it now; the shell may wait), or another errno.
    virtual int send(message& msg) = 0;
    // 0 (msg filled), EAGAIN (nothing to read now), or another errno.
    virtual int recv(message& msg) = 0;

    // Readiness (ZMQ_EVENTS, pollers): whether recv / send would proceed now (not return EAGAIN). May
    // park pipes that turned out dry or full, as recv/send would. Never blocks. Every type overrides
    // both (the defaults only keep a type under construction building).
    virtual bool has_in() { return false; }
    virtual bool has_out() { return false; }

    // The pipe of the peer with this routing id (SERVER, PEER), or null.
    virtual pipe* find_peer(std::uint32_t /*routing_id*/) { return nullptr; }
    // zmq_socket_get_peer_state (ROUTER): 0 and state = ZMQ_POLLOUT if a message to that peer would
    // be queued now, else 0; EHOSTUNREACH for an unknown peer; ENOTSUP for types without peer ids.
    virtual int peer_state(std::string_view /*routing_id*/, int& /*state*/) { return ENOTSUP; }

    // Type-specific options: 0, an errno, or -1 when the option is not the type's own.
    virtual int set_option(int /*id*/, const void* /*value*/, std::size_t /*len*/) { return -1; }
    virtual int get_option(int /*id*/, void* /*value*/, std::size_t* /*len*/) const { return -1; }
};

struct socket_type_info {
    int id;                                   // ZMQ_* number
    std::string_view name;                    // ZMTP Socket-Type
    std::span<const std::string_view> peers;  // Socket-Type names it accepts
    bool thread_safe;
    bool single_part;  // rejects ZMQ_SNDMORE (EINVAL) and drops incoming multipart messages
    bool can_send;
    bool can_recv;
    unsigned features;  // notify_* and *_routing_id bits below
    std::unique_ptr<socket_type> (*make)(const socket_options&);  // null: not built yet
};

// socket_type_info::features bits.
inline constexpr unsigned notify_hello = 1;       // ZMQ_HELLO_MSG: sent first on every connection
inline constexpr unsigned notify_disconnect = 2;  // ZMQ_DISCONNECT_MSG: an accepted peer left
inline constexpr unsigned notify_hiccup = 4;      // ZMQ_HICCUP_MSG: a connected peer dropped
inline constexpr unsigned sends_routing_id = 8;   // announces ZMQ_ROUTING_ID (READY's Identity; inproc)
inline constexpr unsigned recv_routing_id = 16;   // is told each peer's routing id (routing-id messages)
inline constexpr unsigned subscriber = 32;        // (X)SUB: subscriptions are resent on a new connection
inline constexpr unsigned publisher = 64;         // (X)PUB: SUBSCRIBE/CANCEL commands become messages
inline constexpr unsigned conflatable = 128;      // ZMQ_CONFLATE applies (libzmq: DEALER PULL PUSH PUB SUB)

// The registry row for a ZMQ_* type number, or null.
const socket_type_info* find_socket_type(int id);
// For set_option/get_option: an int option value as libzmq reads one (0, or EINVAL when value is null
// or len is not sizeof(int)), and writes one (0, or EINVAL when the buffer is missing or too small).
int read_int_option(const void* value, std::size_t len, int& out);
int write_int_option(int v, void* value, std::size_t* len);

// A pipe for a socket of this type with these options: HWMs, and ZMQ_CONFLATE where it applies.
std::shared_ptr<pipe_link> make_socket_pipe(const socket_options& o, const socket_type_info& type);

// Whether a socket of type `own` accepts a peer announcing Socket-Type `peer` (exact, case-sensitive).
bool socket_types_compatible(const socket_type_info& own, std::string_view peer);

}  // namespace zmx::detail
