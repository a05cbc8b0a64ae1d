// context_impl: I/O threads, sockets, termination.
#include "core/context_impl.hpp"

#include <cerrno>
#include <zmx/error.hpp>

#include "core/socket_base.hpp"
#include "sockets/socket_type.hpp"

namespace zmx::detail {

namespace {
enum : int { opt_io_threads = 1, opt_max_sockets = 2, opt_socket_limit = 3, opt_msg_t_size = 6, opt_ipv6 = 42, opt_blocky = 70 };
}

context_impl::~context_impl() {
    terminate();
    tag_ = 0;
}

int context_impl::set(int option, int value) {
    std::lock_guard lock(mtx_);
    switch (option) {
    case opt_io_threads:
        if (value < 0) return EINVAL;
        io_threads_ = value;
        return 0;
    case opt_max_sockets:
        if (value < 1) return EINVAL;
        max_sockets_ = value;
        return 0;
    case opt_ipv6: ipv6_ = value != 0; return 0;
    case opt_blocky: blocky_ = value != 0; return 0;
    default: return EINVAL;
    }
}

int context_impl::get(int option, int& value) {
    std::lock_guard lock(mtx_);
    switch (option) {
    case opt_io_threads: value = io_threads_; return 0;
    case opt_max_sockets: value = max_sockets_; return 0;
    case opt_socket_limit: value = 65535; return 0;
    case opt_msg_t_size: value = 64; return 0;
    case opt_ipv6: value = ipv6_; return 0;
    case opt_blocky: value = blocky_; return 0;
    default: return EINVAL;
    }
}

socket_base* context_impl::create_socket(int type, int& err) {
    const socket_type_info* info = find_socket_type(type);
    if (info == nullptr || info->make == nullptr) {
        err = EINVAL;
        return nullptr;
    }
    std::lock_guard lock(mtx_);
    if (terminating_) {
        err = eterm;
        return nullptr;
    }
    if (static_cast<int>(sockets_.size()) >= max_sockets_) {
        err = EMFILE;
        return nullptr;
    }
    if (!threads_started_) {
        threads_started_ = true;
        for (int i = 0; i < io_threads_; ++i) threads_.push_back(std::make_unique<io_thread>());
    }
    auto* s = new socket_base(*this, *info, ipv6_);
    if (!s->built()) {  // a type whose factory makes nothing is not built yet
        delete s;
        err = EINVAL;
        return nullptr;
    }
    sockets_.insert(s);
    return s;
}

void context_impl::socket_closed(socket_base* s) {
    std::lock_guard lock(mtx_);
    sockets_.erase(s);
    cv_.notify_all();
}

io_thread* context_impl::choose_io_thread() {
    // threads_ is filled before the first socket exists and cleared only after the last one closed,
    // so sockets may read it without mtx_ (which they must not take while holding their own lock).
    io_thread* best = nullptr;
    for (auto& t : threads_)
        if (best == nullptr || t->loop().load() < best->loop().load()) best = t.get();
    return best;
}

void context_impl::object_started() {
    std::lock_guard lock(objects_mtx_);
    ++live_objects_;
}

void context_impl::object_finished() {
    std::lock_guard lock(objects_mtx_);
    --live_objects_;
    objects_cv_.notify_all();
}

bool context_impl::terminating() const {
    std::lock_guard lock(mtx_);
    return terminating_;
}

void context_impl::shutdown() {
    std::vector<socket_base*> sockets;
    {
        std::lock_guard lock(mtx_);
        terminating_ = true;
        sockets.assign(sockets_.begin(), sockets_.end());
        // Sockets cannot close while we hold mtx_ (socket_closed takes it), so the pointers stay valid
        // until we have told each one.
        for (socket_base* s : sockets) s->context_terminated();
    }
}

void context_impl::terminate() {
    shutdown();
    {
        std::unique_lock lock(mtx_);
        cv_.wait(lock, [this] { return sockets_.empty(); });
    }
    {
        std::unique_lock lock(objects_mtx_);
        objects_cv_.wait(lock, [this] { return live_objects_ == 0; });
    }
    inproc_.clear();
    resolver_.stop();
    std::unique_lock lock(mtx_);
    auto threads = std::move(threads_);
    threads_.clear();
    lock.unlock();
    for (auto& t : threads) t->stop_and_join();
}

}  // namespace zmx::detail
