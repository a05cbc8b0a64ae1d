// Unit tests of the distributor (no sockets): targets chosen per message, whole-or-nothing delivery
// per pipe, dropping and parking at the HWM, reverse matching, and pipes attached mid-message.
#include "sockets/routing/distributor.hpp"
#include "core/pipe.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

using zmx::detail::distributor;
using zmx::detail::make_pipe;
using zmx::detail::pipe_link;
using zpipe = zmx::detail::pipe;

namespace {

void send_frame(distributor& d, const std::string& s, bool more) {
    zmx::message m(s);
    m.set_more(more);
    d.send_to_matching(m);
    CHECK(m.size() == 0);  // consumed
}

// Every message waiting at the reading end of p, frames joined by '|', messages as separate strings.
std::vector<std::string> drain(zpipe& writer) {
    zpipe& r = writer.peer();
    std::vector<std::string> out;
    std::string cur;
    zmx::message m;
    while (r.read(m)) {
        cur += std::string(m.str());
        if (m.more()) {
            cur += '|';
            continue;
        }
        out.push_back(cur);
        cur.clear();
    }
    CHECK(cur.empty());  // never part of a message
    return out;
}

}  // namespace

TEST_CASE("distributor: a message goes whole to the matched pipes only", "[unit][distributor]") {
    auto l1 = make_pipe(0, 0), l2 = make_pipe(0, 0), l3 = make_pipe(0, 0);
    zpipe& a = l1->end(0);
    zpipe& b = l2->end(0);
    zpipe& c = l3->end(0);
    distributor d;
    for (zpipe* p : {&a, &b, &c}) d.attach(*p);
    d.unmatch();
    d.match(a);
    d.match(c);
    d.match(a);  // twice: still one copy
    send_frame(d, "x", true);
    CHECK(d.in_message());
    send_frame(d, "y", false);
    CHECK_FALSE(d.in_message());
    CHECK(drain(a) == std::vector<std::string>{"x|y"});
    CHECK(drain(b).empty());
    CHECK(drain(c) == std::vector<std::string>{"x|y"});
    // The selection ended with the message: nothing matched, nothing sent.
    send_frame(d, "z", false);
    CHECK(drain(a).empty());
    d.match_all();
    send_frame(d, "all", false);
    for (zpipe* p : {&a, &b, &c}) CHECK(drain(*p) == std::vector<std::string>{"all"});
}

TEST_CASE("distributor: reverse_match selects the pipes that did not match", "[unit][distributor]") {
    auto l1 = make_pipe(0, 0), l2 = make_pipe(0, 0), l3 = make_pipe(0, 0);
    zpipe& a = l1->end(0);
    zpipe& b = l2->end(0);
    zpipe& c = l3->end(0);
    distributor d;
    for (zpipe* p : {&a, &b, &c}) d.attach(*p);
    d.unmatch();
    d.match(b);
    d.reverse_match();
    send_frame(d, "inv", false);
    CHECK(drain(a) == std::vector<std::string>{"inv"});
    CHECK(drain(b).empty());
    CHECK(drain(c) == std::vector<std::string>{"inv"});
    d.unmatch();
    d.reverse_match();  // nothing matched: everyone
    send_frame(d, "inv2", false);
    for (zpipe* p : {&a, &b, &c}) CHECK(drain(*p) == std::vector<std::string>{"inv2"});
}

TEST_CASE("distributor: a pipe at its HWM misses whole messages and comes back when activated", "[unit][distributor]") {
    auto full = make_pipe(2, 2), roomy = make_pipe(0, 0);
    zpipe& f = full->end(0);
    zpipe& r = roomy->end(0);
    distributor d;
    d.attach(f);
    d.attach(r);
    for (int i = 0; i < 4; ++i) {
        d.match_all();
        CHECK(d.check_hwm() == (i != 2));  // i = 3: f is parked, no longer a target
        send_frame(d, "m" + std::to_string(i), true);
        send_frame(d, "tail", false);
    }
    CHECK_FALSE(f.out_active);  // parked
    CHECK_FALSE(d.all_have_room());
    CHECK(drain(f) == std::vector<std::string>{"m0|tail", "m1|tail"});
    CHECK(drain(r) == std::vector<std::string>{"m0|tail", "m1|tail", "m2|tail", "m3|tail"});
    // Drained: the pipe would tell its owner (on_writable), which activates it again.
    CHECK(d.all_have_room());
    d.activate(f);
    d.match_all();
    send_frame(d, "back", false);
    CHECK(drain(f) == std::vector<std::string>{"back"});
}

TEST_CASE("distributor: a pipe attached or detached mid-message gets none or keeps what it had",
          "[unit][distributor]") {
    auto l1 = make_pipe(0, 0), l2 = make_pipe(0, 0), l3 = make_pipe(0, 0);
    zpipe& a = l1->end(0);
    zpipe& late = l2->end(0);
    zpipe& gone = l3->end(0);
    distributor d;
    d.attach(a);
    d.attach(gone);
    zmx::message m("first");
    m.set_more(true);
    d.send_to_all(m);
    d.attach(late);
    d.detach(gone);
    zmx::message m2("second");
    d.send_to_all(m2);
    CHECK(drain(a) == std::vector<std::string>{"first|second"});
    CHECK(drain(late).empty());
    zmx::message m3("next");
    d.send_to_all(m3);
    CHECK(drain(late) == std::vector<std::string>{"next"});
    CHECK(drain(a) == std::vector<std::string>{"next"});
}
