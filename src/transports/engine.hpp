#pragma once
// engine — what a session drives on one connected byte stream: stream_engine (ZMTP: greeting,
// handshake, frames) or raw_engine (STREAM and raw sockets: bytes as they come, no protocol). An
// engine is owned by one session and pinned to that session's I/O thread: every method runs on that
// thread only, and none blocks. It reports to its owner through engine_events and never destroys
// itself.

namespace zmx::detail {

struct metadata;
class pipe;
class engine;
class stream_engine;

// Why a connection ended (libzmq's three reasons decide whether a dialer reconnects):
//   connection: a read or write error (err = its errno), or the peer's orderly end (ECONNRESET);
//   timeout:    ZMQ_HANDSHAKE_IVL, the heartbeat timeout, or the peer's PING TTL ran out (ETIMEDOUT);
//   protocol:   a bad greeting, handshake, frame or command (EPROTO), or a frame over
//               ZMQ_MAXMSGSIZE (EMSGSIZE). During the handshake protocol_error says which, and
//               auth_status the ZAP status of an ERROR the peer sent;
//   closed:     the socket asked for the end of this connection (STREAM's empty frame) and what it
//               sent before has been written: the endpoint is done, no reconnection.
struct engine_error {
    enum class kind { connection, timeout, protocol, closed };
    kind reason = kind::connection;
    int err = 0;              // errno-style cause (ECONNRESET, EPIPE, ETIMEDOUT, EPROTO, EMSGSIZE...)
    bool handshaked = false;  // the ZMTP handshake had completed (always true for a raw engine)
    int protocol_error = 0;   // ZMQ_PROTOCOL_ERROR_* for protocol failures in the handshake (0: none)
    int auth_status = 0;      // ZAP status (300/400/500) when the peer refused us, else 0
};

// The owner's side. Calls come from inside engine methods; the owner must not destroy the engine
// inside them (post the destruction instead).
class engine_events {
public:
    // Handshake complete (a raw engine: at once, from start()); the owner plugs a pipe (now or later).
    virtual void engine_ready(engine& e) = 0;
    // The connection is over.
    virtual void engine_failed(engine& e, const engine_error& why) = 0;
    // Everything the pipe held has been written (the output went idle).
    virtual void engine_drained(engine& e) = 0;

protected:
    ~engine_events() = default;
};

class engine {
public:
    virtual ~engine() = default;

    // Registers with the reactor and starts the connection (a ZMTP engine sends its greeting).
    virtual void start() = 0;
    // Stops all I/O and callbacks at once (before the owner lets go of it). Idempotent.
    virtual void stop() = 0;
    // Starts traffic with the socket through p (after engine_ready).
    virtual void plug(pipe& p) = 0;
    // Stops using the pipe (it is being closed or handed to another engine).
    virtual void unplug() = 0;
    // The pipe has room for received messages / messages to send again.
    virtual void restart_input() = 0;
    virtual void restart_output() = 0;
    // True when nothing is waiting to be written (pipe drained and buffers flushed).
    virtual bool output_idle() const noexcept = 0;
    // The peer's properties (Peer-Address, and the ZMTP ones), valid after engine_ready; may be null.
    virtual metadata* peer_metadata() const noexcept = 0;
    virtual int fd() const noexcept = 0;
};

}  // namespace zmx::detail
