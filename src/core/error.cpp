// zmx's error category: errno values, with zmq_strerror's texts for libzmq's own numbers.
#include <zmx/error.hpp>

#include <cstring>

namespace zmx {

const char* strerror(int errnum) noexcept {
    switch (errnum) {
    case efsm: return "Operation cannot be accomplished in current state";
    case enocompatproto: return "The protocol is not compatible with the socket type";
    case eterm: return "Context was terminated";
    case emthread: return "No thread available";
    default: return std::strerror(errnum);
    }
}

namespace {
class zmx_category final : public std::error_category {
public:
    const char* name() const noexcept override { return "zmx"; }
    std::string message(int ev) const override { return zmx::strerror(ev); }
    std::error_condition default_error_condition(int ev) const noexcept override {
        if (ev >= hausnumero) return {ev, *this};
        return std::generic_category().default_error_condition(ev);
    }
};
}  // namespace

const std::error_category& category() noexcept {
    static const zmx_category instance;
    return instance;
}

}  // namespace zmx
