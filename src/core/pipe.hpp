#pragma once
// pipe — one end of a bidirectional message link between two owners (a socket and a session, or two
// sockets for inproc). Each direction is a lock-free single-producer/single-consumer queue counted
// against a high-water mark. The ends are created together by make_pipe() and share a pipe_link;
// each end is used by one thread at a time (its owner's). The other end's owner learns of activity
// through its pipe_sink only on transitions: empty→non-empty, full→room, and close.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <zmx/message.hpp>

#include "util/spsc_queue.hpp"

namespace zmx::detail {

class pipe;
class pipe_link;

// Receives notifications about one pipe end. Called from the thread of the *other* end's owner, with no
// pipe lock held; implementations record or post the event and return. A sink may still be called
// once just after it was replaced, so it must ignore pipes it no longer holds.
class pipe_sink {
public:
    virtual void pipe_readable(pipe& p) = 0;  // p has messages after its reader found it empty
    virtual void pipe_writable(pipe& p) = 0;  // p has room again after write() refused at the HWM
    virtual void pipe_closed(pipe& p) = 0;    // the peer end closed; p can still drain what is queued
protected:
    ~pipe_sink() = default;
};

class pipe {
public:
    // Writer side (owner's thread). write() moves msg in and returns true, or returns false and
    // leaves msg untouched when the HWM is reached (the sink gets pipe_writable later).
    bool check_write();
    bool write(message& msg);
    // Writes one single-part message even at the HWM (a local notification such as DISCONNECT_MSG:
    // one message past the limit, never a stream of them) and flushes it. A routing-id message is
    // not counted at all, on either side.
    void write_past_hwm(message& msg);
    // Makes written messages visible to the peer, waking it if it was waiting.
    void flush();
    // Drops the frames of an unfinished multipart message (its sender is gone mid-message), so that
    // the next message starts clean. No-op between messages.
    void rollback();

    // Reader side (owner's thread). false when empty: the sink gets pipe_readable when more arrives.
    // Routing-id messages (message::flag_routing_id) are skipped unless keep_routing_ids is set.
    bool check_read();
    bool read(message& msg);

    // This end is done: queued outbound messages stay readable by the peer, which is then told.
    // The owner must not use the end afterwards except to drop its reference to the link.
    void close();
    // True once the peer end closed (its messages may still be queued for us).
    bool peer_closed() const noexcept;
    // Number of messages written by us and not yet read by the peer, and the reverse (any thread of
    // the owner's; the counts move while they are read).
    std::uint64_t outbound_queued() const noexcept;
    std::uint64_t inbound_queued() const noexcept;

    // The connection's endpoints as this end's owner sees them (ZMQ_EVENT_PIPES_STATS): set by whoever
    // makes the connection (a session on each handshake, inproc at connect), read by the owner.
    void set_endpoints(std::string local, std::string remote);
    std::pair<std::string, std::string> endpoints() const;

    // Set or clear (nullptr) the sink that hears about this end.
    void set_sink(std::shared_ptr<pipe_sink> sink);

    pipe& peer() noexcept;
    int index() const noexcept { return index_; }
    std::shared_ptr<pipe_link> link() const;

    // Owner data: free for the socket type / session that holds this end.
    std::uint32_t routing_id = 0;
    bool in_active = false;   // used by fair_queue
    bool out_active = false;  // used by load_balancer
    void* owner_data = nullptr;
    // Set before the socket sees the pipe: it was made by this socket's connect (not a bind).
    bool locally_initiated = false;
    // Reader: deliver routing-id messages instead of skipping them (ROUTER, set in attach).
    bool keep_routing_ids = false;
    // Reader: how many more looks read() takes at an empty queue before it gives up (and the writer
    // must wake it). Sockets set it on their ends; I/O threads keep 0 (they have writes to do).
    unsigned read_patience = 0;

private:
    friend class pipe_link;
    pipe(pipe_link* link, int index) : link_(link), index_(index) {}
    pipe_link* link_;
    int index_;
    void consumed();  // reader: one whole message read (HWM accounting, writer wake-up)
    bool skip(const message& m) const noexcept {
        return (m.flags() & message::flag_routing_id) != 0 && !keep_routing_ids;
    }
    // Writer-side state (owned by this end's thread).
    std::uint64_t msgs_written_ = 0;
    // The reader's read_count as this writer last loaded it. It only grows, so a stale value only
    // overstates the queue: check_write() reloads it (a cache line the reader writes on every
    // message) only when the stale value says the pipe is full.
    std::uint64_t known_read_ = 0;
    bool writing_multipart_ = false;
    spsc_queue<message>::mark message_start_{};  // where the unfinished multipart message began
    // Reader-side state: messages this end has read from the inbound queue.
    std::uint64_t msgs_read_ = 0;
    std::string local_;  // guarded by the link's notify_mtx_
    std::string remote_;
};

// Shared state of two pipe ends. Kept alive by shared_ptr from both owners.
class pipe_link : public std::enable_shared_from_this<pipe_link> {
public:
    // hwm[0]: messages end 0 may queue towards end 1; hwm[1]: the reverse. 0 = unlimited.
    // conflateN (ZMQ_CONFLATE): direction N (written by end N) holds only the newest message, and is
    // never full.
    pipe_link(int hwm0, int hwm1, bool conflate0 = false, bool conflate1 = false);
    pipe& end(int i) noexcept { return i == 0 ? end0_ : end1_; }
    // Changes the HWMs (inproc: the binder's options add to the connector's once it binds).
    void set_hwm(int hwm0, int hwm1) noexcept;

    // ZMQ_LINGER of the socket at the time it closed its end (ms, -1 = forever): how long the other
    // end may keep sending what is queued.
    std::atomic<int> linger{-1};

private:
    friend class pipe;
    struct direction {
        spsc_queue<message> queue;
        // ZMQ_CONFLATE: a one-message slot under a lock replaces the queue.
        bool conflate = false;
        std::mutex slot_mtx;
        message slot;
        bool slot_full = false;
        bool reader_asleep = false;  // the reader found the slot empty: wake it on the next write
        // Written by the reader on every message: a cache line of its own, so the writer's per-message
        // loads of the fields below (hwm, closed) do not bounce with it.
        alignas(64) std::atomic<std::uint64_t> read_count{0};  // messages the reader consumed
        std::atomic<bool> writer_waiting{false};               // writer hit the HWM
        // Written by the writer on every message (statistics only): its own line too.
        alignas(64) std::atomic<std::uint64_t> write_count{0};  // whole messages the writer wrote
        std::atomic<std::uint64_t> blocked_at{0};               // writer's count when it hit the HWM
        std::atomic<bool> closed{false};                        // writer end closed
        std::atomic<std::uint64_t> hwm{0};  // relaxed: only set_hwm changes it, before traffic matters
    };
    void notify(int end_index, int what);
    direction dir_[2];  // dir_[i]: written by end i, read by end 1-i
    pipe end0_{this, 0};
    pipe end1_{this, 1};
    std::mutex notify_mtx_;
    std::shared_ptr<pipe_sink> sinks_[2];
};

// Creates a link; returns it (ends via link->end(0) / end(1)).
std::shared_ptr<pipe_link> make_pipe(int hwm0, int hwm1, bool conflate0 = false, bool conflate1 = false);

}  // namespace zmx::detail
