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
  /** Transcript text the cache holds at most, whatever its capacity in calls: a call's text may
   * reach store.max_transcript_bytes, and ten thousand of those would not fit in memory. */
  static constexpr std::size_t kTranscriptBudget = std::size_t{64} << 20;

  explicit StateCache(std::size_t capacity, std::size_t transcript_budget = kTranscriptBudget)
      : capacity_(capacity), budget_(transcript_budget) {}

  /** The cached state of id, or nullptr; a hit makes it the most recently used. */
  const core::CallState* find(const std::string& id);
  void put(const core::CallState& state);
  void clear();
  std::size_t size() const { return index_.size(); }
  /** The transcript text of the cached calls. */
  std::size_t transcript_bytes() const { return bytes_; }

 private:
  std::size_t capacity_;
  std::size_t budget_;
  std::size_t bytes_ = 0;
  std::list<core::CallState> order_;  // most recently used first
  std::unordered_map<std::string, std::list<core::CallState>::iterator> index_;
};

}  // namespace callgate::outbox
