#pragma once
// session — the I/O-thread side of one socket connection. A dialing session is the core dialer: it
// resolves the address (host names on the context's resolver thread), tries every resolved address in
// turn (each within ZMQ_CONNECT_TIMEOUT), backs off with jitter between rounds (ZMQ_RECONNECT_IVL,
// _IVL_MAX), gives up on ZMQ_RECONNECT_STOP, protocol errors, fatal connect errors or
// ZMX_RECONNECT_MAX_ATTEMPTS, and keeps its pipe (and so a PEER's routing id and queued messages)
// across reconnects. An accepted session lives as long as its one connection. Both run an engine
// (stream_engine for ZMTP; raw_engine for STREAM and raw sockets), hand the socket a pipe when the
// handshake completes (at once for a raw engine), and report every step to the monitor. Owned by
// shared_ptr (the socket's endpoint list, posted closures, pipe sinks); all state is touched only on
// its I/O thread, except terminate(), status() and the pipe_sink callbacks.
#include <atomic>
#include <memory>
#include <string>
#include <vector>
#include <zmx/monitor.hpp>

#include "core/endpoint.hpp"
#include "core/monitor.hpp"
#include "core/options.hpp"
#include "core/pipe.hpp"
#include "io/reactor.hpp"
#include "transports/engine.hpp"
#include "transports/transport.hpp"

namespace zmx::detail {

class context_impl;
class io_thread;
class socket_mailbox;
struct socket_type_info;

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
        std::shared_ptr<monitor> mon;
    };

    // A dialing session for `endpoint` ("scheme://address"). link: the pipe made at connect time
    // (end 1 is the session's), or null when ZMQ_IMMEDIATE asks for pipes only once connected.
    static std::shared_ptr<session> dial(params p, std::string endpoint, std::string address,
                                         std::shared_ptr<pipe_link> link);
    // A session for an accepted connection.
    static std::shared_ptr<session> accepted(params p, std::unique_ptr<stream> s);

    explicit session(params p);
    ~session() override;

    void terminate(int linger_ms) override;  // any thread
    bool is_bind() const override { return false; }
    endpoint_status status() const override;
    bool finished() const noexcept { return finished_; }  // its I/O thread only

private:
    void start_dialing();  // io thread from here on
    void resolved(int err, std::vector<net_address> list);
    void try_next_address();
    void connect_completed(int fd, int err);
    bool connect_error(int err);
    void round_failed(bool count);
    void give_up(int err);
    void run_engine(std::unique_ptr<stream> s);
    void emit(std::uint64_t event, std::uint64_t value);
    void notify_socket(const std::string& body, unsigned kind);
    void drop_engine();
    void finish();
    void begin_linger();
    void attach_pipe();

    void pipe_readable(pipe& p) override;
    void pipe_writable(pipe& p) override;
    void pipe_closed(pipe& p) override;
    void engine_ready(engine& e) override;
    void engine_failed(engine& e, const engine_error& why) override;
    void engine_drained(engine& e) override;
    // STREAM sockets and raw ones run a raw_engine: no ZMTP, no handshake, no routing-id message.
    bool raw() const noexcept;

    class connect_waiter;

    params p_;
    reactor& loop_;
    bool dialing_ = false;
    std::string address_;
    std::string local_;   // endpoint strings for the monitor
    std::string remote_;
    std::vector<net_address> addresses_;
    std::size_t next_address_ = 0;
    bool round_refused_ = true;  // every address of this round refused the connection
    std::atomic<endpoint_state> state_{endpoint_state::handshaking};
    std::atomic<int> last_error_{0};
    std::atomic<int> attempts_{0};
    std::unique_ptr<connect_waiter> waiter_;
    reactor::timer_id reconnect_timer_ = 0;
    reactor::timer_id linger_timer_ = 0;
    int current_ivl_ = 0;
    int linger_ = 0;  // set when termination starts

    std::shared_ptr<pipe_link> link_;
    pipe* pipe_ = nullptr;  // link_->end(1)
    std::unique_ptr<engine> engine_;
    bool engine_plugged_ = false;
    bool connected_before_ = false;  // an engine was plugged into the pipe before
    bool terminating_ = false;
    bool finished_ = false;
};

}  // namespace zmx::detail
