#pragma once
// distributor — fans one message (all its frames) out to a set of pipes (PUB/XPUB data, XSUB's
// upstream traffic). The targets are chosen at the first frame (match / match_all / reverse_match)
// and stay fixed until the last one, so a pipe attached mid-message gets none of it. A target at
// its HWM misses the whole message (dropped, never blocked) and is parked until activate(); callers
// that must not drop (XPUB_NODROP) ask check_hwm() first. Owned by a socket type; used under the
// socket's lock. It owns pipe::out_active and pipe::owner_data (a match stamp) of its pipes.
#include <cstdint>
#include <vector>
#include <zmx/message.hpp>

#include "core/pipe.hpp"

namespace zmx::detail {

class distributor {
public:
    void attach(pipe& p);
    void detach(pipe& p);
    // p has room again (on_writable): it may be a target of the next message.
    void activate(pipe& p);

    // Target selection for the next message; only between messages (not while one is in progress).
    void unmatch();
    void match(pipe& p);   // adds p unless it is parked or matched already
    void match_all();      // every pipe that is not parked
    void reverse_match();  // the pipes not parked and not matched become the targets (INVERT_MATCHING)

    // Sends one frame to the targets and consumes msg (left empty). The frame without MORE ends the
    // message: the targets are flushed and cleared.
    void send_to_matching(message& msg);
    // As send_to_matching, choosing all pipes at the first frame of a message.
    void send_to_all(message& msg);

    // True if every target can take the next message now (registers for on_writable otherwise).
    bool check_hwm();
    // True if every attached pipe can take a message now (XPUB_NODROP's has_out).
    bool all_have_room();
    // True while a multipart message is being sent.
    bool in_message() const noexcept { return more_; }
    const std::vector<pipe*>& pipes() const noexcept { return pipes_; }

private:
    bool stamped(const pipe& p) const noexcept;
    void stamp(pipe& p) noexcept;
    void drop_target(std::size_t i);
    std::vector<pipe*> pipes_;    // every attached pipe
    std::vector<pipe*> targets_;  // of the message being sent (or about to be)
    std::uintptr_t gen_ = 1;      // match stamp of the current selection (in pipe::owner_data)
    bool more_ = false;
};

}  // namespace zmx::detail
