// PAIR (RFC 31, exclusive pair): one peer at a time; further connections are refused while it is
// attached. Multipart messages pass whole. Send waits (EAGAIN) while there is no peer or its pipe is
// at the HWM; nothing is dropped.
#include <cerrno>

#include "sockets/socket_type.hpp"
#include "sockets/types.hpp"

namespace zmx::detail {
namespace {

class pair final : public socket_type {
public:
    bool attach(pipe& p) override {
        if (pipe_ != nullptr) return false;
        pipe_ = &p;
        return true;
    }
    void detach(pipe& p) override {
        if (pipe_ == &p) pipe_ = nullptr;
    }
    void on_readable(pipe&) override {}
    void on_writable(pipe&) override {}

    int send(message& msg) override {
        if (pipe_ == nullptr || pipe_->peer_closed()) return EAGAIN;
        const bool more = msg.more();
        if (!pipe_->write(msg)) return EAGAIN;
        if (!more) pipe_->flush();
        msg.clear();
        return 0;
    }
    int recv(message& msg) override {
        if (pipe_ == nullptr || !pipe_->read(msg)) return EAGAIN;
        return 0;
    }

    bool has_in() override { return pipe_ != nullptr && pipe_->check_read(); }
    bool has_out() override { return pipe_ != nullptr && !pipe_->peer_closed() && pipe_->check_write(); }

private:
    pipe* pipe_ = nullptr;
};

}  // namespace

std::unique_ptr<socket_type> make_pair(const socket_options&) { return std::make_unique<pair>(); }

}  // namespace zmx::detail
