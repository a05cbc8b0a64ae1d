// Monotonic time for timers, deadlines and timeouts (std::chrono::steady_clock).
// Free functions with no state; any thread may call them, and they never block.
#pragma once

#include <chrono>
#include <cstdint>

namespace zmx::detail {

// Any thread, never blocks: milliseconds on the monotonic clock (arbitrary epoch).
inline std::int64_t now_ms() noexcept {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// Any thread, never blocks: microseconds on the monotonic clock (same epoch as now_ms()).
inline std::int64_t now_us() noexcept {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// Any thread, never blocks: nanoseconds on the monotonic clock (same epoch as now_ms()).
inline std::int64_t now_ns() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace zmx::detail
