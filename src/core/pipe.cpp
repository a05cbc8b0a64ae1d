// pipe: SPSC queues with HWM accounting; wake-ups only on transitions.
#include "core/pipe.hpp"

#include <utility>

namespace zmx::detail {

namespace {
enum { notify_readable, notify_writable, notify_closed };
}

pipe_link::pipe_link(int hwm0, int hwm1, bool conflate0, bool conflate1) {
    set_hwm(hwm0, hwm1);
    dir_[0].conflate = conflate0;
    dir_[1].conflate = conflate1;
}

void pipe_link::set_hwm(int hwm0, int hwm1) noexcept {
    dir_[0].hwm.store(hwm0 > 0 ? static_cast<std::uint64_t>(hwm0) : 0, std::memory_order_relaxed);
    dir_[1].hwm.store(hwm1 > 0 ? static_cast<std::uint64_t>(hwm1) : 0, std::memory_order_relaxed);
}

std::shared_ptr<pipe_link> make_pipe(int hwm0, int hwm1, bool conflate0, bool conflate1) {
    return std::make_shared<pipe_link>(hwm0, hwm1, conflate0, conflate1);
}

void pipe_link::notify(int end_index, int what) {
    std::shared_ptr<pipe_sink> s;
    {
        std::lock_guard lock(notify_mtx_);
        s = sinks_[end_index];
    }
    if (!s) return;
    pipe& p = end(end_index);
    switch (what) {
    case notify_readable: s->pipe_readable(p); break;
    case notify_writable: s->pipe_writable(p); break;
    default: s->pipe_closed(p); break;
    }
}

void pipe::set_sink(std::shared_ptr<pipe_sink> sink) {
    {
        std::lock_guard lock(link_->notify_mtx_);
        link_->sinks_[index_].swap(sink);
    }
    // `sink` now holds the old one: released here, outside the lock (it may be the last reference).
}

pipe& pipe::peer() noexcept { return link_->end(1 - index_); }

std::shared_ptr<pipe_link> pipe::link() const { return link_->shared_from_this(); }

bool pipe::check_write() {
    auto& d = link_->dir_[index_];
    const std::uint64_t hwm = d.hwm.load(std::memory_order_relaxed);
    if (hwm == 0 || writing_multipart_ || d.conflate) return true;
    if (msgs_written_ - known_read_ < hwm) return true;
    known_read_ = d.read_count.load(std::memory_order_acquire);
    if (msgs_written_ - known_read_ < hwm) return true;
    // Full: ask the reader to tell us when it has drained, then look again (it may have read meanwhile).
    d.blocked_at.store(msgs_written_, std::memory_order_relaxed);
    d.writer_waiting.store(true, std::memory_order_seq_cst);
    known_read_ = d.read_count.load(std::memory_order_seq_cst);
    if (msgs_written_ - known_read_ < hwm) {
        d.writer_waiting.store(false, std::memory_order_relaxed);
        return true;
    }
    return false;
}

bool pipe::write(message& msg) {
    auto& d = link_->dir_[index_];
    if (d.conflate) {  // the newest message replaces an unread one
        bool wake = false;
        {
            std::lock_guard lock(d.slot_mtx);
            d.slot = std::move(msg);
            d.slot_full = true;
            wake = std::exchange(d.reader_asleep, false);
        }
        if (wake) link_->notify(1 - index_, notify_readable);
        return true;
    }
    if (!check_write()) return false;
    const bool more = msg.more();
    if (more && !writing_multipart_) message_start_ = d.queue.write_mark();
    d.queue.write(std::move(msg));
    writing_multipart_ = more;
    if (!more) d.write_count.store(++msgs_written_, std::memory_order_relaxed);
    return true;
}

void pipe::rollback() {
    if (!writing_multipart_) return;
    link_->dir_[index_].queue.rollback(message_start_);
    writing_multipart_ = false;
}

void pipe::write_past_hwm(message& msg) {
    rollback();  // a notification never lands inside an unfinished message
    msg.set_more(false);
    auto& d = link_->dir_[index_];
    if (d.conflate) {
        write(msg);
        return;
    }
    const bool counted = (msg.flags() & message::flag_routing_id) == 0;  // ids never count against the HWM
    d.queue.write(std::move(msg));
    if (counted) d.write_count.store(++msgs_written_, std::memory_order_relaxed);
    flush();
}

void pipe::flush() {
    // A message becomes visible only whole: a partly written multipart message waits for its last frame.
    auto& d = link_->dir_[index_];
    if (writing_multipart_ || d.conflate) return;
    if (!d.queue.flush()) link_->notify(1 - index_, notify_readable);
}

void pipe::consumed() {
    auto& d = link_->dir_[1 - index_];
    ++msgs_read_;
    d.read_count.store(msgs_read_, std::memory_order_seq_cst);
    // Wake a blocked writer once half of its window has drained (not for every message).
    if (d.writer_waiting.load(std::memory_order_seq_cst)) {
        const std::uint64_t blocked = d.blocked_at.load(std::memory_order_relaxed);
        const std::uint64_t hwm = d.hwm.load(std::memory_order_relaxed);
        const std::uint64_t lwm = hwm > 1 ? hwm / 2 : 0;
        if (msgs_read_ + lwm >= blocked && d.writer_waiting.exchange(false))
            link_->notify(1 - index_, notify_writable);
    }
}

bool pipe::check_read() {
    auto& d = link_->dir_[1 - index_];
    if (d.conflate) {
        std::lock_guard lock(d.slot_mtx);
        if (d.slot_full && skip(d.slot)) {
            d.slot.clear();
            d.slot_full = false;
        }
        if (!d.slot_full) d.reader_asleep = true;
        return d.slot_full;
    }
    for (;;) {
        message* m = d.queue.front();
        if (m == nullptr) return false;
        if (!skip(*m)) return true;
        d.queue.pop();  // a routing-id message: not counted (see write_past_hwm)
    }
}

bool pipe::read(message& msg) {
    auto& d = link_->dir_[1 - index_];
    for (;;) {
        if (d.conflate) {
            std::lock_guard lock(d.slot_mtx);
            if (!d.slot_full) {
                d.reader_asleep = true;
                return false;
            }
            msg = std::move(d.slot);
            d.slot_full = false;
        } else {
            if (!d.queue.read(msg, read_patience)) return false;
            if (!msg.more() && (msg.flags() & message::flag_routing_id) == 0) consumed();
        }
        if (!skip(msg)) return true;
        msg.clear();
    }
}

void pipe::close() {
    const auto keep = link();  // dropping our sink may drop the last owner of the link
    flush();
    link_->dir_[index_].closed.store(true, std::memory_order_release);
    set_sink(nullptr);
    link_->notify(1 - index_, notify_closed);
}

bool pipe::peer_closed() const noexcept {
    return link_->dir_[1 - index_].closed.load(std::memory_order_acquire);
}

std::uint64_t pipe::outbound_queued() const noexcept {
    auto& d = link_->dir_[index_];
    if (d.conflate) {
        std::lock_guard lock(d.slot_mtx);
        return d.slot_full ? 1 : 0;
    }
    return msgs_written_ - d.read_count.load(std::memory_order_acquire);
}

std::uint64_t pipe::inbound_queued() const noexcept {
    auto& d = link_->dir_[1 - index_];
    if (d.conflate) {
        std::lock_guard lock(d.slot_mtx);
        return d.slot_full ? 1 : 0;
    }
    const std::uint64_t written = d.write_count.load(std::memory_order_relaxed);
    return written > msgs_read_ ? written - msgs_read_ : 0;
}

void pipe::set_endpoints(std::string local, std::string remote) {
    std::lock_guard lock(link_->notify_mtx_);
    local_ = std::move(local);
    remote_ = std::move(remote);
}

std::pair<std::string, std::string> pipe::endpoints() const {
    std::lock_guard lock(link_->notify_mtx_);
    return {local_, remote_};
}

}  // namespace zmx::detail
