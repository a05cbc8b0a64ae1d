// ZMTP greeting exchange and mechanism handshake driver.
#include "zmtp/handshake.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace zmx::detail::zmtp {

namespace {
constexpr std::size_t sig_end = 9;  // byte 9: 0x7F; bit 0 set = versioned (not ZMTP 1.0)
constexpr std::size_t major_pos = 10;
constexpr std::size_t minor_pos = 11;
constexpr std::size_t mech_pos = 12;
constexpr std::size_t as_server_pos = 32;
}  // namespace

handshake::handshake(std::unique_ptr<mechanism> m, std::int64_t maxmsgsize)
    : mech_(std::move(m)), decoder_(maxmsgsize) {
    auto& g = own_greeting_;
    g[0] = 0xFF;
    g[8] = 0x01;  // padding, libzmq's "no identity" value
    g[sig_end] = 0x7F;
    g[major_pos] = 3;
    g[minor_pos] = 1;
    const std::string_view name = mech_->name();
    std::memcpy(&g[mech_pos], name.data(), std::min(name.size(), mechanism_name_size));
    g[as_server_pos] = 0;
    const auto* p = reinterpret_cast<const std::byte*>(g.data());
    out_.assign(p, p + greeting_size);
}

void handshake::consume_output(std::size_t n) noexcept {
    out_pos_ += std::min(n, out_.size() - out_pos_);
    if (out_pos_ == out_.size()) {
        out_.clear();
        out_pos_ = 0;
    }
}

int handshake::peer_minor() const noexcept {
    const int major = peer_greeting_[major_pos];
    const int minor = peer_greeting_[minor_pos];
    return major == 3 ? minor : std::max(minor, 1);
}

std::size_t handshake::input(std::span<const std::byte> in) {
    if (state_ != state::in_progress) return 0;
    std::size_t used = 0;
    if (greeting_have_ < greeting_size) {
        used = input_greeting(in);
        in = in.subspan(used);
    }
    while (state_ == state::in_progress && !in.empty()) {
        const std::size_t before = in.size();
        const frame_decoder::result r = decoder_.decode(in, cmd_);
        used += before - in.size();
        if (r == frame_decoder::result::need_more) break;
        if (r == frame_decoder::result::error) {
            fail(decoder_.error_code(), protocol_errors::zmtp_unspecified,
                 decoder_.error_code() == EMSGSIZE ? "handshake frame exceeds maxmsgsize"
                                                   : "cannot allocate handshake frame");
            break;
        }
        const int rc = mech_->process_handshake_command(cmd_);
        cmd_.clear();
        if (rc != 0) {
            auth_status_ = mech_->auth_status();
            fail(rc, mech_->protocol_error(), mech_->failure_reason());
            break;
        }
        step();
    }
    return used;
}

std::size_t handshake::input_greeting(std::span<const std::byte> in) {
    const std::size_t from = greeting_have_;
    const std::size_t take = std::min(in.size(), greeting_size - from);
    if (take == 0) return 0;
    std::memcpy(&peer_greeting_[from], in.data(), take);
    greeting_have_ += take;
    if (check_greeting(from, greeting_have_) && greeting_have_ == greeting_size) step();
    return take;
}

// Validates the greeting bytes [from, to) as soon as each decisive byte has arrived.
bool handshake::check_greeting(std::size_t from, std::size_t to) {
    const auto arrived = [&](std::size_t pos) { return from <= pos && pos < to; };
    const auto& g = peer_greeting_;
    if (arrived(0) && g[0] != 0xFF) {
        fail(EPROTO, protocol_errors::zmtp_unspecified, "peer speaks unversioned ZMTP 1.0");
        return false;
    }
    if (arrived(sig_end) && (g[sig_end] & 1) == 0) {
        fail(EPROTO, protocol_errors::zmtp_unspecified, "peer speaks ZMTP 1.0");
        return false;
    }
    if (arrived(major_pos) && g[major_pos] < 2) {
        fail(EPROTO, protocol_errors::zmtp_unspecified,
             g[major_pos] == 0 ? "peer speaks ZMTP 1.0" : "peer speaks ZMTP 2.0");
        return false;
    }
    if (arrived(mech_pos + mechanism_name_size - 1) &&
        std::memcmp(&g[mech_pos], &own_greeting_[mech_pos], mechanism_name_size) != 0) {
        fail(EPROTO, protocol_errors::zmtp_mechanism_mismatch, "security mechanism mismatch");
        return false;
    }
    return true;
}

void handshake::step() {
    for (;;) {
        message m;
        const int rc = mech_->next_handshake_command(m);
        if (rc == EAGAIN) break;
        if (rc != 0) {
            fail(rc, mech_->protocol_error(), mech_->failure_reason());
            return;
        }
        queue_frame(m);
    }
    switch (mech_->state()) {
        case mechanism::status::handshaking:
            break;
        case mechanism::status::ready:
            peer_props_ = mech_->peer_properties();
            state_ = state::done;
            break;
        case mechanism::status::error:
            auth_status_ = mech_->auth_status();
            fail(EPROTO, mech_->protocol_error(), mech_->failure_reason());
            break;
    }
}

void handshake::queue_frame(const message& m) {
    std::byte header[max_frame_header];
    const std::size_t hlen = encode_frame_header(m.flags(), m.size(), header);
    out_.insert(out_.end(), header, header + hlen);
    const auto body = m.bytes();
    out_.insert(out_.end(), body.begin(), body.end());
}

void handshake::fail(int err, int perr, std::string why) {
    state_ = state::failed;
    error_ = err;
    protocol_error_ = perr != 0 ? perr : protocol_errors::zmtp_unspecified;
    reason_ = std::move(why);
}

}  // namespace zmx::detail::zmtp
