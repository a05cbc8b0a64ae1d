#pragma once
// Watching connections: the events zmq_socket_monitor reports (libzmq's numbers, plus zmx's
// connect_stopped), a reader for the monitor socket's messages, and the state of each endpoint of a
// socket as zmx::socket::endpoints() reports it. Header-only types; see zmx_socket_monitor(3).
#include <cstdint>
#include <string>

namespace zmx {

namespace event {
inline constexpr std::uint64_t connected = 0x0001;        // value: fd
inline constexpr std::uint64_t connect_delayed = 0x0002;  // value: errno (EINPROGRESS)
inline constexpr std::uint64_t connect_retried = 0x0004;  // value: ms until the next attempt
inline constexpr std::uint64_t listening = 0x0008;        // value: fd
inline constexpr std::uint64_t bind_failed = 0x0010;      // value: errno
inline constexpr std::uint64_t accepted = 0x0020;         // value: fd
inline constexpr std::uint64_t accept_failed = 0x0040;    // value: errno
inline constexpr std::uint64_t closed = 0x0080;           // value: fd
inline constexpr std::uint64_t close_failed = 0x0100;     // value: errno
inline constexpr std::uint64_t disconnected = 0x0200;     // value: fd
inline constexpr std::uint64_t monitor_stopped = 0x0400;  // value: 0
inline constexpr std::uint64_t handshake_failed_no_detail = 0x0800;  // value: errno
inline constexpr std::uint64_t handshake_succeeded = 0x1000;         // value: 0
inline constexpr std::uint64_t handshake_failed_protocol = 0x2000;   // value: ZMQ_PROTOCOL_ERROR_*
inline constexpr std::uint64_t handshake_failed_auth = 0x4000;       // value: ZAP status code
// zmx extension: a dialer gave up for good (ZMQ_RECONNECT_STOP, ZMQ_RECONNECT_IVL -1, a protocol
// error, ZMX_RECONNECT_MAX_ATTEMPTS, or a fatal connect error). value: the last errno.
inline constexpr std::uint64_t connect_stopped = 0x8000;
inline constexpr std::uint64_t all = 0xFFFF;  // ZMQ_EVENT_ALL (= ALL_V1)
}  // namespace event

// One event read from a monitor socket. Version 1 messages carry one endpoint (the local one for
// bind-side events, the remote one for connect-side events), version 2 messages carry both.
struct monitor_event {
    std::uint64_t event = 0;
    std::uint64_t value = 0;
    std::string endpoint;  // v1: the endpoint; v2: remote if known, else local
    std::string local;     // v2 only
    std::string remote;    // v2 only
};

// Where an endpoint of a socket stands.
enum class endpoint_state : int {
    listening,    // bound and accepting
    resolving,    // looking up the host name
    connecting,   // a connect() is in progress to one of the addresses
    handshaking,  // connected, ZMTP handshake under way
    connected,    // handshake done: messages flow (inproc: joined to the bound socket)
    waiting,      // waiting to retry (reconnect interval), or an inproc name not bound yet
    stopped,      // gave up: see last_error
};

struct endpoint_status {
    std::string endpoint;  // as given to connect(), or the exact bound endpoint (LAST_ENDPOINT)
    bool bound = false;    // bind() (true) or connect()
    endpoint_state state = endpoint_state::stopped;
    int last_error = 0;    // errno of the latest failure (0: none yet)
    int attempts = 0;      // failed connection rounds since the last handshake (connect only)
};

const char* to_string(endpoint_state s) noexcept;

}  // namespace zmx
