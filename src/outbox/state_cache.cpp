#include <callgate/outbox/state_cache.hpp>

namespace callgate::outbox {

const core::CallState* StateCache::find(const std::string& id) {
  auto it = index_.find(id);
  if (it == index_.end()) return nullptr;
  order_.splice(order_.begin(), order_, it->second);
  return &*it->second;
}

namespace {
std::size_t text_of(const core::CallState& s) {
  return s.transcript ? s.transcript->text_bytes : 0;
}
}  // namespace

void StateCache::put(const core::CallState& state) {
  if (capacity_ == 0) return;
  if (auto it = index_.find(state.id); it != index_.end()) {
    bytes_ -= text_of(*it->second);
    *it->second = state;
    order_.splice(order_.begin(), order_, it->second);
  } else {
    order_.push_front(state);
    index_.emplace(state.id, order_.begin());
  }
  bytes_ += text_of(state);
  // The least recently used go, by count and by text; the newest one always stays.
  while (index_.size() > 1 && (index_.size() > capacity_ || bytes_ > budget_)) {
    bytes_ -= text_of(order_.back());
    index_.erase(order_.back().id);
    order_.pop_back();
  }
}

void StateCache::clear() {
  order_.clear();
  index_.clear();
  bytes_ = 0;
}

}  // namespace callgate::outbox
