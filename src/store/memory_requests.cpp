// The memory store's request log: a queue in id order, oldest first, under its own lock.
#include <algorithm>

#include "memory_store.hpp"

namespace callgate::store {

result<void> MemoryStore::append_requests(std::vector<store::RequestRecord>& records) {
  std::lock_guard lock(requests_mutex_);
  for (auto& r : records) {
    r.id = next_request_id_++;
    requests_.push_back(std::move(r));  // the caller keeps only the ids
  }
  return {};
}

result<std::vector<store::RequestRecord>> MemoryStore::requests_before(std::int64_t before_id,
                                                                       std::size_t n) {
  std::lock_guard lock(requests_mutex_);
  auto end = before_id == 0
                 ? requests_.end()
                 : std::lower_bound(requests_.begin(), requests_.end(), before_id,
                                    [](const auto& r, std::int64_t id) { return r.id < id; });
  std::vector<store::RequestRecord> out;
  for (auto it = end; it != requests_.begin() && out.size() < n;) out.push_back(*--it);
  return out;
}

result<std::optional<store::RequestRecord>> MemoryStore::load_request(std::int64_t id) {
  std::lock_guard lock(requests_mutex_);
  auto it = std::lower_bound(requests_.begin(), requests_.end(), id,
                             [](const auto& r, std::int64_t want) { return r.id < want; });
  if (it == requests_.end() || it->id != id) return std::optional<store::RequestRecord>{};
  return std::optional<store::RequestRecord>{*it};
}

result<std::size_t> MemoryStore::trim_requests(TimePoint before, std::size_t keep) {
  std::lock_guard lock(requests_mutex_);
  std::size_t dropped = 0;
  while (!requests_.empty() && (requests_.size() > keep || requests_.front().at < before)) {
    requests_.pop_front();
    ++dropped;
  }
  return dropped;
}

}  // namespace callgate::store
