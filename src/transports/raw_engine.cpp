// raw_engine: bytes between a stream and a pipe, one message per read, no protocol.
#include "transports/raw_engine.hpp"

#include <cerrno>
#include <string>
#include <utility>

#include "core/metadata.hpp"

namespace zmx::detail {
namespace {
constexpr std::size_t rbuf_size = 64 * 1024;   // the most one read (so one message) takes
constexpr int reads_per_event = 8;             // reads per readiness event while the kernel has more
constexpr std::size_t out_batch = 256 * 1024;  // bytes taken from the pipe for one writev
constexpr std::size_t max_iov = 64;            // messages taken from the pipe for one writev
}  // namespace

raw_engine::raw_engine(reactor& loop, std::unique_ptr<stream> s, const socket_options&, engine_events& owner)
    : loop_(loop), stream_(std::move(s)), owner_(owner), rbuf_(rbuf_size) {
    iov_.reserve(max_iov);
}

raw_engine::~raw_engine() {
    stop();
    if (meta_ != nullptr) meta_->release();
}

void raw_engine::start() {
    handle_ = loop_.add(stream_->fd(), this);
    if (std::string peer = stream_->peer_address(); !peer.empty()) {  // as libzmq: none without an address
        property_list props;
        props.emplace_back("Peer-Address", std::move(peer));
        meta_ = new metadata(std::move(props));
    }
    owner_.engine_ready(*this);  // no handshake: ready at once
}

void raw_engine::stop() {
    dead_ = true;
    if (handle_ != nullptr) {
        loop_.remove(handle_);
        handle_ = nullptr;
    }
    pollout_ = false;
}

void raw_engine::plug(pipe& p) {
    if (dead_) return;
    pipe_ = &p;
    pipe_drained_ = false;
    notify_socket();  // connected
    loop_.set_pollin(handle_);
    restart_output();
}

void raw_engine::unplug() {
    pipe_ = nullptr;
    pipe_drained_ = true;
}

void raw_engine::notify_socket() {
    message m;
    if (meta_ != nullptr) m.set_metadata(meta_);
    pipe_->write_past_hwm(m);
}

void raw_engine::fail(engine_error::kind why, int err) {
    if (dead_) return;
    if (why != engine_error::kind::closed && pipe_ != nullptr) {
        // What the peer sent before it went comes first (one chunk past the HWM at most), then the end.
        if (has_pending_in_) pipe_->write_past_hwm(pending_in_);
        has_pending_in_ = false;
        notify_socket();  // disconnected
    }
    stop();
    engine_error e;
    e.reason = why;
    e.err = err;
    e.handshaked = true;
    owner_.engine_failed(*this, e);
}

bool raw_engine::deliver(message& msg) {
    if (pipe_ == nullptr) return false;
    if (meta_ != nullptr) msg.set_metadata(meta_);
    return pipe_->write(msg);
}

void raw_engine::pause_input(message& msg) {
    pending_in_ = std::move(msg);
    has_pending_in_ = true;
    input_stopped_ = true;
    if (handle_ != nullptr) loop_.reset_pollin(handle_);
}

void raw_engine::on_readable() {
    if (dead_) return;
    if (input_stopped_) {
        // With input paused only an error or hang-up gets here, reported on every turn until we read.
        // Stop polling until input resumes; reading then finds what the kernel still holds, then the
        // end (as stream_engine does).
        loop_.remove(handle_);
        handle_ = nullptr;
        pollout_ = false;
        return;
    }
    for (int i = 0; i < reads_per_event; ++i) {
        const long n = stream_->read(rbuf_);
        if (n == 0) {
            if (pipe_ != nullptr) pipe_->flush();
            return fail(engine_error::kind::connection, ECONNRESET);  // the peer's orderly end
        }
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) break;
            if (pipe_ != nullptr) pipe_->flush();
            return fail(engine_error::kind::connection, errno);
        }
        message m(rbuf_.data(), static_cast<std::size_t>(n));
        if (!deliver(m)) {
            pause_input(m);
            break;
        }
        if (static_cast<std::size_t>(n) < rbuf_.size()) break;  // the kernel had no more
    }
    if (pipe_ != nullptr) pipe_->flush();
}

void raw_engine::restart_input() {
    if (dead_ || pipe_ == nullptr) return;
    if (has_pending_in_) {
        if (!pipe_->write(pending_in_)) return;  // still full; wait for the next pipe_writable
        has_pending_in_ = false;
        pipe_->flush();
    }
    if (!input_stopped_) return;
    input_stopped_ = false;
    if (handle_ == nullptr) {  // polling stopped at a hang-up while paused (see on_readable)
        handle_ = loop_.add(stream_->fd(), this);
        if (!out_.empty()) {
            loop_.set_pollout(handle_);
            pollout_ = true;
        }
    }
    loop_.set_pollin(handle_);
}

void raw_engine::restart_output() {
    if (dead_ || pipe_ == nullptr) return;
    pipe_drained_ = false;
    if (!pollout_) flush_output();  // else on_writable goes on with what is queued
}

void raw_engine::on_writable() {
    if (dead_) return;
    flush_output();
}

void raw_engine::fill_output() {
    if (pipe_ == nullptr || closing_) return;
    message m;
    while (out_bytes_ < out_batch && out_.size() < max_iov) {
        if (!pipe_->read(m)) {
            pipe_drained_ = true;
            return;
        }
        if (m.size() == 0) {  // the socket closes this connection after what came before
            closing_ = true;
            return;
        }
        out_bytes_ += m.size();
        out_.push_back(std::move(m));
    }
}

void raw_engine::flush_output() {
    for (;;) {
        fill_output();
        if (out_.empty()) {
            if (closing_) return fail(engine_error::kind::closed, 0);
            if (pollout_) {
                loop_.reset_pollout(handle_);
                pollout_ = false;
            }
            if (pipe_ != nullptr && pipe_drained_) owner_.engine_drained(*this);
            return;
        }
        iov_.clear();
        std::size_t skip = out_offset_;
        for (message& m : out_) {
            iov_.push_back({static_cast<char*>(m.data()) + skip, m.size() - skip});
            skip = 0;
        }
        const long n = stream_->writev(iov_.data(), static_cast<int>(iov_.size()));
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) {
                if (!pollout_ && handle_ != nullptr) {
                    loop_.set_pollout(handle_);
                    pollout_ = true;
                }
                return;
            }
            return fail(engine_error::kind::connection, errno);
        }
        auto left = static_cast<std::size_t>(n);
        out_bytes_ -= left;
        while (left > 0) {
            const std::size_t rest = out_.front().size() - out_offset_;
            if (left < rest) {
                out_offset_ += left;
                break;
            }
            left -= rest;
            out_.pop_front();
            out_offset_ = 0;
        }
    }
}

}  // namespace zmx::detail
