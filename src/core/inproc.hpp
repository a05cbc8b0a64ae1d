#pragma once
// inproc:// — the names bound in one context and the connections waiting for a bind. An inproc
// connection is a pipe joined directly between two sockets: no engine, no I/O thread, no copy, no
// socket-type check (as in libzmq). Connect may come before bind: the connector's pipe exists at once
// (so a PEER id is known and messages queue) and is handed to the binder when the name is bound.
// Thread-safe; its lock is taken after a socket's lock, never before.
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/endpoint.hpp"
#include "core/pipe.hpp"

namespace zmx::detail {

class socket_mailbox;

// What one side of an inproc connection brings: its HWMs, its HELLO_MSG (empty: none), and its
// ZMQ_ROUTING_ID if its type announces one (REQ, DEALER, ROUTER; as READY's Identity over ZMTP).
struct inproc_side {
    int sndhwm = 0;
    int rcvhwm = 0;
    std::string hello;
    bool sends_routing_id = false;
    std::string routing_id;
};

// Queues what a side sends first on a new inproc pipe end: its routing-id message, then its HELLO_MSG.
void inproc_greet(pipe& own_end, const inproc_side& side);

// A connect waiting for its bind. The connector holds end 0; end 1 goes to the binder.
struct inproc_pending {
    std::shared_ptr<pipe_link> link;
    inproc_side connector;
    std::shared_ptr<std::atomic<bool>> joined;  // set once the binder has end 1
};

class inproc_registry {
public:
    struct binding {
        std::shared_ptr<socket_mailbox> mailbox;
        inproc_side side;
    };

    // Binds name to a socket: 0 and the connects that were waiting for it (to be completed by the
    // binder), or EADDRINUSE.
    int bind(const std::string& name, binding b, std::vector<inproc_pending>& waiting);
    // Forgets name if mailbox bound it.
    void unbind(const std::string& name, const socket_mailbox* mailbox);
    // The binding of name (true), or false after parking `pending` until name is bound.
    bool connect(const std::string& name, inproc_pending pending, binding& out);
    // Drops waiting connects (context termination).
    void clear();

private:
    std::mutex mtx_;
    std::map<std::string, binding, std::less<>> bound_;
    std::multimap<std::string, inproc_pending, std::less<>> waiting_;
};

// A socket's inproc bind: terminate() releases the name.
class inproc_bound final : public endpoint_owner {
public:
    inproc_bound(inproc_registry& r, std::string name, const socket_mailbox* mb)
        : registry_(r), name_(std::move(name)), mailbox_(mb) {}
    void terminate(int) override {
        registry_.unbind(name_, mailbox_);
        done_ = true;
    }
    bool is_bind() const override { return true; }
    endpoint_status status() const override;

private:
    inproc_registry& registry_;
    std::string name_;
    const socket_mailbox* mailbox_;
    std::atomic<bool> done_{false};
};

// A socket's inproc connect. The pipe itself is the socket's (disconnect closes it there).
class inproc_connection final : public endpoint_owner {
public:
    inproc_connection(std::weak_ptr<pipe_link> link, std::shared_ptr<std::atomic<bool>> joined)
        : link_(std::move(link)), joined_(std::move(joined)) {}
    void terminate(int) override {}
    bool is_bind() const override { return false; }
    endpoint_status status() const override;
    std::shared_ptr<pipe_link> link() const { return link_.lock(); }

private:
    std::weak_ptr<pipe_link> link_;
    std::shared_ptr<std::atomic<bool>> joined_;
};

// Joins a pipe between connector (end 0) and binder (end 1): sets the HWMs as libzmq does (each
// direction's sender SNDHWM plus receiver RCVHWM, unlimited if either is 0) and greets the connector
// on the binder's behalf (inproc_greet). Call before the binder uses end 1.
void inproc_join(pipe_link& link, const inproc_side& connector, const inproc_side& binder);

}  // namespace zmx::detail
