// spsc_queue: a lock-free, unbounded single-producer/single-consumer queue built from chunks of N
// elements, with "reader asleep" signalling so the writer knows when it must wake the reader.
// Owned by whoever joins the two threads (typically a pipe). The writer side (write, flush) is used by
// one thread at a time, the reader side (check_read, read, front, pop) by one thread at a time; the
// two sides may be different threads. Nothing here blocks, allocates per item or takes a lock.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <utility>

#include "util/cpu_relax.hpp"

namespace zmx::detail {

template <typename T, std::size_t N = 256>
class spsc_queue {
    static_assert(N >= 1, "spsc_queue needs at least one element per chunk");

    struct chunk {
        alignas(T) unsigned char raw[sizeof(T) * N];
        chunk* next = nullptr;

        T* slot(std::size_t i) noexcept { return std::launder(reinterpret_cast<T*>(raw + i * sizeof(T))); }
        void* place(std::size_t i) noexcept { return raw + i * sizeof(T); }
    };

    // The shared word: (number of items published) << 1 | asleep_bit. The writer publishes with a
    // release exchange; the reader observes with acquire loads and marks itself asleep with a CAS that
    // only succeeds if nothing new was published. Both are read-modify-writes on one atomic, so
    // exactly one of "writer saw the asleep bit" or "reader saw the new count" happens.
    static constexpr std::uint64_t asleep_bit = 1;

public:
    // Pauses between two looks of a patient reader (see check_read).
    static constexpr unsigned look_spacing = 32;

    spsc_queue() {
        auto* c = new chunk;
        w_chunk_ = c;
        r_chunk_ = c;
    }

    spsc_queue(const spsc_queue&) = delete;
    spsc_queue& operator=(const spsc_queue&) = delete;

    // Destroys every item still in the queue (flushed or not) and frees the chunks. Both sides must be
    // quiescent (no thread inside any other member).
    ~spsc_queue() {
        destroy_items(r_chunk_, r_pos_, written_ - read_);
        delete_chunks(r_chunk_);
        delete spare_.load(std::memory_order_acquire);
    }

    // Writer thread. Never blocks. Appends v; the reader cannot see it until the next flush().
    // May allocate when the current chunk is full and no spare chunk is available.
    void write(T&& v) {
        if (w_pos_ == N) {
            chunk* c = spare_.exchange(nullptr, std::memory_order_acquire);
            if (c == nullptr) {
                c = new chunk;
            }
            c->next = nullptr;
            w_chunk_->next = c;
            w_chunk_ = c;
            w_pos_ = 0;
        }
        ::new (w_chunk_->place(w_pos_)) T(std::move(v));
        ++w_pos_;
        ++written_;
    }

    // Writer thread: where the next write() goes, for rollback().
    struct mark {
        void* c;
        std::size_t pos;
        std::uint64_t written;
    };
    mark write_mark() const noexcept { return {w_chunk_, w_pos_, written_}; }

    // Writer thread. Never blocks. Destroys the items written since m (none of them flushed since) and
    // makes m the write position again.
    void rollback(const mark& m) noexcept {
        auto* first = static_cast<chunk*>(m.c);
        destroy_items(first, m.pos, written_ - m.written);
        // Chunks linked after the mark hold only unflushed items: the reader never reached them.
        delete_chunks(first->next);
        first->next = nullptr;
        w_chunk_ = first;
        w_pos_ = m.pos;
        written_ = m.written;
    }

    // Writer thread. Never blocks. Makes every item written so far visible to the reader. Returns
    // false iff the reader had marked itself asleep (its last check_read()/read()/front() found the
    // queue empty): the caller must then wake it. Returns true if nothing was written since the last
    // flush, or if the reader was awake.
    bool flush() noexcept {
        if (written_ == flushed_) {
            return true;
        }
        flushed_ = written_;
        const std::uint64_t prev = shared_.exchange(written_ << 1, std::memory_order_acq_rel);
        return (prev & asleep_bit) == 0;
    }

    // Reader thread. Never blocks. True if an item is available. If none is, marks the reader asleep
    // (so the writer's next flush() returns false) and returns false.
    // With patience > 0, an empty queue is looked at that many more times, look_spacing pauses apart,
    // before the reader marks itself asleep: a writer that is about to publish then need not wake it.
    // The looks are spaced so that a writer mid-stream publishes several items between two of them
    // and keeps the shared word's cache line to itself meanwhile: a reader looking after every pause
    // pulls the line back after every item, and the writer's next publication waits for it.
    bool check_read(unsigned patience = 0) noexcept {
        if (read_ != avail_) {
            return true;
        }
        std::uint64_t cur = shared_.load(std::memory_order_acquire);
        for (; (cur >> 1) == read_ && (cur & asleep_bit) == 0 && patience != 0; --patience) {
            for (unsigned i = 0; i < look_spacing; ++i) cpu_relax();
            cur = shared_.load(std::memory_order_acquire);
        }
        if ((cur >> 1) != read_) {
            avail_ = cur >> 1;
            return true;
        }
        if ((cur & asleep_bit) != 0) {
            return false;  // already asleep and nothing new
        }
        if (shared_.compare_exchange_strong(cur, cur | asleep_bit, std::memory_order_acq_rel,
                                            std::memory_order_acquire)) {
            return false;
        }
        // The writer published in between; cur now holds the fresh value (asleep bit clear).
        avail_ = cur >> 1;
        return avail_ != read_;
    }

    // Reader thread. Never blocks. Moves the oldest item into out and returns true, or returns false
    // (marking the reader asleep, as check_read()) if the queue is empty.
    bool read(T& out, unsigned patience = 0) {
        T* p = front(patience);
        if (p == nullptr) {
            return false;
        }
        out = std::move(*p);
        pop();
        return true;
    }

    // Reader thread. Never blocks. Pointer to the oldest item (valid until pop()/read()), or nullptr
    // (marking the reader asleep, as check_read()) if the queue is empty.
    T* front(unsigned patience = 0) noexcept {
        if (!check_read(patience)) {
            return nullptr;
        }
        if (r_pos_ == N) {
            advance_read_chunk();
        }
        return r_chunk_->slot(r_pos_);
    }

    // Reader thread. Never blocks. Destroys the oldest item. Precondition: front() returned non-null
    // (or check_read() returned true) since the last pop()/read().
    void pop() noexcept {
        if (r_pos_ == N) {
            advance_read_chunk();
        }
        r_chunk_->slot(r_pos_)->~T();
        ++r_pos_;
        ++read_;
    }

private:
    // Destroys n items from slot pos of chunk c on (either side, when the other cannot touch them).
    static void destroy_items(chunk* c, std::size_t pos, std::uint64_t n) noexcept {
        for (; n != 0; --n) {
            if (pos == N) {
                c = c->next;
                pos = 0;
            }
            c->slot(pos)->~T();
            ++pos;
        }
    }

    // Frees chunk c and every chunk linked after it.
    static void delete_chunks(chunk* c) noexcept {
        while (c != nullptr) {
            chunk* next = c->next;
            delete c;
            c = next;
        }
    }

    // Reader thread: the current chunk is used up and an item is known to be published beyond it,
    // so the writer has linked the next chunk (visible through the acquire on shared_).
    void advance_read_chunk() noexcept {
        chunk* done = r_chunk_;
        r_chunk_ = done->next;
        r_pos_ = 0;
        // Keep one spare for the writer; free whichever spare it replaces (only the reader ever
        // stores into spare_, so the old value is a chunk the writer does not hold).
        delete spare_.exchange(done, std::memory_order_acq_rel);
    }

    // Shared state.
    alignas(64) std::atomic<std::uint64_t> shared_{0};
    std::atomic<chunk*> spare_{nullptr};

    // Writer-only state.
    alignas(64) chunk* w_chunk_ = nullptr;
    std::size_t w_pos_ = 0;
    std::uint64_t written_ = 0;
    std::uint64_t flushed_ = 0;

    // Reader-only state.
    alignas(64) chunk* r_chunk_ = nullptr;
    std::size_t r_pos_ = 0;
    std::uint64_t read_ = 0;
    std::uint64_t avail_ = 0;
};

}  // namespace zmx::detail
