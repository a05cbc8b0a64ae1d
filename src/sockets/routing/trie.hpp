#pragma once
// Subscription tries for PUB/SUB (RFC 29): prefix trees over topic bytes, radix-compressed so that a
// 70 000-byte topic is one node. `trie` counts subscriptions per topic (SUB/XSUB: subscribe twice,
// cancel twice); `mtrie` keeps, per topic, the set of pipes subscribed to it (PUB/XPUB). Owned by
// one socket type and used under the socket's lock only. Every walk is iterative, so a peer cannot
// make it recurse deeply whatever topics it sends.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace zmx::detail {

class pipe;

// The tree both tries share. V is the value of a topic node; V::empty() says the node holds no
// subscription (such nodes exist only as branch points, and are merged away when no longer needed).
template <class V>
class radix_tree {
public:
    struct node {
        std::string label;                            // the key bytes on the edge from the parent
        std::vector<std::unique_ptr<node>> children;  // sorted by label[0]; labels never empty
        V value{};
    };

    radix_tree() = default;
    radix_tree(const radix_tree&) = delete;
    radix_tree& operator=(const radix_tree&) = delete;
    ~radix_tree() { clear(); }

    // The node of key, created (with an empty value) if needed.
    node& insert(std::string_view key);
    // The node of key or null; `path` (if given) receives its ancestors, root first.
    node* find(std::string_view key, std::vector<node*>* path = nullptr);
    // n (found with `path`) may have an empty value now: drops it, or merges it with its only child.
    void prune(node* n, std::vector<node*>& path);
    // Drops or merges every node left with an empty value (after a walk emptied several).
    void prune_all();
    // f(key, node&) for every node, parents before children, keys in byte order.
    template <class F>
    void for_each(F&& f);
    // f(const V&) for the root and each node whose key is a prefix of data, shortest first; stops
    // early when f returns true. Returns whether it stopped early.
    template <class F>
    bool visit_prefixes(std::string_view data, F&& f) const;
    void clear();

private:
    static std::unique_ptr<node>* child_slot(node& n, char first);
    static const node* child(const node& n, char first);
    // Removes parent's child c (empty value, no children) or merges c with its only child.
    static void collapse(node& parent, node* c);
    node root_;
};

// Counted topics (SUB/XSUB): "matches" means some subscribed topic is a prefix of the data.
class trie {
public:
    // True if this is the topic's first subscription.
    bool add(std::string_view topic);
    // True if that was the topic's last subscription; false also when it was not subscribed.
    bool rm(std::string_view topic);
    bool check(std::string_view data) const;
    // f(topic) once for each subscribed topic (whatever its count), in byte order.
    void apply(const std::function<void(std::string_view)>& f);
    std::size_t size() const noexcept { return topics_; }  // distinct topics

private:
    struct counter {
        std::uint32_t n = 0;
        bool empty() const noexcept { return n == 0; }
    };
    radix_tree<counter> tree_;
    std::size_t topics_ = 0;
};

// Topics to pipes (PUB/XPUB). A pipe is in a topic's set once however often it subscribed (libzmq).
class mtrie {
public:
    enum class rm_result { not_found, last_value_removed, values_remain };

    // Adds p to topic's set; true if no pipe was subscribed to topic before.
    bool add(std::string_view topic, pipe* p);
    rm_result rm(std::string_view topic, pipe* p);
    // Removes p from every topic. f(topic) is called for each topic p left, or with uniq_only only for
    // the topics that no pipe is subscribed to any more. Topics come in byte order.
    void rm(pipe* p, const std::function<void(std::string_view)>& f, bool uniq_only);
    // Whether any pipe is subscribed to exactly this topic.
    bool contains(std::string_view topic) const;
    // f(pipe*) for every pipe subscribed to a prefix of data (a pipe with several such topics comes
    // once for each).
    template <class F>
    void match(std::string_view data, F&& f) const {
        tree_.visit_prefixes(data, [&](const pipe_set& s) {
            for (pipe* p : s.pipes) f(p);
            return false;
        });
    }
    std::size_t size() const noexcept { return topics_; }  // distinct topics

private:
    struct pipe_set {
        std::vector<pipe*> pipes;  // sorted
        bool empty() const noexcept { return pipes.empty(); }
        bool insert(pipe* p);
        bool erase(pipe* p);
    };
    radix_tree<pipe_set> tree_;
    std::size_t topics_ = 0;
};

// ---- radix_tree template members ----

template <class V>
std::unique_ptr<typename radix_tree<V>::node>* radix_tree<V>::child_slot(node& n, char first) {
    auto it = std::lower_bound(n.children.begin(), n.children.end(), first, [](const std::unique_ptr<node>& c, char b) {
        return static_cast<unsigned char>(c->label[0]) < static_cast<unsigned char>(b);
    });
    return it != n.children.end() && (*it)->label[0] == first ? &*it : nullptr;
}

template <class V>
const typename radix_tree<V>::node* radix_tree<V>::child(const node& n, char first) {
    auto* slot = child_slot(const_cast<node&>(n), first);
    return slot != nullptr ? slot->get() : nullptr;
}

template <class V>
typename radix_tree<V>::node& radix_tree<V>::insert(std::string_view key) {
    node* n = &root_;
    while (!key.empty()) {
        auto* slot = child_slot(*n, key[0]);
        if (slot == nullptr) {
            auto leaf = std::make_unique<node>();
            leaf->label.assign(key);
            node* out = leaf.get();
            auto pos = std::upper_bound(
                n->children.begin(), n->children.end(), key[0], [](char b, const std::unique_ptr<node>& c) {
                    return static_cast<unsigned char>(b) < static_cast<unsigned char>(c->label[0]);
                });
            n->children.insert(pos, std::move(leaf));
            return *out;
        }
        node* c = slot->get();
        const std::size_t limit = std::min(c->label.size(), key.size());
        std::size_t common = 1;  // the first byte matched already
        while (common < limit && c->label[common] == key[common]) ++common;
        if (common < c->label.size()) {  // split c: a branch node for the common part takes its place
            auto mid = std::make_unique<node>();
            mid->label.assign(c->label, 0, common);
            c->label.erase(0, common);
            mid->children.push_back(std::move(*slot));
            *slot = std::move(mid);
            c = slot->get();
        }
        n = c;
        key.remove_prefix(common);
    }
    return *n;
}

template <class V>
typename radix_tree<V>::node* radix_tree<V>::find(std::string_view key, std::vector<node*>* path) {
    node* n = &root_;
    while (!key.empty()) {
        auto* slot = child_slot(*n, key[0]);
        if (slot == nullptr) return nullptr;
        node* c = slot->get();
        if (c->label.size() > key.size() || key.compare(0, c->label.size(), c->label) != 0) return nullptr;
        if (path != nullptr) path->push_back(n);
        key.remove_prefix(c->label.size());
        n = c;
    }
    return n;
}

template <class V>
void radix_tree<V>::collapse(node& parent, node* c) {
    if (!c->value.empty() || c->children.size() > 1) return;
    auto* slot = child_slot(parent, c->label[0]);
    if (c->children.empty()) {
        parent.children.erase(parent.children.begin() + (slot - parent.children.data()));
        return;
    }
    std::unique_ptr<node> only = std::move(c->children.front());  // c absorbs its only child
    c->label += only->label;
    c->value = std::move(only->value);
    c->children = std::move(only->children);
}

template <class V>
void radix_tree<V>::prune(node* n, std::vector<node*>& path) {
    if (n == &root_ || path.empty()) return;
    node* parent = path.back();
    const bool removed = n->children.empty() && n->value.empty();
    collapse(*parent, n);
    // Removing n may leave its parent (not the root) a branch point with one child and no value.
    if (removed && parent != &root_ && path.size() >= 2) collapse(*path[path.size() - 2], parent);
}

template <class V>
void radix_tree<V>::prune_all() {
    // Pre-order list of (parent, node); collapsing in reverse handles children before their parents.
    std::vector<std::pair<node*, node*>> order;
    std::vector<node*> stack{&root_};
    while (!stack.empty()) {
        node* n = stack.back();
        stack.pop_back();
        for (auto& c : n->children) {
            order.emplace_back(n, c.get());
            stack.push_back(c.get());
        }
    }
    for (auto it = order.rbegin(); it != order.rend(); ++it) collapse(*it->first, it->second);
}

template <class V>
template <class F>
void radix_tree<V>::for_each(F&& f) {
    std::string key;
    std::vector<std::pair<node*, std::size_t>> stack{{&root_, 0}};  // node, key length before its label
    while (!stack.empty()) {
        auto [n, depth] = stack.back();
        stack.pop_back();
        key.resize(depth);
        key += n->label;
        f(std::string_view(key), *n);
        for (auto it = n->children.rbegin(); it != n->children.rend(); ++it) stack.emplace_back(it->get(), key.size());
    }
}

template <class V>
template <class F>
bool radix_tree<V>::visit_prefixes(std::string_view data, F&& f) const {
    const node* n = &root_;
    for (;;) {
        if (!n->value.empty() && f(n->value)) return true;
        if (data.empty()) return false;
        const node* c = child(*n, data[0]);
        if (c == nullptr || c->label.size() > data.size() || data.compare(0, c->label.size(), c->label) != 0)
            return false;
        data.remove_prefix(c->label.size());
        n = c;
    }
}

template <class V>
void radix_tree<V>::clear() {
    // Iteratively, so that a deep tree cannot overflow the stack through nested destructors.
    std::vector<std::unique_ptr<node>> work = std::move(root_.children);
    root_.children.clear();
    root_.value = V{};
    while (!work.empty()) {
        std::unique_ptr<node> n = std::move(work.back());
        work.pop_back();
        for (auto& c : n->children) work.push_back(std::move(c));
    }
}

}  // namespace zmx::detail
