// The memory store's request log: stored records in id order, oldest first, under its own lock.
// Kept in their stored form (one string each), read back only when an operator looks.
#include <algorithm>

#include "memory_store.hpp"

namespace callgate::store {
namespace {

std::optional<RequestRecord> read(const StoredRequest& s) {
  auto r = from_stored(s.text);
  if (r) r->id = s.id;
  return r;
}

auto first_at_or_after(std::deque<StoredRequest>& requests, std::int64_t id) {
  return std::lower_bound(requests.begin(), requests.end(), id,
                          [](const auto& r, std::int64_t want) { return r.id < want; });
}

}  // namespace

result<void> MemoryStore::append_requests(std::vector<store::StoredRequest>& records) {
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
  auto end = before_id == 0 ? requests_.end() : first_at_or_after(requests_, before_id);
  std::vector<store::RequestRecord> out;
  for (auto it = end; it != requests_.begin() && out.size() < n;)
    if (auto r = read(*--it)) out.push_back(std::move(*r));
  return out;
}

result<std::optional<store::RequestRecord>> MemoryStore::load_request(std::int64_t id) {
  std::lock_guard lock(requests_mutex_);
  auto it = first_at_or_after(requests_, id);
  if (it == requests_.end() || it->id != id) return std::optional<store::RequestRecord>{};
  return read(*it);
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
