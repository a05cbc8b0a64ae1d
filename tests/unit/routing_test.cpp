// Unit tests of the routing helpers (no sockets): routing_table ids (never 0, unique among live pipes,
// reuse after removal), fair_queue turn-taking, load_balancer round robin and HWM parking.
#include "core/pipe.hpp"
#include "sockets/routing/fair_queue.hpp"
#include "sockets/routing/load_balancer.hpp"
#include "sockets/routing/routing_table.hpp"

#include <catch2/catch.hpp>

#include <cerrno>
#include <memory>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

using zmx::detail::fair_queue;
using zmx::detail::load_balancer;
using zmx::detail::make_pipe;
using zpipe = zmx::detail::pipe;  // plain `pipe` would clash with POSIX ::pipe()
using zmx::detail::pipe_link;
using zmx::detail::routing_table;

namespace {

std::vector<std::shared_ptr<pipe_link>> make_links(std::size_t n, int hwm = 0) {
    std::vector<std::shared_ptr<pipe_link>> v;
    v.reserve(n);
    for (std::size_t i = 0; i < n; ++i) v.push_back(make_pipe(hwm, hwm));
    return v;
}

void write_str(zpipe& p, const std::string& s) {
    zmx::message m(s);
    REQUIRE(p.write(m));
    p.flush();
}

std::string read_str(zpipe& p) {
    zmx::message m;
    REQUIRE(p.read(m));
    return std::string(m.str());
}

}  // namespace

TEST_CASE("routing_table: ids are non-zero and unique among live pipes and found again", "[unit][routing]") {
    routing_table t;
    auto links = make_links(20000);
    std::unordered_set<std::uint32_t> ids;
    for (auto& l : links) {
        zpipe& p = l->end(0);
        t.add(p);
        CHECK(p.routing_id != 0);
        CHECK(ids.insert(p.routing_id).second);
    }
    REQUIRE(ids.size() == links.size());
    for (auto& l : links) CHECK(t.find(l->end(0).routing_id) == &l->end(0));
    CHECK(t.find(0) == nullptr);
}

TEST_CASE("routing_table: removed ids are no longer found and new ids never collide with live ones",
          "[unit][routing]") {
    routing_table t;
    auto links = make_links(2000);
    for (auto& l : links) t.add(l->end(0));

    // Remove every other pipe.
    std::set<std::uint32_t> removed;
    std::set<std::uint32_t> live;
    for (std::size_t i = 0; i < links.size(); ++i) {
        zpipe& p = links[i]->end(0);
        if (i % 2 == 0) {
            removed.insert(p.routing_id);
            t.remove(p);
        } else {
            live.insert(p.routing_id);
        }
    }
    for (std::uint32_t id : removed) CHECK(t.find(id) == nullptr);
    for (std::uint32_t id : live) CHECK(t.find(id) != nullptr);

    // Add more: none may equal a live id or 0; all distinct.
    auto more = make_links(5000);
    std::set<std::uint32_t> fresh;
    for (auto& l : more) {
        zpipe& p = l->end(0);
        t.add(p);
        CHECK(p.routing_id != 0);
        CHECK(live.count(p.routing_id) == 0);
        CHECK(fresh.insert(p.routing_id).second);
        CHECK(t.find(p.routing_id) == &p);
    }
}

TEST_CASE("routing_table: removing a pipe that is not in the table leaves the table alone", "[unit][routing]") {
    routing_table t;
    auto links = make_links(2);
    zpipe& a = links[0]->end(0);
    zpipe& b = links[1]->end(0);
    t.add(a);
    // b pretends to have a's id without being in the table: remove(b) must not remove a.
    b.routing_id = a.routing_id;
    t.remove(b);
    CHECK(t.find(a.routing_id) == &a);
    t.remove(a);
    CHECK(t.find(a.routing_id) == nullptr);
}

// Wrap-around (the counter passing 2^32-1 -> 0 while low ids are still live) cannot be driven from
// here: routing_table picks a random start and has no hook to set it. With a test hook such as
// `explicit routing_table(std::uint32_t first_id)`, this test would start at 0xFFFFFFFE with ids 1..3
// live and check that the next ids are 0xFFFFFFFE, 0xFFFFFFFF, 4 (skipping 0 and 1..3).

TEST_CASE("fair_queue: takes one message from each active pipe in turn", "[unit][routing]") {
    auto links = make_links(3);
    fair_queue fq;
    for (auto& l : links) fq.attach(l->end(0));
    for (int round = 0; round < 3; ++round)
        for (std::size_t i = 0; i < links.size(); ++i)
            write_str(links[i]->end(1), "p" + std::to_string(i) + "r" + std::to_string(round));

    std::vector<std::string> got;
    zmx::message m;
    zpipe* from = nullptr;
    while (fq.recv(m, &from) == 0) {
        got.emplace_back(m.str());
        REQUIRE(from != nullptr);
    }
    REQUIRE(got.size() == 9);
    // Each window of three holds one message from each pipe, and each pipe's messages stay in order.
    for (std::size_t w = 0; w < 3; ++w) {
        std::set<char> pipes_in_window;
        for (std::size_t k = 0; k < 3; ++k) {
            pipes_in_window.insert(got[w * 3 + k][1]);
            CHECK(got[w * 3 + k].substr(2) == "r" + std::to_string(w));
        }
        CHECK(pipes_in_window.size() == 3);
    }
    CHECK_FALSE(fq.has_in());
}

TEST_CASE("fair_queue: a pipe that ran dry comes back when activated", "[unit][routing]") {
    auto links = make_links(1);
    fair_queue fq;
    zpipe& in = links[0]->end(0);
    fq.attach(in);
    zmx::message m;
    CHECK(fq.recv(m) == EAGAIN);
    write_str(links[0]->end(1), "late");
    fq.activate(in);
    REQUIRE(fq.recv(m) == 0);
    CHECK(m.str() == "late");
}

TEST_CASE("load_balancer: round robin over pipes and parks pipes at their HWM", "[unit][routing]") {
    auto links = make_links(2, 2);  // each direction holds 2 messages
    load_balancer lb;
    for (auto& l : links) lb.attach(l->end(0));
    for (int i = 0; i < 4; ++i) {
        zmx::message m(std::string("m") + std::to_string(i));
        REQUIRE(lb.send(m) == 0);
        CHECK(m.size() == 0);  // consumed
    }
    zmx::message full("overflow");
    CHECK(lb.send(full) == EAGAIN);
    CHECK(full.str() == "overflow");  // untouched on EAGAIN
    CHECK_FALSE(lb.has_out());

    // Two messages each, alternating.
    std::vector<std::string> p0{read_str(links[0]->end(1)), read_str(links[0]->end(1))};
    std::vector<std::string> p1{read_str(links[1]->end(1)), read_str(links[1]->end(1))};
    CHECK(((p0 == std::vector<std::string>{"m0", "m2"} && p1 == std::vector<std::string>{"m1", "m3"}) ||
           (p0 == std::vector<std::string>{"m1", "m3"} && p1 == std::vector<std::string>{"m0", "m2"})));

    lb.activate(links[1]->end(0));
    REQUIRE(lb.send(full) == 0);
    CHECK(read_str(links[1]->end(1)) == "overflow");
}

TEST_CASE("fair_queue: a multipart message stays on its pipe when another pipe goes away", "[unit][routing]") {
    auto links = make_links(3);
    fair_queue fq;
    for (auto& l : links) fq.attach(l->end(1));
    for (int i = 0; i < 3; ++i) {  // pipe i holds one two-frame message "i-a" "i-b"
        zmx::message a(std::to_string(i) + "-a");
        a.set_more(true);
        REQUIRE(links[i]->end(0).write(a));
        zmx::message b(std::to_string(i) + "-b");
        REQUIRE(links[i]->end(0).write(b));
        links[i]->end(0).flush();
    }
    zmx::message m;
    REQUIRE(fq.recv(m) == 0);  // pipe 0 whole
    REQUIRE(fq.recv(m) == 0);
    REQUIRE(fq.recv(m) == 0);  // pipe 1, first frame
    CHECK(m.str() == "1-a");
    REQUIRE(fq.recv(m) == 0);
    CHECK(m.str() == "1-b");
    REQUIRE(fq.recv(m) == 0);  // pipe 2 (the last slot), first frame
    CHECK(m.str() == "2-a");
    fq.detach(links[0]->end(1));  // the last slot moves into the freed one
    REQUIRE(fq.recv(m) == 0);
    CHECK(m.str() == "2-b");
}

TEST_CASE("load_balancer: a multipart message stays on its pipe when another pipe goes away", "[unit][routing]") {
    auto links = make_links(3);
    load_balancer lb;
    for (auto& l : links) lb.attach(l->end(0));
    for (int i = 0; i < 2; ++i) {  // pipes 0 and 1 get a message each
        zmx::message m("x");
        REQUIRE(lb.send(m) == 0);
    }
    zmx::message a("head");
    a.set_more(true);
    REQUIRE(lb.send(a) == 0);  // on pipe 2, the last slot
    lb.detach(links[0]->end(0));
    links[2]->end(1).close();  // its peer leaves mid-message: the message still ends on it
    zmx::message b("tail");
    REQUIRE(lb.send(b) == 0);
    CHECK(links[2]->end(0).outbound_queued() == 1);  // "head" + "tail", one whole message
    CHECK(read_str(links[1]->end(1)) == "x");
    zmx::message none;
    CHECK_FALSE(links[1]->end(1).read(none));
}
