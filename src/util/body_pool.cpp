// body_pool: per-thread free lists by size class, returned across threads by an atomic push.
#include "util/body_pool.hpp"

#include <atomic>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <utility>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define ZMX_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define ZMX_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define ZMX_POISON(p, n) ((void)(p), (void)(n))
#define ZMX_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace zmx::detail::body_pool {
namespace {

struct cache;

// In front of every block handed out: who owns it (nullptr: a plain malloc block) and its class.
struct alignas(16) header {
    cache* owner;
    std::uint32_t cls;
};
static_assert(sizeof(header) == 16);

// A cached block: the first word links the list (it overlays header::owner).
struct block {
    block* next;
};

// Size classes of whole blocks (header included): 64, then four steps per power of two
// (80 96 112 128, 160 192 224 256, ...) up to 128 KiB. At most a quarter of a block is slack.
constexpr std::size_t n_classes = 1 + 4 * 11;
constexpr std::size_t max_block = std::size_t{1} << 17;
static_assert(max_pooled + sizeof(header) == max_block);

constexpr std::uint32_t class_of(std::size_t bytes) noexcept {
    if (bytes <= 64) return 0;
    const std::size_t x = bytes - 1;
    const auto e = static_cast<unsigned>(std::bit_width(x) - 1);  // 6..16
    return static_cast<std::uint32_t>(1 + (e - 6) * 4 + ((x >> (e - 2)) & 3));
}

constexpr std::size_t class_size(std::uint32_t c) noexcept {
    if (c == 0) return 64;
    return std::size_t{5 + (c - 1) % 4} << (4 + (c - 1) / 4);
}

static_assert(class_of(64) == 0 && class_of(65) == 1 && class_size(1) == 80);
static_assert(class_of(128) == 4 && class_size(4) == 128 && class_of(129) == 5 && class_size(5) == 160);
static_assert(class_of(max_block) == n_classes - 1 && class_size(n_classes - 1) == max_block);

// What a return list holds once its owner has exited: blocks pushed after that go back to free.
block dead_mark;
block* const dead = &dead_mark;

struct cache {
    // Blocks other threads freed, per class: many push, the owner takes the whole list.
    struct alignas(64) returns {
        std::atomic<block*> head{nullptr};
    };
    returns back[n_classes];
    // The owner's own lists and counts.
    alignas(64) block* free[n_classes] = {};
    std::size_t bytes = 0;  // pooled bytes this thread owns, cached or in use
    // Pooled blocks in existence, plus one while the owner lives; the last to drop it deletes the
    // cache (the owner at exit, or the thread that frees its last block after that).
    alignas(64) std::atomic<std::size_t> blocks{1};
};

void drop_blocks(cache* c, std::size_t n) noexcept {
    if (n != 0 && c->blocks.fetch_sub(n, std::memory_order_acq_rel) == n) delete c;
}

// Frees a list of cached blocks of class cls; returns how many.
std::size_t free_list(block* b, std::uint32_t cls) noexcept {
    std::size_t n = 0;
    while (b != nullptr) {
        block* next = b->next;
        ZMX_UNPOISON(b, class_size(cls));
        std::free(b);
        b = next;
        ++n;
    }
    return n;
}

// Frees everything the owner's lists hold (its cache is over budget, or it is exiting).
std::size_t free_cached(cache* c, block* back_becomes) noexcept {
    std::size_t n = 0;
    for (std::uint32_t cls = 0; cls < n_classes; ++cls) {
        std::size_t k = free_list(std::exchange(c->free[cls], nullptr), cls);
        if (back_becomes != nullptr || c->back[cls].head.load(std::memory_order_relaxed) != nullptr)
            k += free_list(c->back[cls].head.exchange(back_becomes, std::memory_order_acquire), cls);
        c->bytes -= k * class_size(cls);
        n += k;
    }
    return n;
}

thread_local cache* tl_cache = nullptr;
thread_local bool tl_exited = false;

struct exit_hook {
    cache* c = nullptr;
    ~exit_hook() {
        if (c == nullptr) return;
        tl_cache = nullptr;
        tl_exited = true;
        drop_blocks(c, free_cached(c, dead) + 1);
    }
};

cache* thread_cache() noexcept {
    if (tl_cache != nullptr || tl_exited) return tl_cache;
    static thread_local exit_hook hook;  // its destructor runs when this thread exits
    tl_cache = new (std::nothrow) cache;
    hook.c = tl_cache;
    return tl_cache;
}

void* hand_out(void* mem, cache* owner, std::uint32_t cls, std::size_t size) noexcept {
    ZMX_UNPOISON(mem, sizeof(header) + size);
    auto* h = static_cast<header*>(mem);
    h->owner = owner;
    h->cls = cls;
    return h + 1;
}

void* allocate_plain(std::size_t size) noexcept {
    void* mem = std::malloc(sizeof(header) + size);
    return mem == nullptr ? nullptr : hand_out(mem, nullptr, 0, size);
}

void* allocate_fresh(cache* c, std::uint32_t cls, std::size_t size) noexcept {
    const std::size_t cs = class_size(cls);
    if (c->bytes + cs > thread_budget)  // the owner's own reference keeps c alive
        c->blocks.fetch_sub(free_cached(c, nullptr), std::memory_order_relaxed);
    if (c->bytes + cs > thread_budget) return allocate_plain(size);
    void* mem = std::malloc(cs);
    if (mem == nullptr) return nullptr;
    ZMX_POISON(mem, cs);
    c->bytes += cs;
    c->blocks.fetch_add(1, std::memory_order_relaxed);
    return hand_out(mem, c, cls, size);
}

}  // namespace

void* allocate(std::size_t size) noexcept {
    if (size > max_pooled) return allocate_plain(size);
    cache* c = thread_cache();
    if (c == nullptr) return allocate_plain(size);
    const std::uint32_t cls = class_of(sizeof(header) + size);
    block* b = c->free[cls];
    if (b == nullptr) {
        std::atomic<block*>& back = c->back[cls].head;
        if (back.load(std::memory_order_relaxed) == nullptr) return allocate_fresh(c, cls, size);
        b = back.exchange(nullptr, std::memory_order_acquire);
    }
    c->free[cls] = b->next;
    return hand_out(b, c, cls, size);
}

void deallocate(void* p) noexcept {
    if (p == nullptr) return;
    auto* h = static_cast<header*>(p) - 1;
    cache* owner = h->owner;
    if (owner == nullptr) {
        std::free(h);
        return;
    }
    const std::uint32_t cls = h->cls;
    auto* b = reinterpret_cast<block*>(h);
    ZMX_POISON(reinterpret_cast<char*>(b) + sizeof(block), class_size(cls) - sizeof(block));
    if (owner == tl_cache) {
        b->next = owner->free[cls];
        owner->free[cls] = b;
        return;
    }
    std::atomic<block*>& back = owner->back[cls].head;
    block* head = back.load(std::memory_order_relaxed);
    for (;;) {
        if (head == dead) {  // the owner has exited: this block is the caller's to free
            ZMX_UNPOISON(b, class_size(cls));
            std::free(b);
            drop_blocks(owner, 1);
            return;
        }
        b->next = head;
        if (back.compare_exchange_weak(head, b, std::memory_order_release, std::memory_order_relaxed)) return;
    }
}

std::size_t class_capacity(std::size_t size) noexcept {
    return size > max_pooled ? 0 : class_size(class_of(sizeof(header) + size)) - sizeof(header);
}

std::size_t thread_pooled_bytes() noexcept { return tl_cache != nullptr ? tl_cache->bytes : 0; }

}  // namespace zmx::detail::body_pool
