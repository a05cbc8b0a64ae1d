// io_thread: a std::thread running a reactor. See io_thread.hpp.
#include "io/io_thread.hpp"

#include <pthread.h>

namespace zmx::detail {

io_thread::io_thread()
    : thread_([this] {
          ::pthread_setname_np(::pthread_self(), "zmx/io");  // best effort; fails only if too long
          loop_.run();
      }) {}

io_thread::~io_thread() {
    stop_and_join();
}

void io_thread::stop_and_join() {
    const std::lock_guard<std::mutex> lock(join_mutex_);
    if (!thread_.joinable()) {
        return;
    }
    loop_.stop();
    thread_.join();
}

}  // namespace zmx::detail
