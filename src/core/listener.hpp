#pragma once
// listener — a bound endpoint on an I/O thread: accepts connections and gives each an accepted
// session on the same thread. Owned by shared_ptr (the socket's endpoint list, posted closures).
// terminate() may be called from any thread; everything else runs on its I/O thread.
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "core/session.hpp"

namespace zmx::detail {

class listener final : public endpoint_owner, private io_handler, public std::enable_shared_from_this<listener> {
public:
    // Takes a listening fd made by tr.listen() for `endpoint` (the exact one it returned).
    listener(session::params p, int fd, std::string endpoint);
    ~listener() override;
    void start();  // any thread: registers on the I/O thread
    void terminate(int linger_ms) override;
    bool is_bind() const override { return true; }
    endpoint_status status() const override;

private:
    void on_readable() override;
    void on_writable() override {}

    session::params p_;
    int fd_;
    const int fd_number_;  // for the CLOSED event (fd_ is the I/O thread's)
    std::string endpoint_;
    reactor::handle handle_ = nullptr;
    std::atomic<bool> closed_{false};
    std::vector<std::shared_ptr<session>> sessions_;
};

}  // namespace zmx::detail
