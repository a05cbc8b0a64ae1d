#pragma once
// socket_base — the shell every socket type runs in: options, endpoints (listeners and dialing
// sessions), pipes, the command mailbox, blocking with timeouts, and close. All public methods take
// the socket's lock, so thread-safe types may be used from many threads at once and classic types pay
// only an uncontended lock. Methods return 0 or an errno value; only src/capi and the C++ API turn
// them into errno or exceptions. Created by context_impl::create_socket; destroyed by close().
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>
#include <zmx/message.hpp>
#include <zmx/monitor.hpp>

#include "core/mailbox.hpp"
#include "core/options.hpp"
#include "sockets/socket_type.hpp"

namespace zmx::detail {

class context_impl;
class endpoint_owner;
struct inproc_side;
class monitor;

class socket_base {
public:
    // A cheap check that a pointer from the C API is a live socket_base (libzmq's tag check): the tag
    // is cleared at destruction.
    bool valid() const noexcept { return tag_ == live_tag; }

    socket_base(context_impl& ctx, const socket_type_info& info, int ipv6);
    ~socket_base();
    socket_base(const socket_base&) = delete;
    socket_base& operator=(const socket_base&) = delete;

    int bind(std::string_view endpoint);
    int unbind(std::string_view endpoint);
    int connect(std::string_view endpoint);
    int disconnect(std::string_view endpoint);
    // PEER: connect and return the new pipe's routing id in id_out.
    int connect_peer(std::string_view endpoint, std::uint32_t& id_out);
    // SERVER, PEER: drops the connection of that peer (ENOTSUP for other types, EHOSTUNREACH if none).
    int disconnect_peer(std::uint32_t routing_id);
    // zmq_socket_monitor_versioned: events over an internal socket bound to `endpoint` (inproc);
    // an empty endpoint stops monitoring.
    int monitor(std::string_view endpoint, std::uint64_t events, int version, int type);
    // zmq_socket_monitor_pipes_stats: a ZMQ_EVENT_PIPES_STATS event (messages queued out and in, and
    // the connection's endpoints) for each pipe, now. 0, EINVAL (the monitor does not ask for that
    // event), EAGAIN (no pipes) or ETERM.
    int pipes_stats();
    // zmq_socket_get_peer_state: 0 and the peer's ZMQ_POLLOUT state, or the type's errno.
    int peer_state(std::string_view routing_id, int& state);
    // Where each endpoint stands, ordered by endpoint string. 0 or ETERM.
    int endpoints(std::vector<endpoint_status>& out);

    // flags: 1 = DONTWAIT, 2 = SNDMORE. send consumes msg on success.
    int send(message& msg, int flags);
    int recv(message& msg, int flags);

    // What a recv / send could do now without waiting: poll_in | poll_out bits (ZMQ_POLLIN/POLLOUT).
    // 0 or ETERM. Processes pending commands first.
    int events(short& out);
    static constexpr short poll_in = 1;
    static constexpr short poll_out = 2;
    // The mailbox, for pollers to observe (it outlives the socket while referenced).
    const std::shared_ptr<socket_mailbox>& mailbox() const noexcept { return mb_; }

    int setsockopt(int id, const void* value, std::size_t len);
    int getsockopt(int id, void* value, std::size_t* len);  // ZMQ_FD: see mailbox_fd

    // Closes the socket (linger applies to queued messages) and deletes it.
    void close();

    // Called by the context (any thread) when it starts terminating.
    void context_terminated();

    const socket_type_info& info() const noexcept { return info_; }
    bool built() const noexcept { return type_ != nullptr; }

private:
    using lock_t = std::unique_lock<std::mutex>;
    int connect_locked(std::string_view endpoint, std::uint32_t* id_out);
    int send_locked(lock_t& lock, message& msg, int flags);
    int get_fd(void* value, std::size_t* len);  // ZMQ_FD, socket lock held
    int bind_inproc(std::string_view text, const std::string& name);
    int connect_inproc(std::string_view text, const std::string& name, std::uint32_t* id_out);
    inproc_side own_side() const;
    // Socket lock held: handles what was posted to the mailbox. Inline, as every send and recv calls
    // it and there is almost never anything to do.
    void process_commands() {
        if (fd_ || mb_->has_pending()) process_posted();
    }
    void process_posted();
    // notify: tell the mailbox's observers (pollers, ZMQ_FD) — not needed for an attach command, whose
    // posting told them already (and a second signal would make ZMQ_FD fire for nothing).
    void attach(std::shared_ptr<pipe_link> link, int end, bool notify = true);
    void detach(pipe& p, int linger_ms);
    void reap_closing();
    // Waits for commands until deadline_ms (-1 = forever). 0 (commands, or the deadline) or ETERM.
    int wait(lock_t& lock, std::int64_t deadline_ms);

    context_impl& ctx_;
    const socket_type_info& info_;
    std::unique_ptr<socket_type> type_;
    std::shared_ptr<socket_mailbox> mb_;
    socket_options opts_;
    std::shared_ptr<class monitor> monitor_;
    std::shared_ptr<mailbox_fd> fd_;  // ZMQ_FD, made on first request (classic types only)
    std::map<pipe*, std::shared_ptr<pipe_link>> pipes_;
    std::vector<pipe*> closing_;  // peer closed; detached once drained
    bool rcvmore_ = false;        // ZMQ_RCVMORE
    std::multimap<std::string, std::shared_ptr<endpoint_owner>, std::less<>> endpoints_;
    static constexpr std::uint32_t live_tag = 0xBAADF00D;
    std::uint32_t tag_ = live_tag;
};

}  // namespace zmx::detail
