// NULL mechanism state machine.
#include "mechanisms/null.hpp"

#include "zmtp/commands.hpp"
#include "zmtp/metadata_codec.hpp"

namespace zmx::detail {

int null_mechanism::next_handshake_command(message& out) {
    if (failed_) return EPROTO;
    if (ready_sent_) return EAGAIN;
    property_list props;
    props.reserve(1 + cfg_.extra_properties.size());
    props.emplace_back("Socket-Type", cfg_.socket_type);
    props.insert(props.end(), cfg_.extra_properties.begin(), cfg_.extra_properties.end());
    if (!zmtp::metadata_valid(props)) {
        failed_ = true;
        return fail(protocol_errors::zmtp_unspecified, "invalid local metadata", EINVAL);
    }
    out = zmtp::make_ready(props);
    ready_sent_ = true;
    return 0;
}

int null_mechanism::process_handshake_command(message& cmd) {
    if (failed_ || ready_received_) {
        failed_ = true;
        return fail(protocol_errors::zmtp_unexpected_command, "unexpected command after READY");
    }
    const std::span<const std::byte> body = cmd.bytes();
    const std::string_view cmd_name = zmtp::command_name(body);
    if (cmd_name == "READY") {
        property_list props;
        if (!zmtp::parse_ready(body, props)) {
            failed_ = true;
            return fail(protocol_errors::zmtp_invalid_metadata, "malformed READY metadata");
        }
        for (const auto& [key, value] : props) {
            if (key != "Socket-Type" || !cfg_.compatible) continue;
            if (!cfg_.compatible(cfg_.socket_type, value)) {
                failed_ = true;
                return fail(protocol_errors::zmtp_invalid_metadata,
                            "incompatible Socket-Type " + value.substr(0, 64) + " for " + cfg_.socket_type);
            }
        }
        peer_props_ = std::move(props);
        ready_received_ = true;
        cmd.clear();
        return 0;
    }
    if (cmd_name == "ERROR") {
        failed_ = true;
        std::string reason;
        if (!zmtp::parse_error(body, reason))
            return fail(protocol_errors::zmtp_malformed_command_error, "malformed ERROR command");
        set_peer_error(reason);
        return fail(protocol_errors::zmtp_unspecified, "peer sent ERROR: " + reason);
    }
    failed_ = true;
    return fail(protocol_errors::zmtp_unexpected_command, "unexpected command during NULL handshake");
}

mechanism::status null_mechanism::state() const {
    if (failed_) return status::error;
    return ready_sent_ && ready_received_ ? status::ready : status::handshaking;
}

}  // namespace zmx::detail
