#pragma once
// context_impl — what a zmx::context owns: the I/O threads (started with the first socket), the set of
// live sockets, the inproc names, the resolver thread, and the count of sessions and listeners still running (lingering ones included).
// terminate() makes blocking calls return ETERM, waits for every socket to be closed and every
// session to finish within its linger, then stops the I/O threads. Thread-safe.
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <vector>

#include "core/inproc.hpp"
#include "core/resolver.hpp"
#include "io/io_thread.hpp"

namespace zmx::detail {

class socket_base;

class context_impl {
public:
    // A cheap check that a pointer from the C API is a live context_impl (libzmq's tag check): the tag
    // is cleared at destruction.
    bool valid() const noexcept { return tag_ == live_tag; }

    context_impl() = default;
    ~context_impl();
    context_impl(const context_impl&) = delete;
    context_impl& operator=(const context_impl&) = delete;

    // zmq_ctx_set / zmq_ctx_get: 0 or EINVAL.
    int set(int option, int value);
    int get(int option, int& value);

    // A new socket of ZMQ_* type, or null with err (EINVAL unknown type, ETERM, EMFILE).
    socket_base* create_socket(int type, int& err);
    void socket_closed(socket_base* s);

    // The least loaded I/O thread, or null (EMTHREAD) when the context has none.
    io_thread* choose_io_thread();

    inproc_registry& inproc() noexcept { return inproc_; }
    // Runs a blocking name lookup off the I/O threads.
    void resolve_async(std::function<void()> job) { resolver_.submit(std::move(job)); }

    // Sessions and listeners count themselves in and out, so terminate() waits for lingering ones.
    void object_started();
    void object_finished();

    // Makes blocking calls return ETERM (zmq_ctx_shutdown). Sockets must still be closed.
    void shutdown();
    // shutdown(), then wait for sockets to close and sessions to finish; stops the I/O threads.
    void terminate();
    bool terminating() const;

private:
    mutable std::mutex mtx_;
    std::condition_variable cv_;
    std::vector<std::unique_ptr<io_thread>> threads_;
    std::set<socket_base*> sockets_;
    std::mutex objects_mtx_;  // separate from mtx_: sockets count objects in while holding their own lock
    std::condition_variable objects_cv_;
    int live_objects_ = 0;
    bool terminating_ = false;
    bool threads_started_ = false;
    int io_threads_ = 1;
    int max_sockets_ = 1023;
    int ipv6_ = 0;
    int blocky_ = 1;
    inproc_registry inproc_;
    resolver resolver_;
    static constexpr std::uint32_t live_tag = 0xABADCAFE;
    std::uint32_t tag_ = live_tag;
};

}  // namespace zmx::detail
