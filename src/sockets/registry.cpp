// The one table of socket types: ZMQ_* number, ZMTP name, compatible peers, flags, factory.
#include <array>

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

//  id  name  peers  thread_safe  single_part  send  recv  notifications  factory
const socket_type_info table[] = {
    {0, "PAIR", pair_peers, false, false, true, true, 0, make_pair},
    {1, "PUB", pub_peers, false, false, true, false, 0, nullptr},
    {2, "SUB", sub_peers, false, false, false, true, 0, nullptr},
    {3, "REQ", req_peers, false, false, true, true, 0, nullptr},
    {4, "REP", rep_peers, false, false, true, true, 0, nullptr},
    {5, "DEALER", dealer_peers, false, false, true, true, notify_hello | notify_hiccup, nullptr},
    {6, "ROUTER", router_peers, false, false, true, true, notify_hello | notify_disconnect, nullptr},
    {7, "PULL", pull_peers, false, false, false, true, 0, nullptr},
    {8, "PUSH", push_peers, false, false, true, false, 0, nullptr},
    {9, "XPUB", pub_peers, false, false, true, true, 0, nullptr},
    {10, "XSUB", sub_peers, false, false, true, true, 0, nullptr},
    {11, "STREAM", {}, false, false, true, true, 0, nullptr},
    {12, "SERVER", server_peers, true, true, true, true, notify_hello | notify_disconnect, make_server},
    {13, "CLIENT", client_peers, true, true, true, true, notify_hello | notify_hiccup, make_client},
    {14, "RADIO", radio_peers, true, false, true, false, 0, nullptr},
    {15, "DISH", dish_peers, true, false, false, true, 0, nullptr},
    {16, "GATHER", gather_peers, true, true, false, true, 0, nullptr},
    {17, "SCATTER", scatter_peers, true, true, true, false, 0, nullptr},
    {18, "DGRAM", dgram_peers, false, false, true, true, 0, nullptr},
    {19, "PEER", peer_peers, true, true, true, true, notify_hello | notify_disconnect | notify_hiccup, make_peer},
    {20, "CHANNEL", channel_peers, true, true, true, true, 0, nullptr},
};

}  // namespace

const socket_type_info* find_socket_type(int id) {
    for (const auto& row : table)
        if (row.id == id) return &row;
    return nullptr;
}

bool socket_types_compatible(const socket_type_info& own, std::string_view peer) {
    for (sv p : own.peers)
        if (p == peer) return true;
    return false;
}

}  // namespace zmx::detail
