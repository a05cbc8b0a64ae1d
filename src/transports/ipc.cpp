// ipc:// over Unix-domain stream sockets: address parsing (paths, abstract names, "*"), listen with
// stale-file removal, cleanup of what a bind created, non-blocking connect, and the ipc stream.
#include "transports/ipc.hpp"

#include <limits.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "core/options.hpp"

namespace zmx::detail {
namespace {

class ipc_stream final : public fd_stream {
public:
    using fd_stream::fd_stream;
    // libzmq 4.3.x on Linux/glibc: getnameinfo(NI_NUMERICHOST) of any AF_UNIX address gives "localhost",
    // then SO_PEERCRED appends ":uid:gid:pid" (stream_engine_base.cpp, get_peer_address). Checked against
    // libzmq 4.3.4: both ends of an ipc connection see e.g. "localhost:1000:1000:4242".
    std::string peer_address() const override {
        ucred cred{};
        socklen_t len = sizeof cred;
        if (::getsockopt(fd_, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return "localhost";
        return "localhost:" + std::to_string(cred.uid) + ":" + std::to_string(cred.gid) + ":" +
               std::to_string(cred.pid);
    }
};

// The longest path that fits sun_path with its NUL: 107 bytes on Linux ("@" of an abstract name included).
constexpr std::size_t max_path = sizeof(sockaddr_un::sun_path) - 1;

// "path" or "@name" → sockaddr_un. Abstract names: sun_path[0] = NUL, then the name, and the length
// counts exactly those bytes (no padding), as libzmq does. 0, EINVAL or ENAMETOOLONG.
int to_sockaddr(std::string_view path, sockaddr_un& sa, socklen_t& len) {
    if (path.empty() || path.find('\0') != std::string_view::npos) return EINVAL;
    if (path.size() > max_path) return ENAMETOOLONG;
    if (path == "@") return EINVAL;
    sa = sockaddr_un{};
    sa.sun_family = AF_UNIX;
    std::memcpy(sa.sun_path, path.data(), path.size());
    if (path.front() == '@') sa.sun_path[0] = '\0';
    len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());
    return 0;
}

void tune(int fd, const socket_options& o) {
    if (o.sndbuf >= 0) ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &o.sndbuf, sizeof o.sndbuf);
    if (o.rcvbuf >= 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &o.rcvbuf, sizeof o.rcvbuf);
}

// The directory "ipc://*" creates its private directory in: $TMPDIR, $TEMPDIR or $TMP if it names a
// directory (libzmq's order), else /tmp. (libzmq falls back to a relative "tmpXXXXXX" in the working
// directory; /tmp is where such a directory belongs and keeps the working directory clean.)
std::string temp_base() {
    for (const char* var : {"TMPDIR", "TEMPDIR", "TMP"}) {
        const char* v = std::getenv(var);
        struct stat st {};
        if (v != nullptr && *v != '\0' && ::stat(v, &st) == 0 && S_ISDIR(st.st_mode)) {
            std::string base(v);
            if (base.back() != '/') base.push_back('/');
            return base;
        }
    }
    return "/tmp/";
}

// Creates a fresh 0700 directory for "ipc://*" (mkdtemp). 0 or errno.
int make_wildcard_dir(std::string& dir) {
    std::string templ = temp_base() + "tmpXXXXXX";
    if (::mkdtemp(templ.data()) == nullptr) return errno;
    dir = std::move(templ);
    return 0;
}

// The absolute form of a socket file path, so the file can be removed even if the working directory
// changes while bound. Falls back to the path as given.
std::string absolute_path(const std::string& path) {
    if (path.front() == '/') return path;
    char cwd[PATH_MAX];
    if (::getcwd(cwd, sizeof cwd) == nullptr) return path;
    std::string abs(cwd);
    if (abs.back() != '/') abs.push_back('/');
    return abs + path;
}

}  // namespace

int ipc_transport::check_connect_address(std::string_view address) const {
    sockaddr_un sa{};
    socklen_t len = 0;
    return to_sockaddr(address, sa, len);
}

int ipc_transport::listen(std::string_view address, const socket_options& o, int& fd_out,
                          std::string& endpoint_out) const {
    std::string path(address);
    std::string dir;
    if (address == "*") {
        if (const int rc = make_wildcard_dir(dir); rc != 0) return rc;
        path = dir + "/socket";
    }
    const auto fail = [&dir](int err) {
        if (!dir.empty()) ::rmdir(dir.c_str());
        return err;
    };

    sockaddr_un sa{};
    socklen_t len = 0;
    if (const int rc = to_sockaddr(path, sa, len); rc != 0) return fail(rc);
    const bool abstract = path.front() == '@';

    // A socket file left at the path (a crashed process, or a live binding: libzmq steals the name) is
    // removed. Anything that is not a socket is left alone, and bind then fails with EADDRINUSE.
    struct stat st {};
    if (!abstract && ::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(path.c_str());

    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail(errno);
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&sa), len) != 0) {
        const int err = errno;
        ::close(fd);
        return fail(err);
    }
    if (::listen(fd, o.backlog) != 0) {
        const int err = errno;
        ::close(fd);
        if (!abstract) ::unlink(path.c_str());
        return fail(err);
    }

    bound_file b;
    if (!abstract) {
        b.file = absolute_path(path);
        if (::stat(path.c_str(), &st) == 0) {
            b.dev = st.st_dev;
            b.ino = st.st_ino;
        }
    }
    b.dir = std::move(dir);
    if (!b.file.empty() || !b.dir.empty()) {
        const std::lock_guard lock(mtx_);
        bound_.insert_or_assign(fd, std::move(b));
    }
    endpoint_out = "ipc://" + path;
    fd_out = fd;
    return 0;
}

void ipc_transport::close_listener(int fd, std::string_view) const {
    bound_file b;
    {
        // Forget fd before closing it: once closed, its number may come back from another listen().
        const std::lock_guard lock(mtx_);
        if (auto it = bound_.find(fd); it != bound_.end()) {
            b = std::move(it->second);
            bound_.erase(it);
        }
    }
    ::close(fd);
    // Unlink only our own file: if a later bind stole the name, the file there is someone else's.
    struct stat st {};
    if (!b.file.empty() && ::lstat(b.file.c_str(), &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == b.dev &&
        st.st_ino == b.ino)
        ::unlink(b.file.c_str());
    if (!b.dir.empty()) ::rmdir(b.dir.c_str());
}

std::unique_ptr<stream> ipc_transport::accept(int listen_fd, const socket_options& o, int& err) const {
    const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        err = errno;
        return nullptr;
    }
    tune(fd, o);
    err = 0;
    return std::make_unique<ipc_stream>(fd);
}

int ipc_transport::resolve(std::string_view address, const socket_options&, std::vector<net_address>& out, bool) const {
    sockaddr_un sa{};
    socklen_t len = 0;
    if (const int rc = to_sockaddr(address, sa, len); rc != 0) return rc;
    static_assert(sizeof sa <= sizeof(net_address::storage));
    net_address a;
    std::memcpy(a.storage.data(), &sa, sizeof sa);
    a.len = len;
    a.text = "ipc://" + std::string(address);
    out.clear();
    out.push_back(std::move(a));
    return 0;
}

int ipc_transport::start_connect(const net_address& a, const socket_options& o, int& fd_out) const {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return errno;
    tune(fd, o);
    // A Unix connect completes at once or fails at once: ENOENT / ECONNREFUSED (nobody bound), or EAGAIN
    // (the listener's backlog is full). All are errors the core retries after ZMQ_RECONNECT_IVL.
    return start_fd_connect(fd, a, fd_out);
}

std::unique_ptr<stream> ipc_transport::finish_connect(int fd, const socket_options&, int& err) const {
    err = finish_fd_connect(fd);
    return err == 0 ? std::make_unique<ipc_stream>(fd) : nullptr;
}

}  // namespace zmx::detail
