// The table of common socket options (ids from zmq.h, defaults as libzmq documents them).
#include "core/options.hpp"

#include <cerrno>
#include <climits>
#include <cstring>
#include <variant>

namespace zmx::detail {
namespace {

struct int_field {
    int socket_options::*field;
    int min;
    int max;
    int step = 1;  // stored rounded down to a multiple of this (HEARTBEAT_TTL keeps deciseconds)
};
struct int64_field {
    std::int64_t socket_options::*field;
    std::int64_t min;
};
struct string_field {
    std::string socket_options::*field;
    std::size_t min_len;
    std::size_t max_len;
    bool nul_terminated;  // getsockopt appends a NUL (endpoint strings), like libzmq
};

struct option_spec {
    int id;
    const char* name;
    std::variant<int_field, int64_field, string_field> field;
    bool writable;
};

constexpr int no_max = INT_MAX;

const option_spec table[] = {
    {5, "ROUTING_ID", string_field{&socket_options::routing_id, 1, 255, false}, true},
    {11, "SNDBUF", int_field{&socket_options::sndbuf, -1, no_max}, true},
    {12, "RCVBUF", int_field{&socket_options::rcvbuf, -1, no_max}, true},
    {16, "TYPE", int_field{&socket_options::type, 0, no_max}, false},
    {17, "LINGER", int_field{&socket_options::linger, -1, no_max}, true},
    {18, "RECONNECT_IVL", int_field{&socket_options::reconnect_ivl, -1, no_max}, true},
    {19, "BACKLOG", int_field{&socket_options::backlog, 0, no_max}, true},
    {21, "RECONNECT_IVL_MAX", int_field{&socket_options::reconnect_ivl_max, 0, no_max}, true},
    {22, "MAXMSGSIZE", int64_field{&socket_options::maxmsgsize, -1}, true},
    {23, "SNDHWM", int_field{&socket_options::sndhwm, 0, no_max}, true},
    {24, "RCVHWM", int_field{&socket_options::rcvhwm, 0, no_max}, true},
    {27, "RCVTIMEO", int_field{&socket_options::rcvtimeo, -1, no_max}, true},
    {28, "SNDTIMEO", int_field{&socket_options::sndtimeo, -1, no_max}, true},
    {32, "LAST_ENDPOINT", string_field{&socket_options::last_endpoint, 0, 0, true}, false},
    {39, "IMMEDIATE", int_field{&socket_options::immediate, 0, 1}, true},
    {54, "CONFLATE", int_field{&socket_options::conflate, 0, 1}, true},
    {42, "IPV6", int_field{&socket_options::ipv6, 0, 1}, true},
    {66, "HANDSHAKE_IVL", int_field{&socket_options::handshake_ivl, 0, no_max}, true},
    {79, "CONNECT_TIMEOUT", int_field{&socket_options::connect_timeout, 0, no_max}, true},
    {34, "TCP_KEEPALIVE", int_field{&socket_options::tcp_keepalive, -1, 1}, true},
    {35, "TCP_KEEPALIVE_CNT", int_field{&socket_options::tcp_keepalive_cnt, -1, no_max}, true},
    {36, "TCP_KEEPALIVE_IDLE", int_field{&socket_options::tcp_keepalive_idle, -1, no_max}, true},
    {37, "TCP_KEEPALIVE_INTVL", int_field{&socket_options::tcp_keepalive_intvl, -1, no_max}, true},
    {75, "HEARTBEAT_IVL", int_field{&socket_options::heartbeat_ivl, 0, no_max}, true},
    {76, "HEARTBEAT_TTL", int_field{&socket_options::heartbeat_ttl, 0, 65535 * 100 + 99, 100}, true},
    {77, "HEARTBEAT_TIMEOUT", int_field{&socket_options::heartbeat_timeout, 0, no_max}, true},
    {81, "THREAD_SAFE", int_field{&socket_options::thread_safe, 0, 1}, false},
    {109, "RECONNECT_STOP", int_field{&socket_options::reconnect_stop, 0, 7}, true},
    {option_ids::hello_msg, "HELLO_MSG", string_field{&socket_options::hello_msg, 0, no_max, false}, true},
    {option_ids::disconnect_msg, "DISCONNECT_MSG", string_field{&socket_options::disconnect_msg, 0, no_max, false}, true},
    {option_ids::hiccup_msg, "HICCUP_MSG", string_field{&socket_options::hiccup_msg, 0, no_max, false}, true},
    {option_ids::reconnect_max_attempts, "ZMX_RECONNECT_MAX_ATTEMPTS",
     int_field{&socket_options::reconnect_max_attempts, 0, no_max}, true},
};

const option_spec* find(int id) {
    for (const auto& s : table)
        if (s.id == id) return &s;
    return nullptr;
}

struct setter {
    socket_options& o;
    const void* value;
    std::size_t len;
    int operator()(const int_field& f) const {
        int v;
        if (len != sizeof v || value == nullptr) return EINVAL;
        std::memcpy(&v, value, sizeof v);
        if (v < f.min || v > f.max) return EINVAL;
        o.*f.field = v / f.step * f.step;
        return 0;
    }
    int operator()(const int64_field& f) const {
        std::int64_t v;
        if (len != sizeof v || value == nullptr) return EINVAL;
        std::memcpy(&v, value, sizeof v);
        if (v < f.min) return EINVAL;
        o.*f.field = v;
        return 0;
    }
    int operator()(const string_field& f) const {
        if (len < f.min_len || len > f.max_len || (len > 0 && value == nullptr)) return EINVAL;
        (o.*f.field).assign(static_cast<const char*>(value), len);
        return 0;
    }
};

struct getter {
    const socket_options& o;
    void* value;
    std::size_t* len;
    int operator()(const int_field& f) const {
        if (*len < sizeof(int)) return EINVAL;
        const int v = o.*f.field;
        std::memcpy(value, &v, sizeof v);
        *len = sizeof v;
        return 0;
    }
    int operator()(const int64_field& f) const {
        if (*len < sizeof(std::int64_t)) return EINVAL;
        const std::int64_t v = o.*f.field;
        std::memcpy(value, &v, sizeof v);
        *len = sizeof v;
        return 0;
    }
    int operator()(const string_field& f) const {
        const std::string& s = o.*f.field;
        const std::size_t need = s.size() + (f.nul_terminated ? 1 : 0);
        if (*len < need) return EINVAL;
        std::memcpy(value, s.data(), s.size());
        if (f.nul_terminated) static_cast<char*>(value)[s.size()] = '\0';
        *len = need;
        return 0;
    }
};

}  // namespace

int set_common_option(socket_options& o, int id, const void* value, std::size_t len) {
    const option_spec* s = find(id);
    if (s == nullptr || !s->writable) return EINVAL;
    return std::visit(setter{o, value, len}, s->field);
}

int get_common_option(const socket_options& o, int id, void* value, std::size_t* len) {
    const option_spec* s = find(id);
    if (s == nullptr || len == nullptr || (value == nullptr && *len > 0)) return EINVAL;
    return std::visit(getter{o, value, len}, s->field);
}

}  // namespace zmx::detail
