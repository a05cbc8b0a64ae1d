#pragma once
// XSUB (RFC 29) and SUB, which is XSUB with ZMQ_SUBSCRIBE/UNSUBSCRIBE options, receive-side prefix
// filtering and no send. Keeps the counted subscriptions, sends them (flagged subscribe/cancel
// messages) to every pipe, again to a new pipe and after a reconnect (on_hiccup), and fair-queues
// what the publishers send. Owned by its socket_base; every method runs under the socket's lock on
// the calling thread and never blocks.
#include <cstddef>
#include <string_view>
#include <vector>

#include "sockets/routing/distributor.hpp"
#include "sockets/routing/fair_queue.hpp"
#include "sockets/routing/trie.hpp"
#include "sockets/socket_type.hpp"

namespace zmx::detail {

class xsub : public socket_type {
public:
    explicit xsub(bool is_sub) : sub_(is_sub) {}

    bool attach(pipe& p) override;
    void detach(pipe& p) override;
    void on_readable(pipe& p) override { fq_.activate(p); }
    void on_writable(pipe& p) override { dist_.activate(p); }
    void on_hiccup(pipe& p) override;

    int send(message& msg) override;
    int recv(message& msg) override;
    bool has_in() override;
    bool has_out() override { return !sub_; }  // subscriptions and upstream data never wait (libzmq)

    int set_option(int id, const void* value, std::size_t len) override;
    int get_option(int id, void* value, std::size_t* len) const override;

private:
    // Applies a subscription (0x01|topic) or cancel (0x00|topic) message and sends it on: a
    // standalone one (a single-frame message) only if it is news upstream. Consumes msg.
    void subscription(message& msg, bool subscribe, bool standalone);
    // Writes one flagged subscription message to every pipe, past the HWM if need be.
    void send_to_all_pipes(message& msg);
    // All current subscriptions to p (a new pipe or a new connection behind it).
    void resend_subscriptions(pipe& p);
    bool matches(const message& first) const;
    // Next message's first frame passing the filter (SUB), or false.
    bool fetch(message& msg);

    const bool sub_;  // SUB: filters, takes ZMQ_SUBSCRIBE/UNSUBSCRIBE, cannot send
    trie subscriptions_;
    fair_queue fq_;
    distributor dist_;
    std::vector<pipe*> resend_later_;  // hiccuped while an upstream multipart message was being sent
    message prefetched_;               // a matching first frame that has_in took from the queue
    bool has_prefetched_ = false;
    bool more_recv_ = false;
    bool more_send_ = false;
    bool only_first_ = false;      // ZMQ_ONLY_FIRST_SUBSCRIBE (XSUB)
    bool verbose_unsubs_ = false;  // ZMQ_XSUB_VERBOSE_UNSUBSCRIBE (XSUB)
    bool invert_ = false;          // ZMQ_INVERT_MATCHING (filters on SUB only)
};

}  // namespace zmx::detail
