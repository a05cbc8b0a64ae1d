#pragma once
// raw_engine — one connection of a STREAM socket (or a raw socket) over a byte stream: no greeting, no
// handshake, no framing. Bytes read become one single-part message per read; each message from the
// pipe is written as its bytes; an empty message from the pipe closes the connection once everything
// before it has been written. As libzmq's raw engine, it tells the socket of the connection with an
// empty message when it is plugged and of its end with another (the socket type decides whether the
// application sees them: ZMQ_STREAM_NOTIFY). Every message carries Peer-Address metadata.
// One of the two engines (engine.hpp). Owned by a session and pinned to its I/O thread: every method
// runs on that thread only. It reports to its owner through engine_events and never destroys itself.
#include <sys/uio.h>

#include <cstddef>
#include <deque>
#include <memory>
#include <vector>
#include <zmx/message.hpp>

#include "core/options.hpp"
#include "core/pipe.hpp"
#include "io/reactor.hpp"
#include "transports/engine.hpp"
#include "transports/transport.hpp"

namespace zmx::detail {

class raw_engine final : public engine, private io_handler {
public:
    raw_engine(reactor& loop, std::unique_ptr<stream> s, const socket_options& o, engine_events& owner);
    ~raw_engine() override;
    raw_engine(const raw_engine&) = delete;
    raw_engine& operator=(const raw_engine&) = delete;

    // The engine interface (see engine.hpp); start() reports ready at once.
    void start() override;
    void stop() override;
    void plug(pipe& p) override;
    void unplug() override;
    void restart_input() override;
    void restart_output() override;
    bool output_idle() const noexcept override { return out_.empty() && pipe_drained_; }
    metadata* peer_metadata() const noexcept override { return meta_; }
    int fd() const noexcept override { return stream_->fd(); }

private:
    void on_readable() override;
    void on_writable() override;
    void fail(engine_error::kind why, int err);
    void notify_socket();  // an empty message: connected, or disconnected
    bool deliver(message& msg);
    void pause_input(message& msg);
    void fill_output();
    void flush_output();

    reactor& loop_;
    std::unique_ptr<stream> stream_;
    engine_events& owner_;
    reactor::handle handle_ = nullptr;
    metadata* meta_ = nullptr;
    pipe* pipe_ = nullptr;
    bool dead_ = false;

    // Input: one read, one message. A message the full pipe refused waits in pending_in_.
    std::vector<std::byte> rbuf_;
    message pending_in_;
    bool has_pending_in_ = false;
    bool input_stopped_ = false;

    // Output: whole messages from the pipe, written with writev straight from their bodies.
    std::deque<message> out_;
    std::size_t out_bytes_ = 0;   // bytes in out_ not yet written
    std::size_t out_offset_ = 0;  // bytes of out_.front() already written
    std::vector<iovec> iov_;
    bool closing_ = false;  // an empty message came: close once out_ is written
    bool pipe_drained_ = true;
    bool pollout_ = false;
};

}  // namespace zmx::detail
