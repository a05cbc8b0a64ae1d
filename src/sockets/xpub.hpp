#pragma once
// XPUB (RFC 29) and PUB, which is XPUB without recv: fans each message out to the pipes subscribed
// to a prefix of it, reads subscriptions (0x01|topic / 0x00|topic) from every pipe, and (XPUB) hands
// them to the application. Owned by its socket_base; every method runs under the socket's lock on
// the calling thread and never blocks.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "sockets/routing/distributor.hpp"
#include "sockets/routing/trie.hpp"
#include "sockets/socket_type.hpp"

namespace zmx::detail {

// Shared by the PUB/SUB family (xpub.cpp, xsub.cpp). Options newer than libzmq 4.3.4 that zmq.h
// declares (libzmq 4.3.5 draft numbers).
inline constexpr int topics_count_option = 116;              // ZMQ_TOPICS_COUNT (get: distinct topics)
inline constexpr int xsub_verbose_unsubscribe_option = 115;  // ZMQ_XSUB_VERBOSE_UNSUBSCRIBE

class xpub : public socket_type {
public:
    explicit xpub(bool is_pub) : pub_(is_pub) {}

    bool attach(pipe& p) override;
    void detach(pipe& p) override;
    void on_readable(pipe& p) override;
    void on_writable(pipe& p) override { dist_.activate(p); }

    int send(message& msg) override;
    int recv(message& msg) override;
    bool has_in() override { return !pending_.empty(); }
    bool has_out() override { return lossy_ || dist_.all_have_room(); }

    int set_option(int id, const void* value, std::size_t len) override;
    int get_option(int id, void* value, std::size_t* len) const override;

private:
    // A subscription, cancel or upstream message waiting for recv (XPUB only).
    struct pending {
        message msg;
        pipe* from;         // the pipe it came from (null once that pipe is gone, and for cancels of a gone pipe)
        bool subscription;  // a subscription or cancel (recv makes `from` the pipe XPUB_MANUAL acts on)
    };
    // Applies (or, with XPUB_MANUAL, records) one subscription or cancel from p.
    void subscription(pipe& p, message& msg, bool subscribe);
    void queue_cancel(std::string_view topic);
    void select_targets(const message& first);

    const bool pub_;       // PUB: no recv, nothing queued for the application
    mtrie subscriptions_;  // what each pipe is subscribed to (applied)
    mtrie manual_subs_;    // XPUB_MANUAL: what each pipe asked for (its cancels when it goes)
    distributor dist_;
    std::deque<pending> pending_;
    std::string welcome_;        // XPUB_WELCOME_MSG (empty: none)
    pipe* last_pipe_ = nullptr;  // XPUB_MANUAL: the pipe of the last subscription received
    bool verbose_subs_ = false;
    bool verbose_unsubs_ = false;
    bool lossy_ = true;  // !XPUB_NODROP
    bool manual_ = false;
    bool send_last_pipe_ = false;  // XPUB_MANUAL_LAST_VALUE
    bool only_first_ = false;      // ZMQ_ONLY_FIRST_SUBSCRIBE
    bool invert_ = false;          // ZMQ_INVERT_MATCHING
    bool more_send_ = false;
};

}  // namespace zmx::detail
