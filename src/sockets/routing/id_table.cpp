// id_table: blob routing id -> pipe, and libzmq-style auto ids (0x00 + uint32 BE counter).
#include "sockets/routing/id_table.hpp"

#include <random>

namespace zmx::detail {

id_table::id_table() : next_(static_cast<std::uint32_t>(std::random_device{}())) {}

id_table::id_table(std::uint32_t first_counter) : next_(first_counter) {}

pipe* id_table::find(std::string_view id) const {
    const auto it = ids_.find(id);
    return it == ids_.end() ? nullptr : it->second;
}

void id_table::assign(std::string_view id, pipe& p) {
    const auto it = ids_.find(id);
    if (it != ids_.end()) it->second = &p;
    else ids_.emplace(std::string(id), &p);
}

void id_table::erase(std::string_view id, const pipe& p) {
    const auto it = ids_.find(id);
    if (it != ids_.end() && it->second == &p) ids_.erase(it);
}

std::string id_table::next_auto_id() {
    for (;;) {
        const std::uint32_t n = next_++;
        const std::string id{'\0', static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                             static_cast<char>(n)};
        if (!ids_.contains(id)) return id;  // a peer may have chosen this very id itself
    }
}

}  // namespace zmx::detail
