// The one table of socket types: ZMQ_* number, ZMTP name, compatible peers, flags, factory.
#include <array>
#include <cerrno>
#include <cstring>

#include "core/options.hpp"
#include "sockets/socket_type.hpp"
#include "sockets/types.hpp"

namespace zmx::detail {
namespace {

using sv = std::string_view;
constexpr sv pair_peers[] = {"PAIR"};
constexpr sv pub_peers[] = {"SUB", "XSUB"};
constexpr sv sub_peers[] = {"PUB", "XPUB"};
constexpr sv req_peers[] = {"REP", "ROUTER"};
constexpr sv rep_peers[] = {"REQ", "DEALER"};
constexpr sv dealer_peers[] = {"REP", "DEALER", "ROUTER"};
constexpr sv router_peers[] = {"REQ", "DEALER", "ROUTER"};
constexpr sv pull_peers[] = {"PUSH"};
constexpr sv push_peers[] = {"PULL"};
constexpr sv server_peers[] = {"CLIENT"};
constexpr sv client_peers[] = {"SERVER"};
constexpr sv radio_peers[] = {"DISH"};
constexpr sv dish_peers[] = {"RADIO"};
constexpr sv gather_peers[] = {"SCATTER"};
constexpr sv scatter_peers[] = {"GATHER"};
constexpr sv dgram_peers[] = {"DGRAM"};
constexpr sv peer_peers[] = {"PEER"};
constexpr sv channel_peers[] = {"CHANNEL"};

//  id  name  peers  thread_safe  single_part  send  recv  features  factory
constexpr unsigned hello_hiccup = notify_hello | notify_hiccup;
constexpr unsigned hello_disconnect = notify_hello | notify_disconnect;
constexpr unsigned ids = sends_routing_id;
const socket_type_info table[] = {
    {0, "PAIR", pair_peers, false, false, true, true, 0, make_pair},
    {1, "PUB", pub_peers, false, false, true, false, publisher | conflatable, make_pub},
    {2, "SUB", sub_peers, false, false, false, true, subscriber | conflatable, make_sub},
    {3, "REQ", req_peers, false, false, true, true, ids, make_req},
    {4, "REP", rep_peers, false, false, true, true, 0, make_rep},
    {5, "DEALER", dealer_peers, false, false, true, true, hello_hiccup | ids | conflatable, make_dealer},
    {6, "ROUTER", router_peers, false, false, true, true, hello_disconnect | ids | recv_routing_id, make_router},
    {7, "PULL", pull_peers, false, false, false, true, conflatable, make_pull},
    {8, "PUSH", push_peers, false, false, true, false, conflatable, make_push},
    {9, "XPUB", pub_peers, false, false, true, true, publisher, make_xpub},
    {10, "XSUB", sub_peers, false, false, true, true, subscriber, make_xsub},
    {11, "STREAM", {}, false, false, true, true, 0, make_stream},
    {12, "SERVER", server_peers, true, true, true, true, hello_disconnect, make_server},
    {13, "CLIENT", client_peers, true, true, true, true, hello_hiccup, make_client},
    {14, "RADIO", radio_peers, true, false, true, false, 0, nullptr},
    {15, "DISH", dish_peers, true, false, false, true, 0, nullptr},
    {16, "GATHER", gather_peers, true, true, false, true, 0, nullptr},
    {17, "SCATTER", scatter_peers, true, true, true, false, 0, nullptr},
    {18, "DGRAM", dgram_peers, false, false, true, true, 0, nullptr},
    {19, "PEER", peer_peers, true, true, true, true, hello_disconnect | notify_hiccup, make_peer},
    {20, "CHANNEL", channel_peers, true, true, true, true, 0, nullptr},
};

}  // namespace

const socket_type_info* find_socket_type(int id) {
    for (const auto& row : table)
        if (row.id == id) return &row;
    return nullptr;
}

int read_int_option(const void* value, std::size_t len, int& out) {
    if (value == nullptr || len != sizeof(int)) return EINVAL;
    std::memcpy(&out, value, sizeof out);
    return 0;
}

int write_int_option(int v, void* value, std::size_t* len) {
    if (value == nullptr || len == nullptr || *len < sizeof(int)) return EINVAL;
    std::memcpy(value, &v, sizeof v);
    *len = sizeof v;
    return 0;
}

std::shared_ptr<pipe_link> make_socket_pipe(const socket_options& o, const socket_type_info& type) {
    // End 0 is this socket's. Subscriptions are never conflated: a SUB's outbound and a PUB's inbound
    // direction stay queues (libzmq conflates them too, and so keeps only the newest subscription).
    const bool c = o.conflate != 0 && (type.features & conflatable) != 0;
    return make_pipe(o.sndhwm, o.rcvhwm, c && (type.features & subscriber) == 0,
                     c && (type.features & publisher) == 0);
}

bool socket_types_compatible(const socket_type_info& own, std::string_view peer) {
    for (sv p : own.peers)
        if (p == peer) return true;
    return false;
}

}  // namespace zmx::detail
