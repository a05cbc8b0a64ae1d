// trie (counted topics, SUB/XSUB) and mtrie (topics to pipe sets, PUB/XPUB) over radix_tree.
#include "sockets/routing/trie.hpp"

namespace zmx::detail {

bool trie::add(std::string_view topic) {
    auto& n = tree_.insert(topic);
    if (++n.value.n != 1) return false;
    ++topics_;
    return true;
}

bool trie::rm(std::string_view topic) {
    std::vector<radix_tree<counter>::node*> path;
    auto* n = tree_.find(topic, &path);
    if (n == nullptr || n->value.n == 0) return false;
    if (--n->value.n != 0) return false;
    --topics_;
    tree_.prune(n, path);
    return true;
}

bool trie::check(std::string_view data) const {
    return tree_.visit_prefixes(data, [](const counter&) { return true; });
}

void trie::apply(const std::function<void(std::string_view)>& f) {
    tree_.for_each([&](std::string_view key, radix_tree<counter>::node& n) {
        if (!n.value.empty()) f(key);
    });
}

bool mtrie::pipe_set::insert(pipe* p) {
    auto it = std::lower_bound(pipes.begin(), pipes.end(), p);
    if (it != pipes.end() && *it == p) return false;
    pipes.insert(it, p);
    return true;
}

bool mtrie::pipe_set::erase(pipe* p) {
    auto it = std::lower_bound(pipes.begin(), pipes.end(), p);
    if (it == pipes.end() || *it != p) return false;
    pipes.erase(it);
    return true;
}

bool mtrie::add(std::string_view topic, pipe* p) {
    auto& n = tree_.insert(topic);
    const bool first = n.value.empty();
    n.value.insert(p);
    if (first) ++topics_;
    return first;
}

mtrie::rm_result mtrie::rm(std::string_view topic, pipe* p) {
    std::vector<radix_tree<pipe_set>::node*> path;
    auto* n = tree_.find(topic, &path);
    if (n == nullptr || !n->value.erase(p)) return rm_result::not_found;
    if (!n->value.empty()) return rm_result::values_remain;
    --topics_;
    tree_.prune(n, path);
    return rm_result::last_value_removed;
}

void mtrie::rm(pipe* p, const std::function<void(std::string_view)>& f, bool uniq_only) {
    bool emptied = false;
    tree_.for_each([&](std::string_view key, radix_tree<pipe_set>::node& n) {
        if (!n.value.erase(p)) return;
        const bool last = n.value.empty();
        if (last) {
            --topics_;
            emptied = true;
        }
        if (f && (last || !uniq_only)) f(key);
    });
    if (emptied) tree_.prune_all();
}

bool mtrie::contains(std::string_view topic) const {
    auto* n = const_cast<radix_tree<pipe_set>&>(tree_).find(topic);
    return n != nullptr && !n->value.empty();
}

}  // namespace zmx::detail
