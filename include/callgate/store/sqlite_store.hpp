#pragma once

#include <callgate/store/store.hpp>
#include <memory>
#include <mutex>

namespace callgate::store {

namespace sqlite {
class Db;
}

/**
 * The embedded default: one SQLite file in WAL mode with synchronous=FULL, so a committed
 * transaction survives a crash or power loss. One connection writes (the committer); a second,
 * behind a mutex, serves sinks and health checks.
 */
class SqliteStore final : public Store {
 public:
  explicit SqliteStore(const StoreConfig& config);
  ~SqliteStore() override;

  result<void> begin() override;
  result<void> commit() override;
  void rollback() override;
  result<bool> remember_delivery(std::string_view key, TimePoint expires_at) override;
  result<std::optional<core::CallState>> load_call(std::string_view id) override;
  result<std::optional<core::CallState>> find_live_call(std::string_view source,
                                                        std::string_view match_key) override;
  result<void> save_call(const core::CallState& s, TimePoint expires_at) override;
  result<std::int64_t> append_outbox(const core::Emission& e, TimePoint now) override;
  result<void> append_call_log(std::string_view call_id, const store::CallLogEntry& e,
                               TimePoint expires_at) override;
  result<void> purge(TimePoint now, TimePoint outbox_before) override;
  result<std::int64_t> count_live_calls() override;
  result<void> probe_write(TimePoint now) override;

  result<std::vector<store::OutboxRow>> read_outbox(std::int64_t after_seq,
                                                    std::size_t limit) override;
  result<std::optional<store::SinkCursor>> load_cursor(std::string_view sink) override;
  result<void> save_cursor(std::string_view sink, const store::SinkCursor& c) override;
  result<std::int64_t> last_outbox_seq() override;
  result<std::vector<store::OutboxRow>> outbox_since(TimePoint since, std::size_t limit) override;
  result<std::vector<core::CallState>> list_live_calls(std::size_t limit) override;
  result<std::vector<store::CallLogEntry>> call_log(std::string_view call_id) override;
  result<void> record_attempts(
      const std::vector<std::pair<std::string, store::CallLogEntry>>& attempts,
      TimePoint expires_at) override;
  result<void> add_dead_letter(std::string_view sink, const store::DeadLetter& d) override;
  result<std::vector<store::DeadLetter>> list_dead_letters(std::string_view sink,
                                                           std::size_t limit) override;
  result<std::size_t> redeliver_dead_letters(std::string_view sink, std::int64_t seq,
                                             TimePoint now) override;

 private:
  std::unique_ptr<sqlite::Db> writer_;
  std::unique_ptr<sqlite::Db> reader_;
  std::mutex reader_mutex_;
  /** The call-log row this transaction inserted last, and its call: the unified events a
   * provider event caused go into that row rather than rows of their own (fewer index writes). */
  std::int64_t last_log_row_ = 0;
  std::string last_log_call_;
};

}  // namespace callgate::store
