#pragma once
// Typed option tags for zmx::socket::set/get and zmx::context::set/get. Each tag carries libzmq's
// numeric id (the same number zmq_setsockopt takes) and the C++ value type, so a wrong type fails to
// compile. Header-only; no state.
#include <cstdint>
#include <string>

namespace zmx {

template <int Id, typename T>
struct option {
    static constexpr int id = Id;
    using value_type = T;
};

namespace sockopt {
inline constexpr option<5, std::string> routing_id{};
inline constexpr option<11, int> sndbuf{};
inline constexpr option<12, int> rcvbuf{};
inline constexpr option<16, int> type{};
inline constexpr option<17, int> linger{};
inline constexpr option<18, int> reconnect_ivl{};
inline constexpr option<19, int> backlog{};
inline constexpr option<21, int> reconnect_ivl_max{};
inline constexpr option<22, std::int64_t> maxmsgsize{};
inline constexpr option<23, int> sndhwm{};
inline constexpr option<24, int> rcvhwm{};
inline constexpr option<27, int> rcvtimeo{};
inline constexpr option<28, int> sndtimeo{};
inline constexpr option<32, std::string> last_endpoint{};
inline constexpr option<39, int> immediate{};
inline constexpr option<42, int> ipv6{};
inline constexpr option<66, int> handshake_ivl{};
inline constexpr option<79, int> connect_timeout{};
inline constexpr option<81, int> thread_safe{};
}  // namespace sockopt

namespace ctxopt {
inline constexpr option<1, int> io_threads{};
inline constexpr option<2, int> max_sockets{};
inline constexpr option<42, int> ipv6{};
inline constexpr option<70, int> blocky{};
}  // namespace ctxopt

}  // namespace zmx
