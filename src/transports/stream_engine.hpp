#pragma once
// stream_engine — one ZMTP connection over a byte stream: drives the sans-I/O handshake, then moves
// frames between the stream and a pipe end (batched reads and writev, large bodies without copies).
// Owned by a session, pinned to that session's I/O thread: every method runs on that thread only.
// It reports to its owner through engine_events and never destroys itself.
#include <sys/uio.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>
#include <zmx/message.hpp>

#include "core/options.hpp"
#include "core/pipe.hpp"
#include "io/reactor.hpp"
#include "transports/transport.hpp"
#include "zmtp/frame.hpp"

namespace zmx::detail {

struct metadata;
struct socket_type_info;
namespace zmtp {
class handshake;
}
class mechanism;

class stream_engine;

// Why a connection ended (libzmq's three reasons decide whether a dialer reconnects).
struct engine_error {
    enum class kind { connection, timeout, protocol };
    kind reason = kind::connection;
    int err = 0;              // errno-style cause (ECONNRESET, EPIPE, ETIMEDOUT, EPROTO, EMSGSIZE...)
    bool handshaked = false;  // the ZMTP handshake had completed
    int protocol_error = 0;   // ZMQ_PROTOCOL_ERROR_* for protocol failures in the handshake (0: none)
    int auth_status = 0;      // ZAP status (300/400/500) when the peer refused us, else 0
};

// The owner's side. Calls come from inside engine methods; the owner must not destroy the engine
// inside them (post the destruction instead).
class engine_events {
public:
    // Handshake complete; the owner plugs a pipe (now or later).
    virtual void engine_ready(stream_engine& e) = 0;
    // The connection is over.
    virtual void engine_failed(stream_engine& e, const engine_error& why) = 0;
    // Everything the pipe held has been written (the output went idle).
    virtual void engine_drained(stream_engine& e) = 0;

protected:
    ~engine_events() = default;
};

class stream_engine final : private io_handler {
public:
    stream_engine(reactor& loop, std::unique_ptr<stream> s, const socket_options& o,
                  const socket_type_info& type, engine_events& owner);
    ~stream_engine();
    stream_engine(const stream_engine&) = delete;
    stream_engine& operator=(const stream_engine&) = delete;

    // Registers with the reactor and sends the greeting.
    void start();
    // Stops all I/O and callbacks at once (before the owner lets go of it). Idempotent.
    void stop();
    // Starts traffic with the socket through p (after engine_ready).
    void plug(pipe& p);
    // Stops using the pipe (it is being closed or handed to another engine).
    void unplug();
    // The pipe has messages to send / room for received messages again.
    void restart_output();
    void restart_input();
    // True when nothing is waiting to be written (pipe drained and buffers flushed).
    bool output_idle() const noexcept { return !output_pending_ && pipe_drained_; }

    // Valid after engine_ready.
    metadata* peer_metadata() const noexcept { return meta_; }
    int fd() const noexcept { return stream_->fd(); }

private:
    void on_readable() override;
    void on_writable() override;
    void fail(int err);
    void handshake_step();
    bool process_traffic(std::span<const std::byte> in);
    bool deliver(message& msg);
    void handle_command(message& cmd);
    void fill_output();
    void queue_output_bytes(std::span<const std::byte> bytes);
    void queue_message(message& msg);
    void flush_output();

    reactor& loop_;
    std::unique_ptr<stream> stream_;
    const socket_options& opts_;
    const socket_type_info& type_;
    engine_events& owner_;
    reactor::handle handle_ = nullptr;
    reactor::timer_id handshake_timer_ = 0;

    std::unique_ptr<zmtp::handshake> handshake_;
    std::unique_ptr<mechanism> mechanism_;
    zmtp::frame_decoder decoder_;
    metadata* meta_ = nullptr;
    pipe* pipe_ = nullptr;
    bool dead_ = false;

    // Input.
    std::vector<std::byte> rbuf_;
    std::size_t rbuf_pos_ = 0;  // unparsed bytes are rbuf_[rbuf_pos_, rbuf_len_)
    std::size_t rbuf_len_ = 0;
    message pending_in_;        // decoded but refused by a full pipe
    bool has_pending_in_ = false;
    bool input_stopped_ = false;
    message frame_;

    // Output: iovecs over obuf_ (headers and small bodies, copied) and held_ (large bodies). obuf_
    // never reallocates while iovecs point into it.
    std::vector<std::byte> obuf_;
    std::size_t obuf_len_ = 0;
    bool last_iov_in_obuf_ = false;
    std::vector<iovec> iov_;
    std::deque<message> held_;
    std::size_t iov_first_ = 0;
    bool output_pending_ = false;
    bool pipe_drained_ = true;
    bool pollout_ = false;
};

}  // namespace zmx::detail
