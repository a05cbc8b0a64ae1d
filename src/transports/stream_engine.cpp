// stream_engine: handshake, then frames between a stream and a pipe.
#include "transports/stream_engine.hpp"

#include <cerrno>
#include <cstring>

#include "core/metadata.hpp"
#include "mechanisms/null.hpp"
#include "sockets/socket_type.hpp"
#include "zmtp/commands.hpp"
#include "zmtp/handshake.hpp"

namespace zmx::detail {
namespace {
constexpr std::size_t rbuf_size = 64 * 1024;
constexpr std::size_t obuf_size = 64 * 1024;
constexpr std::size_t copy_limit = 2048;  // bodies up to this size are copied into the write buffer
constexpr std::size_t max_iov = 256;
}  // namespace

stream_engine::stream_engine(reactor& loop, std::unique_ptr<stream> s, const socket_options& o,
                             const socket_type_info& type, engine_events& owner)
    : loop_(loop), stream_(std::move(s)), opts_(o), type_(type), owner_(owner), decoder_(o.maxmsgsize),
      rbuf_(rbuf_size), obuf_(obuf_size) {
    iov_.reserve(max_iov);
    mechanism_config cfg;
    cfg.socket_type = std::string(type.name);
    const socket_type_info* own = &type;
    cfg.compatible = [own](std::string_view, std::string_view peer) { return socket_types_compatible(*own, peer); };
    handshake_ = std::make_unique<zmtp::handshake>(std::make_unique<null_mechanism>(std::move(cfg)), o.maxmsgsize);
}

stream_engine::~stream_engine() {
    if (handle_ != nullptr) loop_.remove(handle_);
    if (handshake_timer_ != 0) loop_.cancel_timer(handshake_timer_);
    if (meta_ != nullptr) meta_->release();
}

void stream_engine::start() {
    handle_ = loop_.add(stream_->fd(), this);
    loop_.set_pollin(handle_);
    if (opts_.handshake_ivl > 0)
        handshake_timer_ = loop_.add_timer(opts_.handshake_ivl, [this] {
            handshake_timer_ = 0;
            fail(ETIMEDOUT);
        });
    queue_output_bytes(handshake_->output());
    handshake_->consume_output(handshake_->output().size());
    flush_output();
}

void stream_engine::stop() {
    dead_ = true;
    if (handle_ != nullptr) {
        loop_.remove(handle_);
        handle_ = nullptr;
    }
    if (handshake_timer_ != 0) {
        loop_.cancel_timer(handshake_timer_);
        handshake_timer_ = 0;
    }
}

void stream_engine::fail(int err) {
    if (dead_) return;
    stop();
    engine_error why;
    why.err = err;
    why.handshaked = handshake_ == nullptr;
    if (err == ETIMEDOUT) why.reason = engine_error::kind::timeout;
    else if (err == EPROTO || err == EMSGSIZE) why.reason = engine_error::kind::protocol;
    if (handshake_ && why.reason == engine_error::kind::protocol) why.protocol_error = handshake_->protocol_error();
    owner_.engine_failed(*this, why);
}

void stream_engine::on_readable() {
    if (dead_ || input_stopped_) return;
    long n;
    std::span<std::byte> direct = handshake_ ? std::span<std::byte>{} : decoder_.direct_buffer();
    if (!direct.empty() && rbuf_pos_ == rbuf_len_) {
        // Large body: read straight into the message.
        n = stream_->read(direct);
        if (n > 0) {
            const auto r = decoder_.advance(static_cast<std::size_t>(n), frame_);
            if (r == zmtp::frame_decoder::result::error) return fail(EPROTO);
            if (r == zmtp::frame_decoder::result::frame) {
                if (!deliver(frame_)) {
                    pending_in_ = std::move(frame_);
                    has_pending_in_ = true;
                    input_stopped_ = true;
                    loop_.reset_pollin(handle_);
                }
                if (pipe_ != nullptr) pipe_->flush();
            }
            return;
        }
    } else {
        if (rbuf_pos_ > 0) {
            std::memmove(rbuf_.data(), rbuf_.data() + rbuf_pos_, rbuf_len_ - rbuf_pos_);
            rbuf_len_ -= rbuf_pos_;
            rbuf_pos_ = 0;
        }
        n = stream_->read(std::span(rbuf_.data() + rbuf_len_, rbuf_.size() - rbuf_len_));
        if (n > 0) rbuf_len_ += static_cast<std::size_t>(n);
    }
    if (n == 0) return fail(ECONNRESET);
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) return;
        return fail(errno);
    }
    if (handshake_) {
        handshake_step();  // on completion the owner plugs a pipe, which processes the rest
        return;
    }
    if (pipe_ != nullptr) process_traffic(std::span<const std::byte>(rbuf_.data() + rbuf_pos_, rbuf_len_ - rbuf_pos_));
}

void stream_engine::handshake_step() {
    rbuf_pos_ += handshake_->input(std::span<const std::byte>(rbuf_.data() + rbuf_pos_, rbuf_len_ - rbuf_pos_));
    if (!handshake_->output().empty()) {
        queue_output_bytes(handshake_->output());
        handshake_->consume_output(handshake_->output().size());
        flush_output();
        if (dead_) return;
    }
    switch (handshake_->status()) {
    case zmtp::handshake::state::in_progress: return;
    case zmtp::handshake::state::failed: return fail(handshake_->error() != 0 ? handshake_->error() : EPROTO);
    case zmtp::handshake::state::done: break;
    }
    property_list props = handshake_->peer_properties();
    props.emplace_back("Peer-Address", stream_->peer_address());
    meta_ = new metadata(std::move(props));
    mechanism_ = handshake_->release_mechanism();
    handshake_.reset();
    if (handshake_timer_ != 0) {
        loop_.cancel_timer(handshake_timer_);
        handshake_timer_ = 0;
    }
    owner_.engine_ready(*this);
}

bool stream_engine::process_traffic(std::span<const std::byte> in) {
    const std::byte* start = in.data();
    bool ok = true;
    while (!in.empty()) {
        const auto r = decoder_.decode(in, frame_);
        if (r == zmtp::frame_decoder::result::need_more) break;
        if (r == zmtp::frame_decoder::result::error) {
            fail(decoder_.error_code() != 0 ? decoder_.error_code() : EPROTO);
            return false;
        }
        if (!deliver(frame_)) {
            pending_in_ = std::move(frame_);
            has_pending_in_ = true;
            input_stopped_ = true;
            loop_.reset_pollin(handle_);
            ok = false;
            break;
        }
        if (dead_) return false;
    }
    rbuf_pos_ += static_cast<std::size_t>(in.data() - start);
    if (pipe_ != nullptr) pipe_->flush();
    return ok;
}

bool stream_engine::deliver(message& msg) {
    if (mechanism_->decode(msg) != 0) {
        fail(EPROTO);
        return true;
    }
    if (msg.is_command()) {
        handle_command(msg);
        return true;
    }
    if (pipe_ == nullptr) return false;
    msg.set_metadata(meta_);
    return pipe_->write(msg);
}

void stream_engine::handle_command(message& cmd) {
    zmtp::ping_command ping;
    if (zmtp::parse_ping(cmd.bytes(), ping)) {
        message pong = zmtp::make_pong(ping.context);
        queue_message(pong);
        flush_output();
    }
    // PONG and commands this socket type has no use for are dropped, as libzmq does.
    cmd.clear();
}

void stream_engine::plug(pipe& p) {
    pipe_ = &p;
    pipe_drained_ = false;
    restart_output();
    if (!dead_) restart_input();
}

void stream_engine::unplug() {
    pipe_ = nullptr;
    pipe_drained_ = true;
}

void stream_engine::restart_input() {
    if (dead_ || pipe_ == nullptr) return;
    if (has_pending_in_) {
        if (!pipe_->write(pending_in_)) return;  // still full; wait for the next pipe_writable
        has_pending_in_ = false;
    }
    if (!process_traffic(std::span<const std::byte>(rbuf_.data() + rbuf_pos_, rbuf_len_ - rbuf_pos_))) return;
    if (input_stopped_) {
        input_stopped_ = false;
        loop_.set_pollin(handle_);
    }
}

void stream_engine::restart_output() {
    if (dead_ || pipe_ == nullptr) return;
    pipe_drained_ = false;
    if (!output_pending_) flush_output();
}

void stream_engine::on_writable() {
    if (dead_) return;
    flush_output();
}

void stream_engine::queue_output_bytes(std::span<const std::byte> bytes) {
    if (bytes.empty()) return;
    output_pending_ = true;
    if (obuf_len_ + bytes.size() > obuf_.size()) {  // rare (a burst of commands): a buffer of its own
        held_.emplace_back(bytes.data(), bytes.size());
        iov_.push_back({held_.back().data(), bytes.size()});
        last_iov_in_obuf_ = false;
        return;
    }
    std::byte* dst = obuf_.data() + obuf_len_;
    std::memcpy(dst, bytes.data(), bytes.size());
    obuf_len_ += bytes.size();
    if (last_iov_in_obuf_ && !iov_.empty() && static_cast<std::byte*>(iov_.back().iov_base) + iov_.back().iov_len == dst)
        iov_.back().iov_len += bytes.size();
    else
        iov_.push_back({dst, bytes.size()});
    last_iov_in_obuf_ = true;
}

void stream_engine::queue_message(message& msg) {
    if (mechanism_ && mechanism_->encode(msg) != 0) return fail(EPROTO);
    std::byte hdr[zmtp::max_frame_header];
    const std::size_t hlen = zmtp::encode_frame_header(msg.flags(), msg.size(), hdr);
    queue_output_bytes({hdr, hlen});
    if (msg.size() <= copy_limit) {
        queue_output_bytes(msg.bytes());
    } else {
        held_.push_back(std::move(msg));  // deque: element addresses stay valid
        iov_.push_back({held_.back().data(), held_.back().size()});
        last_iov_in_obuf_ = false;
        output_pending_ = true;
    }
}

void stream_engine::fill_output() {
    if (pipe_ == nullptr) return;
    message msg;
    while (iov_.size() + 3 < max_iov && obuf_len_ + copy_limit + zmtp::max_frame_header <= obuf_.size()) {
        if (!pipe_->read(msg)) {
            pipe_drained_ = true;
            return;
        }
        queue_message(msg);
        if (dead_) return;
    }
}

void stream_engine::flush_output() {
    for (;;) {
        if (iov_first_ == iov_.size()) {
            iov_.clear();
            held_.clear();
            obuf_len_ = 0;
            last_iov_in_obuf_ = false;
            iov_first_ = 0;
            output_pending_ = false;
            fill_output();
            if (dead_) return;
            if (iov_.empty()) {
                if (pollout_) {
                    loop_.reset_pollout(handle_);
                    pollout_ = false;
                }
                if (pipe_ != nullptr && pipe_drained_) owner_.engine_drained(*this);
                return;
            }
        }
        const long n = stream_->writev(iov_.data() + iov_first_, static_cast<int>(iov_.size() - iov_first_));
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) {
                if (!pollout_ && handle_ != nullptr) {
                    loop_.set_pollout(handle_);
                    pollout_ = true;
                }
                return;
            }
            return fail(errno);
        }
        auto left = static_cast<std::size_t>(n);
        while (iov_first_ < iov_.size() && left >= iov_[iov_first_].iov_len) left -= iov_[iov_first_++].iov_len;
        if (left > 0) {
            iov_[iov_first_].iov_base = static_cast<char*>(iov_[iov_first_].iov_base) + left;
            iov_[iov_first_].iov_len -= left;
        }
    }
}

}  // namespace zmx::detail
