// Unit tests of the subscription tries (no sockets): trie counts subscriptions and matches by
// prefix; mtrie keeps a set of pipes per topic, reports unique/last removals, and removes one pipe's
// topics with a callback. Also long and deep topics (no recursion), checked against a brute force.
#include "sockets/routing/trie.hpp"
#include "core/pipe.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

using zmx::detail::make_pipe;
using zmx::detail::mtrie;
using zmx::detail::pipe_link;
using zmx::detail::trie;
using zpipe = zmx::detail::pipe;

namespace {

std::vector<std::string> topics_of(trie& t) {
    std::vector<std::string> out;
    t.apply([&](std::string_view s) { out.emplace_back(s); });
    return out;
}

std::multiset<zpipe*> matches(const mtrie& m, std::string_view data) {
    std::multiset<zpipe*> out;
    m.match(data, [&](zpipe* p) { out.insert(p); });
    return out;
}

}  // namespace

TEST_CASE("trie: prefix matching with the empty topic matching everything", "[unit][trie]") {
    trie t;
    CHECK_FALSE(t.check(""));
    CHECK_FALSE(t.check("abc"));
    CHECK(t.add("ab"));
    CHECK(t.check("ab"));
    CHECK(t.check("abc"));
    CHECK_FALSE(t.check("a"));
    CHECK_FALSE(t.check("b"));
    CHECK_FALSE(t.check(""));
    CHECK(t.add(""));
    CHECK(t.check(""));
    CHECK(t.check("zzz"));
    CHECK(t.rm(""));
    CHECK_FALSE(t.check("zzz"));
    CHECK(t.check("abx"));
    CHECK(t.size() == 1);
}

TEST_CASE("trie: subscriptions are counted and unknown cancels are refused", "[unit][trie]") {
    trie t;
    CHECK(t.add("topic"));
    CHECK_FALSE(t.add("topic"));  // second subscription: not the first
    CHECK(t.size() == 1);
    CHECK_FALSE(t.rm("topic"));  // one left
    CHECK(t.check("topic-1"));
    CHECK(t.rm("topic"));  // the last
    CHECK_FALSE(t.check("topic-1"));
    CHECK_FALSE(t.rm("topic"));  // never subscribed any more
    CHECK_FALSE(t.rm("top"));    // a prefix of nothing subscribed
    CHECK_FALSE(t.rm("topic-long"));
    CHECK(t.size() == 0);
}

TEST_CASE("trie: branch nodes split and merge back without losing topics", "[unit][trie]") {
    trie t;
    for (const char* s : {"abcd", "abce", "ab", "abcdef", "b", "abc"}) CHECK(t.add(s));
    CHECK(topics_of(t) == std::vector<std::string>{"ab", "abc", "abcd", "abcdef", "abce", "b"});
    CHECK(t.rm("abc"));
    CHECK(t.rm("abcd"));
    CHECK(topics_of(t) == std::vector<std::string>{"ab", "abcdef", "abce", "b"});
    CHECK(t.check("abcdefg"));
    CHECK(t.check("abcx"));  // by "ab"
    CHECK(t.rm("ab"));
    CHECK_FALSE(t.check("abcx"));
    CHECK(t.check("abce"));
    CHECK(t.check("abcdef"));
    CHECK_FALSE(t.check("abcde"));
    CHECK(t.add("abcde"));
    CHECK(t.check("abcde"));
    CHECK(topics_of(t) == std::vector<std::string>{"abcde", "abcdef", "abce", "b"});
}

TEST_CASE("trie: binary topics including NUL and 0xFF bytes", "[unit][trie]") {
    trie t;
    const std::string z("\0\x01", 2), ff("\xff\xfe", 2);
    CHECK(t.add(z));
    CHECK(t.add(ff));
    CHECK(t.check(std::string("\0\x01\x02", 3)));
    CHECK_FALSE(t.check(std::string("\0\x02", 2)));
    CHECK(t.check("\xff\xfe!"));
    CHECK(topics_of(t) == std::vector<std::string>{z, ff});  // byte order: 0x00 before 0xFF
}

TEST_CASE("trie: long topics and a deep chain of nested prefixes", "[unit][trie]") {
    trie t;
    const std::string big(70000, 'q');
    CHECK(t.add(big));
    CHECK(t.check(big + "tail"));
    CHECK_FALSE(t.check(big.substr(1)));
    // Topics "x", "xx", ... : every one a node below the last (a deep tree, walked without recursion).
    std::string s;
    for (int i = 0; i < 3000; ++i) {
        s += 'x';
        CHECK(t.add(s));
    }
    CHECK(t.size() == 3001);
    CHECK(t.check(std::string(5000, 'x')));
    CHECK(topics_of(t).size() == 3001);
    for (int i = 0; i < 2999; ++i) {
        CHECK(t.rm(s));
        s.pop_back();
    }
    CHECK(t.check("x"));
    CHECK_FALSE(t.check(""));
    CHECK(t.size() == 2);
}

TEST_CASE("trie: random operations agree with a brute-force counter map", "[unit][trie]") {
    std::mt19937 rng(12345);
    trie t;
    std::map<std::string, int> ref;
    const auto random_topic = [&] {
        std::string s(rng() % 5, 'a');
        for (char& c : s) c = static_cast<char>('a' + rng() % 3);
        return s;
    };
    for (int i = 0; i < 20000; ++i) {
        const std::string s = random_topic();
        if (rng() % 2 == 0) {
            CHECK(t.add(s) == (ref[s]++ == 0));
        } else {
            const auto it = ref.find(s);
            const bool last = it != ref.end() && it->second == 1;
            CHECK(t.rm(s) == last);
            if (it != ref.end() && --it->second == 0) ref.erase(it);
        }
        const std::string d = random_topic() + random_topic();
        const bool expect = std::any_of(ref.begin(), ref.end(),
                                        [&](const auto& kv) { return d.compare(0, kv.first.size(), kv.first) == 0; });
        REQUIRE(t.check(d) == expect);
    }
    CHECK(t.size() == ref.size());
    std::vector<std::string> keys;
    for (auto& kv : ref) keys.push_back(kv.first);
    CHECK(topics_of(t) == keys);
}

TEST_CASE("mtrie: a pipe is in a topic's set once and first/last are reported", "[unit][trie]") {
    auto l1 = make_pipe(0, 0), l2 = make_pipe(0, 0);
    zpipe* a = &l1->end(0);
    zpipe* b = &l2->end(0);
    mtrie m;
    CHECK(m.add("news", a));
    CHECK_FALSE(m.add("news", a));  // already in the set
    CHECK_FALSE(m.add("news", b));  // not the first pipe
    CHECK(m.size() == 1);
    CHECK(matches(m, "news-1") == std::multiset<zpipe*>{a, b});
    CHECK(matches(m, "new").empty());
    CHECK(m.rm("news", a) == mtrie::rm_result::values_remain);
    CHECK(m.rm("news", a) == mtrie::rm_result::not_found);  // a is out already: once in the set
    CHECK(m.contains("news"));
    CHECK(m.rm("news", b) == mtrie::rm_result::last_value_removed);
    CHECK_FALSE(m.contains("news"));
    CHECK(m.rm("news", b) == mtrie::rm_result::not_found);
    CHECK(m.size() == 0);
    CHECK(matches(m, "news").empty());
}

TEST_CASE("mtrie: match visits every prefix topic of the data", "[unit][trie]") {
    auto l1 = make_pipe(0, 0), l2 = make_pipe(0, 0), l3 = make_pipe(0, 0);
    zpipe* a = &l1->end(0);
    zpipe* b = &l2->end(0);
    zpipe* c = &l3->end(0);
    mtrie m;
    m.add("", a);
    m.add("A", b);
    m.add("AB", b);
    m.add("ABC", c);
    m.add("B", c);
    CHECK(matches(m, "ABCD") == std::multiset<zpipe*>{a, b, b, c});
    CHECK(matches(m, "AB") == std::multiset<zpipe*>{a, b, b});
    CHECK(matches(m, "") == std::multiset<zpipe*>{a});
    CHECK(matches(m, "BA") == std::multiset<zpipe*>{a, c});
    CHECK(matches(m, "C") == std::multiset<zpipe*>{a});
}

TEST_CASE("mtrie: removing a pipe reports unique or all of its topics in byte order", "[unit][trie]") {
    auto l1 = make_pipe(0, 0), l2 = make_pipe(0, 0);
    zpipe* a = &l1->end(0);
    zpipe* b = &l2->end(0);
    for (const bool uniq : {true, false}) {
        INFO("uniq_only " << uniq);
        mtrie m;
        for (const char* t : {"b", "a", "ab", "", "c"}) m.add(t, a);
        m.add("ab", b);
        m.add("z", b);
        std::vector<std::string> gone;
        m.rm(
            a, [&](std::string_view t) { gone.emplace_back(t); }, uniq);
        if (uniq)
            CHECK(gone == std::vector<std::string>{"", "a", "b", "c"});  // "ab" still has b
        else
            CHECK(gone == std::vector<std::string>{"", "a", "ab", "b", "c"});
        CHECK(m.size() == 2);
        CHECK(matches(m, "abc") == std::multiset<zpipe*>{b});
        CHECK(matches(m, "c").empty());
        CHECK(matches(m, "zz") == std::multiset<zpipe*>{b});
        gone.clear();
        m.rm(
            b, [&](std::string_view t) { gone.emplace_back(t); }, uniq);
        CHECK(gone == std::vector<std::string>{"ab", "z"});
        CHECK(m.size() == 0);
        CHECK(matches(m, "ab").empty());
        CHECK(m.add("ab", a));  // empty again: the next subscription is a first one
    }
}

TEST_CASE("mtrie: random operations agree with a brute-force set map", "[unit][trie]") {
    std::vector<std::shared_ptr<pipe_link>> links;
    std::vector<zpipe*> ps;
    for (int i = 0; i < 4; ++i) {
        links.push_back(make_pipe(0, 0));
        ps.push_back(&links.back()->end(0));
    }
    std::mt19937 rng(777);
    mtrie m;
    std::map<std::string, std::set<zpipe*>> ref;
    const auto random_topic = [&] {
        std::string s(rng() % 4, 'a');
        for (char& c : s) c = static_cast<char>('a' + rng() % 3);
        return s;
    };
    for (int i = 0; i < 20000; ++i) {
        const std::string s = random_topic();
        zpipe* p = ps[rng() % ps.size()];
        const unsigned op = rng() % 10;
        if (op < 5) {
            const bool first = ref[s].empty();
            CHECK(m.add(s, p) == first);
            ref[s].insert(p);
        } else if (op < 9) {
            auto it = ref.find(s);
            auto expect = mtrie::rm_result::not_found;
            if (it != ref.end() && it->second.erase(p) == 1)
                expect = it->second.empty() ? mtrie::rm_result::last_value_removed : mtrie::rm_result::values_remain;
            if (it != ref.end() && it->second.empty()) ref.erase(it);
            CHECK(m.rm(s, p) == expect);
        } else {
            std::vector<std::string> expect, got;
            for (auto it = ref.begin(); it != ref.end();) {
                if (it->second.erase(p) == 1 && it->second.empty()) expect.push_back(it->first);
                it = it->second.empty() ? ref.erase(it) : std::next(it);
            }
            m.rm(
                p, [&](std::string_view t) { got.emplace_back(t); }, true);
            CHECK(got == expect);
        }
        const std::string d = random_topic() + random_topic();
        std::multiset<zpipe*> want;
        for (auto& [t, set] : ref)
            if (d.compare(0, t.size(), t) == 0) want.insert(set.begin(), set.end());
        REQUIRE(matches(m, d) == want);
    }
    CHECK(m.size() == ref.size());
}
