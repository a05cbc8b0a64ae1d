// body_pool — memory for message bodies, cached per thread.
// A message body is usually allocated in one thread (the sender, or the I/O thread that decodes it)
// and freed in another (the I/O thread that wrote it, or the receiver). With glibc's malloc every
// such free locks the allocating thread's arena, which the allocating thread locks too: on a stream
// of messages the two threads take turns on that lock for every message. The pool gives each thread
// its own free lists per size class; a thread frees its own blocks onto its list and hands other
// threads' blocks back with one atomic push onto the owner's return list, which the owner takes
// whole when its own list runs dry.
//
// Any thread may allocate and free; a block may be freed by any thread. Blocks of more than
// max_pooled bytes, and blocks beyond a thread's budget, come from malloc and go back to free. A
// thread's cached blocks are freed when it exits; blocks it allocated that are still in use then go
// back to free when they are released.
#pragma once

#include <cstddef>

namespace zmx::detail::body_pool {

// Largest request served from the pool (larger ones go straight to malloc).
inline constexpr std::size_t max_pooled = 128 * 1024 - 16;

// Bytes of pooled blocks (cached or in use) one thread may own; past it, and when dropping what its
// lists cache does not make room, blocks come from malloc.
inline constexpr std::size_t thread_budget = 16 * 1024 * 1024;

// size bytes, aligned like malloc's; nullptr when out of memory.
void* allocate(std::size_t size) noexcept;

// Frees a block from allocate(), from any thread. p may be nullptr.
void deallocate(void* p) noexcept;

// For tests: the capacity of the size class that serves `size` bytes (0 when it is not pooled), and
// the bytes of pooled blocks the calling thread owns, cached or in use.
std::size_t class_capacity(std::size_t size) noexcept;
std::size_t thread_pooled_bytes() noexcept;

}  // namespace zmx::detail::body_pool
