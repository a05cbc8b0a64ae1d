#pragma once
// routing_table — uint32 routing ids for SERVER/PEER peers: assigns each new pipe an id that is never
// 0 and never equal to a live peer's id (even after the counter wraps), and finds a pipe by id.
// Owned by a socket type; under the socket lock.
#include <cstdint>
#include <unordered_map>

#include "core/pipe.hpp"

namespace zmx::detail {

class routing_table {
public:
    routing_table();                              // ids start at a random value
    explicit routing_table(std::uint32_t first_id);  // ids start at first_id (tests)
    // Assigns p.routing_id and records p.
    void add(pipe& p);
    void remove(pipe& p);
    pipe* find(std::uint32_t id) const;

private:
    std::unordered_map<std::uint32_t, pipe*> pipes_;
    std::uint32_t next_id_;
};

}  // namespace zmx::detail
