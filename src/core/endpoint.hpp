#pragma once
// Endpoint strings "scheme://address" (parsing and the errors libzmq gives for them), and the
// interface of what stands behind each endpoint of a socket.
#include <string>
#include <string_view>
#include <zmx/monitor.hpp>

namespace zmx::detail {

struct endpoint {
    std::string scheme;
    std::string address;
};

// 0 and `out` filled, or EINVAL (no "://", empty scheme or address).
int parse_endpoint(std::string_view text, endpoint& out);

// What stands behind one of a socket's endpoints (a listener, a dialing session, an inproc link).
class endpoint_owner {
public:
    virtual ~endpoint_owner() = default;
    // Stops it. Any thread. linger_ms: how long queued outbound messages may still be sent
    // (ZMQ_LINGER semantics: -1 forever, 0 drop them).
    virtual void terminate(int linger_ms) = 0;
    virtual bool is_bind() const = 0;
    // state, last_error and attempts (the socket fills in the rest). Any thread.
    virtual endpoint_status status() const = 0;
};

}  // namespace zmx::detail
