#pragma once
// The security-mechanism interface (NULL, PLAIN, CURVE): a pure state machine over command
// messages, no I/O. One instance per connection, owned by the handshake and then by the engine;
// only the thread that owns that engine may call it. No method blocks.
#include <zmx/message.hpp>

#include <cerrno>
#include <functional>
#include <string>
#include <string_view>

#include "core/metadata.hpp"

namespace zmx::detail {

// ZMQ_PROTOCOL_ERROR_* values (zmq.h), as reported with ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL.
namespace protocol_errors {
inline constexpr int zmtp_unspecified = 0x10000000;
inline constexpr int zmtp_unexpected_command = 0x10000001;
inline constexpr int zmtp_invalid_sequence = 0x10000002;
inline constexpr int zmtp_key_exchange = 0x10000003;
inline constexpr int zmtp_malformed_command_unspecified = 0x10000011;
inline constexpr int zmtp_malformed_command_message = 0x10000012;
inline constexpr int zmtp_malformed_command_hello = 0x10000013;
inline constexpr int zmtp_malformed_command_initiate = 0x10000014;
inline constexpr int zmtp_malformed_command_error = 0x10000015;
inline constexpr int zmtp_malformed_command_ready = 0x10000016;
inline constexpr int zmtp_malformed_command_welcome = 0x10000017;
inline constexpr int zmtp_invalid_metadata = 0x10000018;
inline constexpr int zmtp_cryptographic = 0x11000001;
inline constexpr int zmtp_mechanism_mismatch = 0x11000002;
inline constexpr int zap_unspecified = 0x20000000;
inline constexpr int zap_malformed_reply = 0x20000001;
inline constexpr int zap_bad_request_id = 0x20000002;
inline constexpr int zap_bad_version = 0x20000003;
inline constexpr int zap_invalid_status_code = 0x20000004;
inline constexpr int zap_invalid_metadata = 0x20000005;
inline constexpr int ws_unspecified = 0x30000000;
}  // namespace protocol_errors

// Socket-Type compatibility check: may a socket of type `own` talk to a peer of type `peer`?
// Supplied by the socket registry (the matrix does not live here). Empty = accept every peer.
using socket_type_check = std::function<bool(std::string_view own, std::string_view peer)>;

struct mechanism_config {
    std::string socket_type;         // own Socket-Type, e.g. "DEALER"
    property_list extra_properties;  // sent after Socket-Type: Identity (REQ/DEALER/ROUTER), X-*
    socket_type_check compatible;    // applied to each Socket-Type the peer sends
};

class mechanism {
public:
    enum class status { handshaking, ready, error };

    mechanism() = default;
    mechanism(const mechanism&) = delete;
    mechanism& operator=(const mechanism&) = delete;
    virtual ~mechanism() = default;

    // Next handshake command to send: 0 = `out` holds it (flag_command set), EAGAIN = nothing to
    // send now, other = error (state() becomes error).
    virtual int next_handshake_command(message& out) = 0;
    // Processes one received handshake frame: 0 = ok, else an errno-style code (EPROTO for protocol
    // violations) with protocol_error() and failure_reason() set.
    virtual int process_handshake_command(message& cmd) = 0;
    // Traffic transforms after the handshake (identity for NULL). 0 = ok, else errno-style.
    virtual int encode(message&) { return 0; }
    virtual int decode(message&) { return 0; }

    virtual status state() const = 0;
    // Mechanism name as sent in the greeting ("NULL", "PLAIN", "CURVE").
    virtual std::string_view name() const = 0;

    // Properties the peer sent (READY/INITIATE metadata), in wire order.
    const property_list& peer_properties() const noexcept { return peer_props_; }
    // ZMQ_PROTOCOL_ERROR_* detail of the failure (0 if none). Note libzmq reports some failures
    // with no HANDSHAKE_FAILED_PROTOCOL event at all (e.g. NULL's bad metadata); see each mechanism.
    int protocol_error() const noexcept { return protocol_error_; }
    // ZAP status (300/400/500) if the peer's ERROR reason was one — libzmq reports it as
    // HANDSHAKE_FAILED_AUTH; 0 otherwise.
    int auth_status() const noexcept { return auth_status_; }
    // The reason string of an ERROR command received from the peer (empty if none).
    const std::string& peer_error_reason() const noexcept { return peer_error_; }
    // Human-readable description of the failure (empty if none).
    const std::string& failure_reason() const noexcept { return failure_; }

protected:
    // Records a failure and returns err, for `return fail(...)`.
    int fail(int protocol_error, std::string reason, int err = EPROTO) {
        protocol_error_ = protocol_error;
        failure_ = std::move(reason);
        return err;
    }
    // Records an ERROR command's reason (and its ZAP status, if it is one).
    void set_peer_error(std::string reason) {
        if (reason.size() == 3 && reason[0] >= '3' && reason[0] <= '5' && reason[1] == '0' && reason[2] == '0')
            auth_status_ = (reason[0] - '0') * 100;
        peer_error_ = std::move(reason);
    }

    property_list peer_props_;

private:
    int protocol_error_ = 0;
    int auth_status_ = 0;
    std::string peer_error_;
    std::string failure_;
};

}  // namespace zmx::detail
