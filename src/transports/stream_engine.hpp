#pragma once
// stream_engine — one ZMTP connection over a byte stream: drives the sans-I/O handshake, then moves
// frames between the stream and a pipe end (batched reads and writev, large bodies without copies).
// It bounds what a peer can cost: ZMQ_HANDSHAKE_IVL, ZMQ_MAXMSGSIZE (checked on each frame header),
// heartbeats (ZMQ_HEARTBEAT_IVL/TTL/TIMEOUT and the peer's PING TTL); it sends ZMQ_HELLO_MSG first.
// One of the two engines (engine.hpp; raw_engine is the other). Owned by a session, pinned to that
// session's I/O thread: every method runs on that thread only. It reports to its owner through
// engine_events and never destroys itself.
#include <sys/uio.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>
#include <zmx/message.hpp>

#include "core/options.hpp"
#include "core/pipe.hpp"
#include "io/reactor.hpp"
#include "transports/engine.hpp"
#include "transports/transport.hpp"
#include "zmtp/frame.hpp"

namespace zmx::detail {

struct metadata;
struct socket_type_info;
namespace zmtp {
class handshake;
}
class mechanism;

class stream_engine final : public engine, private io_handler {
public:
    stream_engine(reactor& loop, std::unique_ptr<stream> s, const socket_options& o,
                  const socket_type_info& type, engine_events& owner);
    ~stream_engine() override;
    stream_engine(const stream_engine&) = delete;
    stream_engine& operator=(const stream_engine&) = delete;

    // The engine interface (see engine.hpp); start() sends the greeting.
    void start() override;
    void stop() override;
    void plug(pipe& p) override;
    void unplug() override;
    void restart_output() override;
    void restart_input() override;
    bool output_idle() const noexcept override { return !output_pending_ && pipe_drained_; }
    metadata* peer_metadata() const noexcept override { return meta_; }
    int fd() const noexcept override { return stream_->fd(); }

private:
    // A liveness deadline that any incoming frame cancels (heartbeat timeout, peer's PING TTL). The
    // data path never touches the reactor for it: each decoded frame only bumps rx_frames_, and the
    // timer, when it fires, sees the count moved (cancelled) or re-arms for what is left of a
    // deadline that was pushed back since it was set.
    struct liveness_timer {
        reactor::timer_id id = 0;      // the pending reactor timer, 0 if none
        std::int64_t fires_at_us = 0;  // when that timer fires
        std::int64_t deadline_us = 0;  // when the connection times out unless a frame arrives
        std::uint64_t mark = 0;        // rx_frames_ when armed
        std::int64_t period_ms = 0;    // the delay it was armed with
    };

    void on_readable() override;
    void on_writable() override;
    void fail(engine_error::kind why, int err);
    void fail_decoder();
    void handshake_step();
    void start_heartbeats();
    void send_ping();
    bool armed(const liveness_timer& t) const noexcept { return t.id != 0 && t.mark == rx_frames_; }
    void arm(liveness_timer& t, std::int64_t delay_ms);
    void start_timer(liveness_timer& t, std::int64_t delay_ms);
    void liveness_expired(liveness_timer& t);
    void cancel(liveness_timer& t);
    bool process_traffic(std::span<const std::byte> in);
    bool deliver(message& msg);
    void handle_command(message& cmd);
    bool subscription_to_message(message& cmd);
    void message_to_subscription(message& msg);
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

    // Heartbeats (RFC 37): our PINGs every heartbeat_ivl, the wait for traffic after each, and the
    // TTL the peer's last PING announced.
    reactor::timer_id ping_timer_ = 0;
    liveness_timer timeout_;
    liveness_timer ttl_;
    std::uint64_t rx_frames_ = 0;  // frames decoded since the handshake

    std::unique_ptr<zmtp::handshake> handshake_;
    std::unique_ptr<mechanism> mechanism_;
    zmtp::frame_decoder decoder_;
    metadata* meta_ = nullptr;
    // References to meta_ held for messages to come: taken in batches, so that stamping a message
    // does not write the count that the receiving thread writes when it drops the message.
    int meta_stock_ = 0;
    int peer_minor_ = 1;  // ZMTP 3.0 peers (0) get subscriptions as messages
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
    bool out_more_ = false;  // the last frame taken from the pipe had more frames after it
    bool pipe_drained_ = true;
    bool pollout_ = false;
};

}  // namespace zmx::detail
