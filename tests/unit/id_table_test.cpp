// Unit tests of id_table (no sockets): ROUTER's blob routing ids — lookup of any bytes, ownership
// changes, erase only by the owner, and libzmq-style auto ids (0x00 + uint32 big-endian counter) that
// skip ids in use and wrap.
#include "sockets/routing/id_table.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "core/pipe.hpp"

using zmx::detail::id_table;
using zmx::detail::make_pipe;
using zpipe = zmx::detail::pipe;

TEST_CASE("id_table: binary ids are found exactly and erased only by their owner", "[unit][routing][id_table]") {
    auto l1 = make_pipe(0, 0);
    auto l2 = make_pipe(0, 0);
    zpipe& a = l1->end(0);
    zpipe& b = l2->end(0);
    id_table t(7);
    const std::string bin("\0A\xff", 3);
    t.assign(bin, a);
    t.assign("B", b);
    CHECK(t.find(bin) == &a);
    CHECK(t.find(std::string("\0A", 2)) == nullptr);  // a prefix is another id
    CHECK(t.find("B") == &b);
    CHECK(t.find("b") == nullptr);
    CHECK(t.size() == 2);

    t.erase("B", a);  // a does not own "B": nothing happens
    CHECK(t.find("B") == &b);
    t.assign("B", a);  // handover: a owns "B" now, and b cannot erase it any more
    t.erase("B", b);
    CHECK(t.find("B") == &a);
    t.erase("B", a);
    CHECK(t.find("B") == nullptr);
    CHECK(t.size() == 1);
    CHECK(t.any_of([&](zpipe& p) { return &p == &a; }));
    CHECK_FALSE(t.any_of([&](zpipe& p) { return &p == &b; }));
}

TEST_CASE("id_table: auto ids are 5 bytes 0x00 + big-endian counter and skip ids in use",
          "[unit][routing][id_table]") {
    auto l = make_pipe(0, 0);
    id_table t(0x01020304);
    CHECK(t.next_auto_id() == std::string("\x00\x01\x02\x03\x04", 5));
    CHECK(t.next_auto_id() == std::string("\x00\x01\x02\x03\x05", 5));
    // A peer chose the next auto id itself: the counter steps over it.
    t.assign(std::string("\x00\x01\x02\x03\x06", 5), l->end(0));
    CHECK(t.next_auto_id() == std::string("\x00\x01\x02\x03\x07", 5));

    id_table w(0xFFFFFFFFu);  // the counter wraps (0 included, as libzmq)
    CHECK(w.next_auto_id() == std::string("\x00\xff\xff\xff\xff", 5));
    CHECK(w.next_auto_id() == std::string("\x00\x00\x00\x00\x00", 5));
    CHECK(w.next_auto_id() == std::string("\x00\x00\x00\x00\x01", 5));
}

TEST_CASE("id_table: random starts differ between tables", "[unit][routing][id_table]") {
    // Two tables drawing the same first id four times in a row would mean the start is not random.
    int same = 0;
    for (int i = 0; i < 4; ++i) {
        id_table x;
        id_table y;
        if (x.next_auto_id() == y.next_auto_id()) ++same;
    }
    CHECK(same < 4);
}
