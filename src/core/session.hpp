#pragma once
// session — the I/O-thread side of one socket connection. A dialing session connects (trying every
// resolved address in turn), reconnects with backoff, and keeps its pipe (and so a PEER's routing id
// and queued messages) across reconnects; an accepted session lives as long as its one connection.
// Both run a stream_engine and hand the socket a pipe when the handshake completes. Owned by
// shared_ptr (the socket's endpoint list, posted closures, pipe sinks); all state is touched only on
// its I/O thread, except terminate() and the pipe_sink callbacks, which post.
#include <memory>
#include <string>
#include <vector>

#include "core/options.hpp"
#include "core/pipe.hpp"
#include "io/reactor.hpp"
#include "transports/stream_engine.hpp"
#include "transports/transport.hpp"

namespace zmx::detail {

class context_impl;
class io_thread;
class socket_mailbox;
struct socket_type_info;

// Something a socket can stop (a dialing session or a listener). Any thread. linger_ms: how long
// queued outbound messages may still be sent (ZMQ_LINGER semantics: -1 forever, 0 drop them).
class endpoint_owner {
public:
    virtual ~endpoint_owner() = default;
    virtual void terminate(int linger_ms) = 0;
};

class session final : public endpoint_owner,
                      public pipe_sink,
                      public engine_events,
                      public std::enable_shared_from_this<session> {
public:
    struct params {
        context_impl& ctx;
        io_thread& thread;
        std::shared_ptr<socket_mailbox> mailbox;
        const transport& tr;
        const socket_type_info& type;
        socket_options opts;
    };

    // A dialing session for `address`. link: the pipe made at connect time (end 1 is the session's),
    // or null when ZMQ_IMMEDIATE asks for pipes only once connected.
    static std::shared_ptr<session> dial(params p, std::string address, std::shared_ptr<pipe_link> link);
    // A session for an accepted connection.
    static std::shared_ptr<session> accepted(params p, std::unique_ptr<stream> s);

    explicit session(params p);
    ~session() override;

    void terminate(int linger_ms) override;  // any thread
    bool finished() const noexcept { return finished_; }  // its I/O thread only

private:
    void start_dialing();        // io thread from here on
    void try_next_address();
    void connect_completed(int fd);
    void schedule_reconnect();
    void run_engine(std::unique_ptr<stream> s);
    void drop_engine();
    void finish();
    void begin_linger();
    void attach_pipe();

    void pipe_readable(pipe& p) override;
    void pipe_writable(pipe& p) override;
    void pipe_closed(pipe& p) override;
    void engine_ready(stream_engine& e) override;
    void engine_failed(stream_engine& e, const engine_error& why) override;
    void engine_drained(stream_engine& e) override;

    class connect_waiter;

    params p_;
    reactor& loop_;
    bool dialing_ = false;
    std::string address_;
    std::vector<net_address> addresses_;
    std::size_t next_address_ = 0;
    std::unique_ptr<connect_waiter> waiter_;
    reactor::timer_id reconnect_timer_ = 0;
    reactor::timer_id linger_timer_ = 0;
    int current_ivl_ = 0;
    int linger_ = 0;  // set when termination starts

    std::shared_ptr<pipe_link> link_;
    pipe* pipe_ = nullptr;  // link_->end(1)
    std::unique_ptr<stream_engine> engine_;
    bool engine_plugged_ = false;
    bool terminating_ = false;
    bool finished_ = false;
};

}  // namespace zmx::detail
