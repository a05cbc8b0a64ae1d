#pragma once
// zmx error codes. Inside the library every failure is a std::error_code in zmx's category, whose
// values are the errno numbers libzmq uses (system errno values plus libzmq's own EFSM, ENOCOMPATPROTO,
// ETERM, EMTHREAD). The C++ API throws zmx::error for everything except EAGAIN. Any thread.
#include <cerrno>
#include <string>
#include <system_error>

namespace zmx {

// libzmq's own error numbers (zmq.h: ZMQ_HAUSNUMERO + n).
inline constexpr int hausnumero = 156384712;
inline constexpr int efsm = hausnumero + 51;
inline constexpr int enocompatproto = hausnumero + 52;
inline constexpr int eterm = hausnumero + 53;
inline constexpr int emthread = hausnumero + 54;

// The category whose values are errno numbers; message() gives zmq_strerror's text.
const std::error_category& category() noexcept;

inline std::error_code make_error(int errnum) noexcept { return {errnum, category()}; }

// zmq_strerror's text for errnum (system or 0MQ-specific).
const char* strerror(int errnum) noexcept;

// Thrown by the C++ API; num() is the errno-compatible value.
class error : public std::system_error {
public:
    explicit error(int errnum) : std::system_error(make_error(errnum)) {}
    explicit error(std::error_code ec) : std::system_error(ec) {}
    int num() const noexcept { return code().value(); }
};

}  // namespace zmx
