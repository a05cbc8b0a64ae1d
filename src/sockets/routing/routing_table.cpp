// routing_table: random start, then sequential ids, skipping 0 and ids still in use.
#include "sockets/routing/routing_table.hpp"

#include <random>

namespace zmx::detail {

routing_table::routing_table() : next_id_(static_cast<std::uint32_t>(std::random_device{}())) {}

routing_table::routing_table(std::uint32_t first_id) : next_id_(first_id) {}

void routing_table::add(pipe& p) {
    std::uint32_t id = next_id_++;
    while (id == 0 || pipes_.contains(id)) id = next_id_++;
    p.routing_id = id;
    pipes_.emplace(id, &p);
}

void routing_table::remove(pipe& p) {
    auto it = pipes_.find(p.routing_id);
    if (it != pipes_.end() && it->second == &p) pipes_.erase(it);
}

pipe* routing_table::find(std::uint32_t id) const {
    auto it = pipes_.find(id);
    return it == pipes_.end() ? nullptr : it->second;
}

}  // namespace zmx::detail
