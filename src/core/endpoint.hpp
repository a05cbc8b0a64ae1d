#pragma once
// Endpoint strings "scheme://address": parsing and the errors libzmq gives for them. Pure functions.
#include <string>
#include <string_view>

namespace zmx::detail {

struct endpoint {
    std::string scheme;
    std::string address;
};

// 0 and `out` filled, or EINVAL (no "://", empty scheme or address).
int parse_endpoint(std::string_view text, endpoint& out);

}  // namespace zmx::detail
