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
inline constexpr option<34, int> tcp_keepalive{};
inline constexpr option<35, int> tcp_keepalive_cnt{};
inline constexpr option<36, int> tcp_keepalive_idle{};
inline constexpr option<37, int> tcp_keepalive_intvl{};
inline constexpr option<75, int> heartbeat_ivl{};
inline constexpr option<76, int> heartbeat_ttl{};
inline constexpr option<77, int> heartbeat_timeout{};
inline constexpr option<109, int> reconnect_stop{};
inline constexpr option<110, std::string> hello_msg{};
inline constexpr option<111, std::string> disconnect_msg{};
inline constexpr option<114, std::string> hiccup_msg{};
// The classic socket types' own options (libzmq's numbers; see zmq_setsockopt(3)).
inline constexpr option<54, int> conflate{};
inline constexpr option<6, std::string> subscribe{};    // SUB, XSUB
inline constexpr option<7, std::string> unsubscribe{};  // SUB, XSUB
inline constexpr option<40, int> xpub_verbose{};
inline constexpr option<78, int> xpub_verboser{};
inline constexpr option<69, int> xpub_nodrop{};
inline constexpr option<71, int> xpub_manual{};
inline constexpr option<98, int> xpub_manual_last_value{};
inline constexpr option<72, std::string> xpub_welcome_msg{};
inline constexpr option<74, int> invert_matching{};
inline constexpr option<108, int> only_first_subscribe{};
inline constexpr option<115, int> xsub_verbose_unsubscribe{};  // libzmq 4.3.5
inline constexpr option<116, int> topics_count{};              // libzmq 4.3.5, read-only
inline constexpr option<61, std::string> connect_routing_id{};  // ROUTER, STREAM: the next connect's peer id
inline constexpr option<33, int> router_mandatory{};
inline constexpr option<56, int> router_handover{};
inline constexpr option<97, int> router_notify{};
inline constexpr option<51, int> probe_router{};
inline constexpr option<41, int> router_raw{};
inline constexpr option<52, int> req_correlate{};
inline constexpr option<53, int> req_relaxed{};
inline constexpr option<73, int> stream_notify{};
inline constexpr option<14, int> fd{};      // ZMQ_FD (classic types): readable when ZMQ_EVENTS may have changed
inline constexpr option<15, int> events{};  // ZMQ_EVENTS: ZMQ_POLLIN | ZMQ_POLLOUT bits
inline constexpr option<13, int> rcvmore{};
// zmx extension: failed connection rounds after which a connect endpoint gives up (0 = never).
inline constexpr option<0x5A01, int> reconnect_max_attempts{};
}  // namespace sockopt

// ZMQ_RECONNECT_STOP bits (libzmq 4.3.5's values).
namespace reconnect_stop {
inline constexpr int conn_refused = 0x1;
inline constexpr int handshake_failed = 0x2;
inline constexpr int after_disconnect = 0x4;
}  // namespace reconnect_stop

namespace ctxopt {
inline constexpr option<1, int> io_threads{};
inline constexpr option<2, int> max_sockets{};
inline constexpr option<42, int> ipv6{};
inline constexpr option<70, int> blocky{};
}  // namespace ctxopt

}  // namespace zmx
