#include <callgate/outbox/state_cache.hpp>

namespace callgate::outbox {

const core::CallState* StateCache::find(const std::string& id) {
  auto it = index_.find(id);
  if (it == index_.end()) return nullptr;
  order_.splice(order_.begin(), order_, it->second);
  return &*it->second;
}

void StateCache::put(const core::CallState& state) {
  if (capacity_ == 0) return;
  if (auto it = index_.find(state.id); it != index_.end()) {
    *it->second = state;
    order_.splice(order_.begin(), order_, it->second);
    return;
  }
  order_.push_front(state);
  index_.emplace(state.id, order_.begin());
  if (index_.size() > capacity_) {
    index_.erase(order_.back().id);
    order_.pop_back();
  }
}

void StateCache::clear() {
  order_.clear();
  index_.clear();
}

}  // namespace callgate::outbox
