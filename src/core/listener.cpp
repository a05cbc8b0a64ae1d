// listener: accept loop.
#include "core/listener.hpp"

#include <algorithm>
#include <cerrno>

#include "core/context_impl.hpp"
#include "io/io_thread.hpp"

namespace zmx::detail {

listener::listener(session::params p, int fd, std::string endpoint)
    : p_(std::move(p)), fd_(fd), fd_number_(fd), endpoint_(std::move(endpoint)) {
    p_.ctx.object_started();
}

listener::~listener() {
    if (fd_ >= 0) p_.tr.close_listener(fd_, endpoint_);
    p_.ctx.object_finished();
}

void listener::start() {
    p_.thread.post([self = shared_from_this()] {
        if (self->closed_) return;
        self->handle_ = self->p_.thread.loop().add(self->fd_, self.get());
        self->p_.thread.loop().set_pollin(self->handle_);
    });
}

endpoint_status listener::status() const {
    endpoint_status st;
    st.state = closed_ ? endpoint_state::stopped : endpoint_state::listening;
    return st;
}

void listener::terminate(int linger_ms) {
    // CLOSED now, from the caller: a socket that closes stops its monitor right after this.
    if (!closed_ && p_.mon) p_.mon->event(events::closed, static_cast<std::uint64_t>(fd_number_), {endpoint_, "", true});
    p_.thread.post([self = shared_from_this(), linger_ms] {
        if (self->closed_) return;
        self->closed_ = true;
        if (self->handle_ != nullptr) self->p_.thread.loop().remove(self->handle_);
        self->handle_ = nullptr;
        self->p_.tr.close_listener(self->fd_, self->endpoint_);
        self->fd_ = -1;
        for (auto& s : self->sessions_) s->terminate(linger_ms);
        self->sessions_.clear();
    });
}

void listener::on_readable() {
    std::erase_if(sessions_, [](const std::shared_ptr<session>& s) { return s->finished(); });
    for (int i = 0; i < 64 && !closed_; ++i) {
        int err = 0;
        std::unique_ptr<stream> st = p_.tr.accept(fd_, p_.opts, err);
        if (!st) {
            if (err != EAGAIN && err != EWOULDBLOCK && p_.mon)
                p_.mon->event(events::accept_failed, static_cast<std::uint64_t>(err), {endpoint_, "", true});
            return;
        }
        if (p_.mon) {
            const std::string local = st->endpoint_name(true);
            const std::string remote = st->endpoint_name(false);
            p_.mon->event(events::accepted, static_cast<std::uint64_t>(st->fd()), {local, remote, true});
        }
        sessions_.push_back(session::accepted(p_, std::move(st)));
    }
}

}  // namespace zmx::detail
