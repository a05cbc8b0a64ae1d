#pragma once
// The NULL mechanism (RFC 23/37 as libzmq does it): each side sends READY (Socket-Type + extra
// properties) as soon as asked and expects one READY back; ERROR from the peer fails the handshake.
// One per connection, owned like any mechanism; called only on its engine's thread. No ZAP yet.
#include "mechanisms/mechanism.hpp"

namespace zmx::detail {

class null_mechanism final : public mechanism {
public:
    explicit null_mechanism(mechanism_config cfg) : cfg_(std::move(cfg)) {}

    // READY once (EINVAL if the configured properties cannot be encoded), then EAGAIN.
    int next_handshake_command(message& out) override;
    // READY: metadata parsed (wire order kept; missing Socket-Type accepted; each Socket-Type is
    // checked with cfg.compatible, case-sensitive names) — malformed or incompatible →
    // EPROTO / zmtp_invalid_metadata (libzmq 4.3.4 closes without a PROTOCOL event here).
    // ERROR: → EPROTO, reason kept (auth_status() set for 300/400/500; malformed →
    // zmtp_malformed_command_error). Anything else, or any command after READY/ERROR →
    // EPROTO / zmtp_unexpected_command.
    int process_handshake_command(message& cmd) override;

    status state() const override;
    std::string_view name() const override { return "NULL"; }

private:
    mechanism_config cfg_;
    bool ready_sent_ = false;
    bool ready_received_ = false;
    bool failed_ = false;
};

}  // namespace zmx::detail
