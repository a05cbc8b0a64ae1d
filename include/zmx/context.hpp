#pragma once
// zmx::context — owns the I/O threads, the sockets made in it and the inproc endpoint names.
// Destroying (or close()) terminates it: blocking calls in other threads return ETERM, and it waits
// until every socket is closed and each has sent what ZMQ_LINGER allows. Thread-safe.
#include <zmx/options.hpp>

namespace zmx {

namespace detail {
class context_impl;
}

class context {
public:
    context();                      // ZMQ_IO_THREADS = 1
    explicit context(int io_threads);
    context(context&& o) noexcept : impl_(o.impl_) { o.impl_ = nullptr; }
    context& operator=(context&& o) noexcept;
    context(const context&) = delete;
    context& operator=(const context&) = delete;
    ~context();

    // Makes blocking calls on this context's sockets return ETERM; sockets must still be closed.
    void shutdown();
    // Terminates now (same as the destructor). Blocks until all sockets are closed (ZMQ_BLOCKY).
    void close();

    void set(int option_id, int value);  // zmq_ctx_set semantics; throws zmx::error(EINVAL)
    int get(int option_id) const;
    template <int Id>
    void set(option<Id, int>, int value) { set(Id, value); }
    template <int Id>
    int get(option<Id, int>) const { return get(Id); }

    detail::context_impl* handle() const noexcept { return impl_; }

private:
    detail::context_impl* impl_ = nullptr;
};

}  // namespace zmx
