// Tests for zmx::detail::body_pool: size classes, reuse by the owner, blocks freed by other threads
// going back to their owner, owners that exit before their blocks are freed, the per-thread budget,
// and a two-thread stream of blocks checked byte by byte (run it in the ASan build: the pool poisons
// cached blocks, so a write after free is reported there).
#include "util/body_pool.hpp"

#include <catch2/catch.hpp>

#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace pool = zmx::detail::body_pool;

TEST_CASE("body_pool classes cover every size with at most a quarter of slack", "[body_pool]") {
    std::size_t last = 0;
    for (std::size_t size = 1; size <= pool::max_pooled; size += (size < 4096 ? 1 : 97)) {
        const std::size_t cap = pool::class_capacity(size);
        REQUIRE(cap >= size);
        REQUIRE(cap >= last);
        REQUIRE(cap + 16 <= std::max<std::size_t>(64, (size + 16) * 5 / 4));
        last = cap;
    }
    CHECK(pool::class_capacity(pool::max_pooled) == pool::max_pooled);
    CHECK(pool::class_capacity(pool::max_pooled + 1) == 0);
}

TEST_CASE("body_pool gives a thread back the block it freed last", "[body_pool]") {
    void* p = pool::allocate(300);
    REQUIRE(p != nullptr);
    std::memset(p, 0xA5, 300);
    pool::deallocate(p);
    void* q = pool::allocate(pool::class_capacity(300));  // same class, largest size in it
    CHECK(q == p);
    pool::deallocate(q);
    pool::deallocate(nullptr);
}

TEST_CASE("body_pool returns a block freed by another thread to its owner", "[body_pool]") {
    std::promise<void*> allocated;
    std::promise<void> freed;
    std::future<void*> again;
    std::thread owner([&] {
        void* p = pool::allocate(1000);
        allocated.set_value(p);
        freed.get_future().wait();
        void* q = pool::allocate(1000);  // its own list is empty: it takes its return list
        CHECK(q == p);
        pool::deallocate(q);
    });
    void* p = allocated.get_future().get();
    REQUIRE(p != nullptr);
    std::memset(p, 1, 1000);
    pool::deallocate(p);
    freed.set_value();
    owner.join();
}

TEST_CASE("body_pool blocks outlive the thread that allocated them", "[body_pool]") {
    std::vector<void*> blocks;
    std::thread owner([&] {
        for (std::size_t size : {50, 500, 5000, 50000, 500000}) blocks.push_back(pool::allocate(size));
        pool::deallocate(pool::allocate(70));  // a cached block the owner frees as it exits
    });
    owner.join();
    for (void* p : blocks) {
        REQUIRE(p != nullptr);
        std::memset(p, 2, 50);
        pool::deallocate(p);  // the owner is gone: back to malloc (ASan/LSan see a leak or a bad free)
    }
}

TEST_CASE("body_pool keeps a thread within its budget and drops its cache when over", "[body_pool]") {
    std::thread t([] {
        const std::size_t big = 60000;
        std::vector<void*> blocks;
        for (std::size_t i = 0; i < 2 * pool::thread_budget / big; ++i) {
            void* p = pool::allocate(big);
            REQUIRE(p != nullptr);
            std::memset(p, 3, big);
            blocks.push_back(p);
            REQUIRE(pool::thread_pooled_bytes() <= pool::thread_budget);
        }
        CHECK(pool::thread_pooled_bytes() > pool::thread_budget / 2);
        for (void* p : blocks) pool::deallocate(p);  // plain ones to free, pooled ones cached
        CHECK(pool::thread_pooled_bytes() > pool::thread_budget / 2);
        // A small block of a new class still fits; when the budget is full, the cache goes first.
        std::vector<void*> small;
        while (pool::thread_pooled_bytes() + 64 <= pool::thread_budget) small.push_back(pool::allocate(40));
        small.push_back(pool::allocate(40));
        CHECK(pool::thread_pooled_bytes() < pool::thread_budget / 2);
        for (void* p : small) pool::deallocate(p);
    });
    t.join();
}

TEST_CASE("body_pool streams blocks between two threads intact", "[body_pool]") {
    constexpr int count = 20000;
    std::mutex m;
    std::condition_variable cv;
    std::deque<std::pair<void*, std::size_t>> q;
    std::thread producer([&] {
        std::uint32_t seed = 7;
        for (int i = 0; i < count; ++i) {
            seed = seed * 1664525 + 1013904223;
            const std::size_t size = 1 + seed % (i % 100 == 0 ? 200000 : 3000);
            auto* p = static_cast<unsigned char*>(pool::allocate(size));
            REQUIRE(p != nullptr);
            std::memset(p, static_cast<int>(size & 0xFF), size);
            std::lock_guard lk(m);
            q.emplace_back(p, size);
            cv.notify_one();
        }
    });
    int bad = 0;
    for (int i = 0; i < count; ++i) {
        std::unique_lock lk(m);
        cv.wait(lk, [&] { return !q.empty(); });
        auto [p, size] = q.front();
        q.pop_front();
        lk.unlock();
        const auto* b = static_cast<const unsigned char*>(p);
        if (b[0] != (size & 0xFF) || b[size - 1] != (size & 0xFF)) ++bad;
        pool::deallocate(p);
    }
    producer.join();
    CHECK(bad == 0);
}
