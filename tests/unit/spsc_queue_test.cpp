// Tests for zmx::detail::spsc_queue: flush/asleep semantics, chunk boundaries, destruction of
// leftovers, and a two-thread stress run with wakeup-based sleeping.
#include "util/spsc_queue.hpp"
#include "io/wakeup.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

using zmx::detail::spsc_queue;
using zmx::detail::wakeup;

namespace {

// Counts live instances so leftovers and moved-from objects can be checked.
struct counted {
    static inline int live = 0;
    int value = -1;
    char pad[56] = {};  // about the size of a message

    explicit counted(int v) : value(v) { ++live; }
    counted(counted&& o) noexcept : value(o.value) {
        o.value = -1;
        ++live;
    }
    counted& operator=(counted&& o) noexcept {
        value = o.value;
        o.value = -1;
        return *this;
    }
    counted(const counted&) = delete;
    counted& operator=(const counted&) = delete;
    ~counted() { --live; }
};

}  // namespace

TEST_CASE("spsc_queue: flush reports a sleeping reader", "[spsc_queue]") {
    spsc_queue<int, 4> q;
    int out = 0;

    SECTION("reader never checked: flush returns true") {
        q.write(1);
        CHECK(q.flush());
        CHECK(q.read(out));
        CHECK(out == 1);
    }
    SECTION("reader went to sleep: the next flush returns false, only once") {
        CHECK_FALSE(q.check_read());  // marks asleep
        CHECK_FALSE(q.check_read());  // still asleep, still nothing
        q.write(1);
        CHECK_FALSE(q.check_read());  // written but not flushed: invisible
        CHECK_FALSE(q.flush());       // reader was asleep: caller must wake it
        CHECK(q.flush());             // nothing new written
        q.write(2);
        CHECK(q.flush());  // reader has not slept again
        CHECK(q.check_read());
        CHECK(q.read(out));
        CHECK(out == 1);
        CHECK(q.read(out));
        CHECK(out == 2);
        CHECK_FALSE(q.read(out));  // empty read marks asleep too
        q.write(3);
        CHECK_FALSE(q.flush());
        CHECK(q.read(out));
        CHECK(out == 3);
    }
    SECTION("flush with nothing written returns true even if the reader sleeps") {
        CHECK_FALSE(q.check_read());
        CHECK(q.flush());
    }
    SECTION("a reader that found data is awake") {
        q.write(1);
        q.write(2);
        CHECK(q.flush());
        CHECK(q.read(out));
        q.write(3);
        CHECK(q.flush());  // the reader still had item 2 to read: it is not asleep
        CHECK(q.read(out));
        CHECK(q.read(out));
        CHECK(out == 3);
    }
}

TEST_CASE("spsc_queue: front and pop", "[spsc_queue]") {
    spsc_queue<std::string, 2> q;
    CHECK(q.front() == nullptr);
    q.write("a");
    q.write("b");
    q.write("c");
    CHECK_FALSE(q.flush());
    for (const char* expect : {"a", "b", "c"}) {
        std::string* p = q.front();
        REQUIRE(p != nullptr);
        CHECK(*p == expect);
        q.pop();
    }
    CHECK(q.front() == nullptr);
}

TEST_CASE("spsc_queue: chunk boundaries keep FIFO order", "[spsc_queue]") {
    constexpr std::size_t n = 4;
    spsc_queue<std::unique_ptr<int>, n> q;
    std::unique_ptr<int> out;
    int next_write = 0;
    int next_read = 0;

    SECTION("one big batch") {
        for (; next_write < static_cast<int>(3 * n + 3); ++next_write) {
            q.write(std::make_unique<int>(next_write));
        }
        q.flush();
        while (q.read(out)) {
            REQUIRE(out != nullptr);
            CHECK(*out == next_read++);
        }
        CHECK(next_read == next_write);
    }
    SECTION("interleaved batches of every size, crossing chunks and reusing the spare") {
        for (int batch = 1; batch <= static_cast<int>(5 * n); ++batch) {
            for (int i = 0; i < batch; ++i) {
                q.write(std::make_unique<int>(next_write++));
            }
            q.flush();
            // Read a little less than written, so the reader trails across chunk boundaries.
            for (int i = 0; i < batch - 1; ++i) {
                REQUIRE(q.read(out));
                CHECK(*out == next_read++);
            }
        }
        while (q.read(out)) {
            CHECK(*out == next_read++);
        }
        CHECK(next_read == next_write);
    }
}

TEST_CASE("spsc_queue: leftovers are destroyed with the queue", "[spsc_queue]") {
    counted::live = 0;
    {
        spsc_queue<counted, 4> q;
        for (int i = 0; i < 10; ++i) {
            q.write(counted(i));
        }
        q.flush();
        for (int i = 10; i < 17; ++i) {
            q.write(counted(i));  // never flushed
        }
        CHECK(counted::live == 17);
        counted out(-2);
        for (int i = 0; i < 6; ++i) {
            REQUIRE(q.read(out));
            CHECK(out.value == i);
        }
        CHECK(counted::live == 12);  // 11 queued + out
    }
    CHECK(counted::live == 0);

    {
        spsc_queue<counted, 4> q;  // empty, and one drained past a chunk with a spare kept
        spsc_queue<counted, 4> q2;
        for (int i = 0; i < 9; ++i) {
            q2.write(counted(i));
        }
        q2.flush();
        counted out(0);
        while (q2.read(out)) {
        }
        CHECK(counted::live == 1);
    }
    CHECK(counted::live == 0);
}

namespace {

// Producer writes `count` ints (flushing every `batch`), consumer sleeps on a wakeup whenever the
// queue is empty. Returns the number of items the consumer saw in order (count on success).
template <std::size_t N>
std::uint64_t two_thread_run(std::uint64_t count, std::uint64_t batch, bool& timed_out, unsigned patience = 0) {
    spsc_queue<std::uint64_t, N> q;
    wakeup wake;
    std::atomic<bool> failed{false};
    std::uint64_t in_order = 0;

    std::thread consumer([&] {
        std::uint64_t expect = 0;
        std::uint64_t v = 0;
        while (expect < count) {
            if (!q.check_read(patience)) {
                // Asleep: the producer's next flush() returns false and it signals us.
                if (!wake.wait(10000)) {
                    failed = true;
                    return;
                }
                wake.drain();
                continue;
            }
            if (!q.read(v) || v != expect) {
                break;
            }
            ++expect;
            in_order = expect;
        }
    });

    for (std::uint64_t i = 0; i < count; ++i) {
        q.write(std::uint64_t{i});
        if ((i + 1) % batch == 0 || i + 1 == count) {
            if (!q.flush()) {
                wake.signal();
            }
        }
    }
    consumer.join();
    timed_out = failed.load();
    return in_order;
}

}  // namespace

TEST_CASE("spsc_queue: two threads, a million items, sleep/wake on empty", "[spsc_queue][threads]") {
    bool timed_out = false;
    SECTION("flush after every write") {
        const std::uint64_t got = two_thread_run<256>(1'000'000, 1, timed_out);
        CHECK_FALSE(timed_out);
        CHECK(got == 1'000'000);
    }
    SECTION("small chunks, batched flushes") {
        const std::uint64_t got = two_thread_run<8>(1'000'000, 7, timed_out);
        CHECK_FALSE(timed_out);
        CHECK(got == 1'000'000);
    }
    SECTION("the reader looks again before it sleeps") {
        const std::uint64_t got = two_thread_run<256>(1'000'000, 1, timed_out, 2);
        CHECK_FALSE(timed_out);
        CHECK(got == 1'000'000);
    }
}

TEST_CASE("spsc_queue: a patient reader of an empty queue still falls asleep", "[spsc_queue]") {
    spsc_queue<int, 4> q;
    CHECK_FALSE(q.check_read(3));
    q.write(1);
    CHECK_FALSE(q.flush());  // the reader was marked asleep: the writer must wake it
    int v = 0;
    REQUIRE(q.read(v, 3));
    CHECK(v == 1);
    CHECK_FALSE(q.read(v, 3));
    q.write(2);
    CHECK_FALSE(q.flush());
}

TEST_CASE("spsc_queue: rollback drops unflushed items across chunks and writing goes on", "[spsc_queue]") {
    counted::live = 0;
    {
        spsc_queue<counted, 4> q;
        for (int i = 0; i < 3; ++i) q.write(counted(i));
        q.flush();
        const auto m = q.write_mark();
        for (int i = 100; i < 110; ++i) q.write(counted(i));  // spans three more chunks
        CHECK(counted::live == 13);
        q.rollback(m);
        CHECK(counted::live == 3);
        for (int i = 3; i < 9; ++i) q.write(counted(i));
        q.flush();
        counted out(-1);
        for (int i = 0; i < 9; ++i) {
            REQUIRE(q.read(out));
            CHECK(out.value == i);
        }
        CHECK_FALSE(q.read(out));
    }
    CHECK(counted::live == 0);
}
