#pragma once
// The ZMTP 3.x connection prelude as a sans-I/O state machine: our 64-byte greeting, validation of
// the peer's, then the mechanism's command exchange. Owned by one connection engine and used only
// on its thread; never blocks. The engine writes output(), feeds received bytes to input(), and
// once status() is done continues with its own frame_decoder on the bytes input() left over.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/metadata.hpp"
#include "mechanisms/mechanism.hpp"
#include "zmtp/frame.hpp"

namespace zmx::detail::zmtp {

inline constexpr std::size_t greeting_size = 64;
inline constexpr std::size_t mechanism_name_size = 20;

class handshake {
public:
    enum class state { in_progress, done, failed };

    // Queues the whole 64-byte greeting (version 3.1, as-server 0) at once; libzmq accepts that.
    // maxmsgsize bounds every handshake frame as it will bound traffic frames (-1 = unlimited).
    explicit handshake(std::unique_ptr<mechanism> m, std::int64_t maxmsgsize = -1);

    // Bytes to write to the peer (greeting first, then handshake commands), and how many of them
    // were written. output() stays valid until the next non-const call.
    std::span<const std::byte> output() const noexcept { return {out_.data() + out_pos_, out_.size() - out_pos_}; }
    void consume_output(std::size_t n) noexcept;

    // Feeds received bytes; returns how many were used. Consumption stops exactly where the
    // handshake ends (done) or fails, so the remainder belongs to the traffic decoder. Returns 0
    // once not in_progress. Frames go to the mechanism whatever their flags (libzmq does not check
    // COMMAND/MORE during the handshake). When done, output() may still hold our last command:
    // write it before any traffic.
    std::size_t input(std::span<const std::byte> in);

    state status() const noexcept { return state_; }

    // After failed: errno-style cause (EPROTO for protocol violations, EMSGSIZE/ENOMEM from frame
    // decoding), the ZMQ_PROTOCOL_ERROR_* detail, ZAP status from a received ERROR (300/400/500,
    // else 0), and a human-readable reason.
    int error() const noexcept { return error_; }
    int protocol_error() const noexcept { return protocol_error_; }
    int auth_status() const noexcept { return auth_status_; }
    std::string reason() const { return reason_; }

    // Once the peer's greeting is in: its version. peer_minor() is the effective minor, 0 only for
    // ZMTP 3.0; peers announcing major 2 or >= 4 count as 3.1 (libzmq does the same).
    int peer_major() const noexcept { return peer_greeting_[10]; }
    int peer_minor() const noexcept;

    // After done: the peer's READY/INITIATE properties, and the mechanism for traffic encode/decode.
    const property_list& peer_properties() const noexcept { return peer_props_; }
    std::unique_ptr<mechanism> release_mechanism() noexcept { return std::move(mech_); }

private:
    std::size_t input_greeting(std::span<const std::byte> in);
    bool check_greeting(std::size_t from, std::size_t to);
    void step();  // send what the mechanism has, then look at its state
    void queue_frame(const message& m);
    void fail(int err, int perr, std::string why);

    std::unique_ptr<mechanism> mech_;
    frame_decoder decoder_;
    std::vector<std::byte> out_;
    std::size_t out_pos_ = 0;
    std::array<std::uint8_t, greeting_size> own_greeting_{};
    std::array<std::uint8_t, greeting_size> peer_greeting_{};
    std::size_t greeting_have_ = 0;
    state state_ = state::in_progress;
    int error_ = 0;
    int protocol_error_ = 0;
    int auth_status_ = 0;
    std::string reason_;
    property_list peer_props_;
    message cmd_;
};

}  // namespace zmx::detail::zmtp
