#pragma once

#include <callgate/core/call_state.hpp>
#include <cstddef>
#include <list>
#include <string>
#include <unordered_map>

namespace callgate::outbox {

/**
 * The committed states of the most recently used calls, so that a call's next event needs no
 * SELECT and no JSON parse. Only sound while the committer is the store's one writer (SQLite,
 * memory); a shared store (Redis), where another replica may change a call, must not use it.
 * The committer fills it only with what a commit made durable.
 */
class StateCache {
 public:
  explicit StateCache(std::size_t capacity) : capacity_(capacity) {}

  /** The cached state of id, or nullptr; a hit makes it the most recently used. */
  const core::CallState* find(const std::string& id);
  void put(const core::CallState& state);
  void clear();
  std::size_t size() const { return index_.size(); }

 private:
  std::size_t capacity_;
  std::list<core::CallState> order_;  // most recently used first
  std::unordered_map<std::string, std::list<core::CallState>::iterator> index_;
};

}  // namespace callgate::outbox
