// socket_mailbox: commands from I/O threads to a socket.
#include "core/mailbox.hpp"

namespace zmx::detail {

void socket_mailbox::post(command c) {
    std::unique_lock lock(mtx);
    if (closed) {
        lock.unlock();
        if (c.kind == command::attach) c.p().close();  // nobody will take this pipe
        return;
    }
    pending.push_back(std::move(c));
    if (waiters > 0) cv.notify_all();
}

void socket_mailbox::post_attach(std::shared_ptr<pipe_link> link, int end) {
    post({command::attach, std::move(link), end});
}

void socket_mailbox::wake_all() {
    std::lock_guard lock(mtx);
    cv.notify_all();
}

}  // namespace zmx::detail
