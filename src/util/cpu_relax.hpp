// cpu_relax — the CPU's spin-wait hint (x86 pause, arm yield), for loops that poll shared memory.
// Any thread; never blocks.
#pragma once

namespace zmx::detail {

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

}  // namespace zmx::detail
