#pragma once

#include <callgate/store/store.hpp>
#include <deque>
#include <map>
#include <mutex>
#include <unordered_map>

namespace callgate::store {

/** Everything in process memory, behind one lock: fast, forgets on restart. For tests and
 * stateless trials. */
class MemoryStore final : public Store {
 public:
  // The writer's side, called by MemoryWriter only (store/ is private: nothing else sees it).
  result<void> begin();
  result<void> commit();
  void rollback();
  result<bool> remember_delivery(std::string_view key, TimePoint expires_at);
  result<std::optional<core::CallState>> find_live_call(std::string_view source,
                                                        std::string_view match_key);
  result<void> save_call(const core::CallState& s, TimePoint expires_at);
  result<std::int64_t> append_outbox(const core::Emission& e, TimePoint now);
  result<void> append_call_log(std::string_view call_id, const store::CallLogEntry& e,
                               TimePoint expires_at);
  result<void> purge(TimePoint now, TimePoint outbox_before);

  // Reads serve both sides alike: one lock guards everything.
  result<std::optional<core::CallState>> load_call(std::string_view id) override;
  result<std::int64_t> count_live_calls() override;
  result<std::vector<store::OutboxRow>> read_outbox(std::int64_t after_seq,
                                                    std::size_t limit) override;
  result<std::optional<store::SinkCursor>> load_cursor(std::string_view sink) override;
  result<void> save_cursor(std::string_view sink, const store::SinkCursor& c) override;
  result<std::int64_t> last_outbox_seq() override;
  result<std::vector<store::OutboxRow>> outbox_before(std::int64_t before_seq,
                                                      std::size_t n) override;
  result<std::vector<core::CallState>> calls_before(const store::CallCursor& from, std::size_t n,
                                                    bool live_only) override;
  result<std::vector<store::CallLogEntry>> call_log(std::string_view call_id) override;
  result<void> record_attempts(
      const std::vector<std::pair<std::string, store::CallLogEntry>>& attempts,
      TimePoint expires_at) override;
  result<void> add_dead_letter(std::string_view sink, const store::DeadLetter& d) override;
  result<std::vector<store::DeadLetter>> list_dead_letters(
      std::string_view sink, std::size_t limit, const store::DeadLetterCursor& from) override;
  result<std::size_t> redeliver_dead_letters(std::string_view sink, std::int64_t seq,
                                             TimePoint now) override;

  // The request log, under a lock of its own (memory_requests.cpp).
  result<void> append_requests(std::vector<store::StoredRequest>& records) override;
  result<std::vector<store::RequestRecord>> requests_before(std::int64_t before_id,
                                                            std::size_t n) override;
  result<std::optional<store::RequestRecord>> load_request(std::int64_t id) override;
  result<std::size_t> trim_requests(TimePoint before, std::size_t keep) override;

 private:
  struct StoredCall {
    core::CallState state;
    TimePoint expires_at;
  };
  // Undo log for the open transaction: the previous value of every key it touched.
  struct Undo {
    std::map<std::string, std::optional<StoredCall>, std::less<>> calls;
    std::map<std::string, std::optional<TimePoint>, std::less<>> deliveries;
    std::size_t outbox_size;  // set by begin() (no initialisers: clang needs Undo
                              // default-constructible here)
    std::int64_t next_seq;
    /** Log entries this transaction added, by call: taken back off the end on rollback. */
    std::vector<std::string> logged;
  };
  struct CallLog {
    std::deque<store::CallLogEntry> entries;
    TimePoint expires_at;
  };

  // Hashed, and found by string_view without building a key string.
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  template <class V>
  using KeyMap = std::unordered_map<std::string, V, KeyHash, std::equal_to<>>;

  static std::string match_index_key(std::string_view source, std::string_view match_key);
  /** Adds a live call with a match key to live_by_match_ (and removes it); mutex_ held. */
  void index(const core::CallState& s);
  void unindex(const core::CallState& s);

  std::mutex mutex_;
  KeyMap<StoredCall> calls_;
  /** Live calls by source and match key: find_live_call looks here, not at every call. */
  KeyMap<std::vector<std::string>> live_by_match_;
  KeyMap<TimePoint> deliveries_;
  std::vector<store::OutboxRow> outbox_;
  std::map<std::string, store::SinkCursor, std::less<>> cursors_;
  std::vector<store::DeadLetter> dead_letters_;
  KeyMap<CallLog> call_logs_;
  KeyMap<CallLog> attempt_logs_;  // apart: written outside the committer's transactions
  std::int64_t next_seq_ = 1;
  std::optional<Undo> undo_;

  std::mutex requests_mutex_;
  std::deque<store::StoredRequest> requests_;  // oldest first
  std::int64_t next_request_id_ = 1;
};

/** The committer's side of a MemoryStore: its transaction, under the store's lock. */
class MemoryWriter final : public Writer {
 public:
  explicit MemoryWriter(MemoryStore& store) : store_(store) {}

  result<void> begin() override { return store_.begin(); }
  result<void> commit() override { return store_.commit(); }
  void rollback() override { store_.rollback(); }
  result<bool> remember_delivery(std::string_view key, TimePoint expires_at) override {
    return store_.remember_delivery(key, expires_at);
  }
  result<std::optional<core::CallState>> load_call(std::string_view id) override {
    return store_.load_call(id);
  }
  result<std::optional<core::CallState>> find_live_call(std::string_view source,
                                                        std::string_view match_key) override {
    return store_.find_live_call(source, match_key);
  }
  result<void> save_call(const core::CallState& s, TimePoint expires_at) override {
    return store_.save_call(s, expires_at);
  }
  result<std::int64_t> append_outbox(const core::Emission& e, TimePoint now) override {
    return store_.append_outbox(e, now);
  }
  result<void> append_call_log(std::string_view call_id, const store::CallLogEntry& e,
                               TimePoint expires_at) override {
    return store_.append_call_log(call_id, e, expires_at);
  }
  result<void> purge(TimePoint now, TimePoint outbox_before) override {
    return store_.purge(now, outbox_before);
  }
  result<std::int64_t> count_live_calls() override { return store_.count_live_calls(); }
  result<void> probe_write(TimePoint) override { return {}; }  // RAM has no disk to fill

 private:
  MemoryStore& store_;
};

}  // namespace callgate::store
