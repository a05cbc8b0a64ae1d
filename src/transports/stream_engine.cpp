// stream_engine: handshake, then frames between a stream and a pipe.
#include "transports/stream_engine.hpp"

#include <cerrno>
#include <cstring>

#include "core/metadata.hpp"
#include "io/clock.hpp"
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
constexpr int meta_batch = 1024;  // references to meta_ taken at a time (see meta_stock_)
}  // namespace

stream_engine::stream_engine(reactor& loop, std::unique_ptr<stream> s, const socket_options& o,
                             const socket_type_info& type, engine_events& owner)
    : loop_(loop), stream_(std::move(s)), opts_(o), type_(type), owner_(owner), decoder_(o.maxmsgsize),
      rbuf_(rbuf_size), obuf_(obuf_size) {
    iov_.reserve(max_iov);
    mechanism_config cfg;
    cfg.socket_type = std::string(type.name);
    if ((type.features & sends_routing_id) != 0) cfg.extra_properties.emplace_back("Identity", o.routing_id);
    const socket_type_info* own = &type;
    cfg.compatible = [own](std::string_view, std::string_view peer) { return socket_types_compatible(*own, peer); };
    handshake_ = std::make_unique<zmtp::handshake>(std::make_unique<null_mechanism>(std::move(cfg)), o.maxmsgsize);
}

stream_engine::~stream_engine() {
    stop();
    if (meta_ != nullptr) meta_->release(meta_stock_ + 1);
}

void stream_engine::start() {
    handle_ = loop_.add(stream_->fd(), this);
    loop_.set_pollin(handle_);
    if (opts_.handshake_ivl > 0)
        handshake_timer_ = loop_.add_timer(opts_.handshake_ivl, [this] {
            handshake_timer_ = 0;
            fail(engine_error::kind::timeout, ETIMEDOUT);
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
    for (reactor::timer_id* t : {&handshake_timer_, &ping_timer_, &timeout_.id, &ttl_.id}) {
        if (*t != 0) loop_.cancel_timer(*t);
        *t = 0;
    }
}

void stream_engine::fail(engine_error::kind why, int err) {
    if (dead_) return;
    stop();
    engine_error e;
    e.reason = why;
    e.err = err;
    e.handshaked = handshake_ == nullptr;
    if (handshake_ && why == engine_error::kind::protocol) {
        e.protocol_error =
            handshake_->protocol_error() != 0 ? handshake_->protocol_error() : protocol_errors::zmtp_unspecified;
        e.auth_status = handshake_->auth_status();
    }
    owner_.engine_failed(*this, e);
}

// A frame the decoder refused: over ZMQ_MAXMSGSIZE (or not addressable) is EMSGSIZE, anything else EPROTO.
void stream_engine::fail_decoder() {
    fail(engine_error::kind::protocol, decoder_.error_code() == EMSGSIZE ? EMSGSIZE : EPROTO);
}

void stream_engine::on_readable() {
    if (dead_) return;
    if (input_stopped_) {
        // With input paused only an error or hang-up gets here, and epoll would report it on every
        // turn until we read. Stop polling until input resumes; then reading finds whatever the
        // kernel still holds, and the end after it. (libzmq fails at once here, losing that data.)
        loop_.remove(handle_);
        handle_ = nullptr;
        pollout_ = false;
        return;
    }
    long n;
    std::span<std::byte> direct = handshake_ ? std::span<std::byte>{} : decoder_.direct_buffer();
    if (!direct.empty() && rbuf_pos_ == rbuf_len_) {
        // Large body: read straight into the message.
        n = stream_->read(direct);
        if (n > 0) {
            const auto r = decoder_.advance(static_cast<std::size_t>(n), frame_);
            if (r == zmtp::frame_decoder::result::error) return fail_decoder();
            if (r == zmtp::frame_decoder::result::frame) {
                if (!deliver(frame_)) {
                    pending_in_ = std::move(frame_);
                    has_pending_in_ = true;
                    input_stopped_ = true;
                    if (handle_ != nullptr) loop_.reset_pollin(handle_);
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
    if (n == 0) return fail(engine_error::kind::connection, ECONNRESET);  // orderly end of stream
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) return;
        return fail(engine_error::kind::connection, errno);
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
    case zmtp::handshake::state::failed:
        return fail(engine_error::kind::protocol, handshake_->error() == EMSGSIZE ? EMSGSIZE : EPROTO);
    case zmtp::handshake::state::done: break;
    }
    property_list props = handshake_->peer_properties();
    props.emplace_back("Peer-Address", stream_->peer_address());
    meta_ = new metadata(std::move(props));
    peer_minor_ = handshake_->peer_minor();
    mechanism_ = handshake_->release_mechanism();
    handshake_.reset();
    if (handshake_timer_ != 0) {
        loop_.cancel_timer(handshake_timer_);
        handshake_timer_ = 0;
    }
    start_heartbeats();
    // ZMQ_HELLO_MSG goes out before anything from the pipe, on every connection (libzmq's
    // hello_msg_session_t): one ordinary single-frame message.
    if ((type_.features & notify_hello) != 0 && !opts_.hello_msg.empty()) {
        message hello(opts_.hello_msg.data(), opts_.hello_msg.size());
        queue_message(hello);
        if (!dead_) flush_output();
        if (dead_) return;
    }
    owner_.engine_ready(*this);
}

void stream_engine::start_heartbeats() {
    if (opts_.heartbeat_ivl <= 0) return;
    ping_timer_ = loop_.add_timer(opts_.heartbeat_ivl, [this] {
        ping_timer_ = 0;
        send_ping();
    });
}

// Every heartbeat_ivl (a fixed period, whatever the traffic): a PING announcing our TTL, then a
// wait of heartbeat_timeout (heartbeat_ivl when -1) for any frame from the peer.
void stream_engine::send_ping() {
    start_heartbeats();
    message ping = zmtp::make_ping(zmtp::ping_ttl_ds(opts_.heartbeat_ttl));
    queue_message(ping);
    if (dead_) return;
    const int wait_ms = opts_.heartbeat_timeout == -1 ? opts_.heartbeat_ivl : opts_.heartbeat_timeout;
    if (wait_ms > 0 && !armed(timeout_)) arm(timeout_, wait_ms);
    flush_output();
}

void stream_engine::arm(liveness_timer& t, std::int64_t delay_ms) {
    t.period_ms = delay_ms;
    t.deadline_us = now_us() + delay_ms * 1000;
    t.mark = rx_frames_;
    if (t.id != 0 && t.fires_at_us <= t.deadline_us) return;  // it re-arms itself for the rest
    cancel(t);
    start_timer(t, delay_ms);
}

void stream_engine::start_timer(liveness_timer& t, std::int64_t delay_ms) {
    t.fires_at_us = now_us() + delay_ms * 1000;
    t.id = loop_.add_timer(delay_ms, [this, &t] { liveness_expired(t); });
}

void stream_engine::liveness_expired(liveness_timer& t) {
    t.id = 0;
    if (t.mark != rx_frames_) return;  // a frame arrived: cancelled
    const std::int64_t left_us = t.deadline_us - now_us();
    if (left_us > 0) return start_timer(t, (left_us + 999) / 1000);
    if (input_stopped_) {
        // We are not reading (the pipe is full), so the silence may be ours, not the peer's: give
        // it another full period, counted from now.
        t.deadline_us = now_us() + t.period_ms * 1000;
        return start_timer(t, t.period_ms);
    }
    fail(engine_error::kind::timeout, ETIMEDOUT);
}

void stream_engine::cancel(liveness_timer& t) {
    if (t.id != 0) loop_.cancel_timer(t.id);
    t.id = 0;
}

bool stream_engine::process_traffic(std::span<const std::byte> in) {
    const std::byte* start = in.data();
    bool ok = true;
    while (!in.empty()) {
        const auto r = decoder_.decode(in, frame_);
        if (r == zmtp::frame_decoder::result::need_more) break;
        if (r == zmtp::frame_decoder::result::error) {
            fail_decoder();
            return false;
        }
        if (!deliver(frame_)) {
            pending_in_ = std::move(frame_);
            has_pending_in_ = true;
            input_stopped_ = true;
            if (handle_ != nullptr) loop_.reset_pollin(handle_);
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
    ++rx_frames_;  // any frame cancels the heartbeat timeout and the peer's TTL (see liveness_timer)
    if (mechanism_->decode(msg) != 0) {
        fail(engine_error::kind::protocol, EPROTO);
        return true;
    }
    if (msg.is_command() && !subscription_to_message(msg)) {
        handle_command(msg);
        return true;
    }
    if (pipe_ == nullptr) return false;
    if (meta_ != nullptr) {
        if (meta_stock_ == 0) {
            meta_->add_ref(meta_batch);
            meta_stock_ = meta_batch;
        }
        --meta_stock_;
        msg.adopt_metadata(meta_);
    }
    return pipe_->write(msg);
}

// (X)PUB: a SUBSCRIBE/CANCEL command becomes the message form (0x01/0x00 | topic), flagged, which
// is what 3.0 peers and inproc peers send; the socket type sees one form only.
bool stream_engine::subscription_to_message(message& cmd) {
    if ((type_.features & publisher) == 0) return false;
    std::span<const std::byte> topic;
    std::uint8_t flag = message::flag_subscribe;
    if (!zmtp::parse_subscribe(cmd.bytes(), topic)) {
        if (!zmtp::parse_cancel(cmd.bytes(), topic)) return false;
        flag = message::flag_cancel;
    }
    message m(1 + topic.size());
    auto* out = static_cast<std::byte*>(m.data());
    out[0] = std::byte{flag == message::flag_subscribe ? std::uint8_t{1} : std::uint8_t{0}};
    if (!topic.empty()) std::memcpy(out + 1, topic.data(), topic.size());
    m.set_flags(flag);
    cmd = std::move(m);
    return true;
}

// (X)SUB: a flagged single-frame subscription message goes to a ZMTP 3.1 peer as a SUBSCRIBE/CANCEL
// command (fill_output checks it is a whole message).
void stream_engine::message_to_subscription(message& msg) {
    const auto body = msg.bytes();
    if (peer_minor_ < 1 || body.empty()) return;
    msg = (msg.flags() & message::flag_subscribe) != 0 ? zmtp::make_subscribe(body.subspan(1))
                                                       : zmtp::make_cancel(body.subspan(1));
}

void stream_engine::handle_command(message& cmd) {
    zmtp::ping_command ping;
    if (zmtp::parse_ping(cmd.bytes(), ping)) {
        // The peer expects to hear from us within its TTL, and would have us drop it after as long
        // without a frame from it. This PING restarts that wait; a TTL of 0 leaves none.
        if (ping.ttl_ds > 0) arm(ttl_, zmtp::ping_ttl_ms(ping.ttl_ds));
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
    // The rest of a message whose first frames went out on this connection must not open the next one.
    message rest;
    while (pipe_ != nullptr && out_more_ && pipe_->read(rest)) out_more_ = rest.more();
    out_more_ = false;
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
        if (handle_ == nullptr) {  // polling stopped at a hang-up while paused (see on_readable)
            handle_ = loop_.add(stream_->fd(), this);
            if (output_pending_) {
                loop_.set_pollout(handle_);
                pollout_ = true;
            }
        }
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
    if (mechanism_ && mechanism_->encode(msg) != 0) return fail(engine_error::kind::protocol, EPROTO);
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
        const bool whole = !out_more_ && !msg.more();  // a single-frame message: may be a subscription
        out_more_ = msg.more();
        if (whole && (msg.flags() & (message::flag_subscribe | message::flag_cancel)) != 0) message_to_subscription(msg);
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
            return fail(engine_error::kind::connection, errno);
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
