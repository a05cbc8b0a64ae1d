// Endpoint string parsing.
#include "core/endpoint.hpp"

#include <cerrno>

namespace zmx::detail {

int parse_endpoint(std::string_view text, endpoint& out) {
    const auto pos = text.find("://");
    if (pos == std::string_view::npos || pos == 0 || pos + 3 >= text.size()) return EINVAL;
    out.scheme.assign(text.substr(0, pos));
    out.address.assign(text.substr(pos + 3));
    return 0;
}

}  // namespace zmx::detail
