#pragma once

#include <callgate/store/store.hpp>
#include <memory>
#include <string>

namespace callgate::store {

namespace sqlite {
class Db;
}

/**
 * The committer's side of the SQLite store: the one connection that writes call state,
 * redelivery keys and the outbox, with synchronous=FULL, so a committed transaction survives a
 * crash or power loss. Nothing else ever uses this connection.
 */
class SqliteWriter final : public Writer {
 public:
  /** Opens the file (creating it and its schema). */
  explicit SqliteWriter(const StoreConfig& config);
  ~SqliteWriter() override;

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

 private:
  std::unique_ptr<sqlite::Db> db_;
  /** The call-log row this transaction inserted last, and its call: the unified events a
   * provider event caused go into that row rather than rows of their own (fewer index writes). */
  std::int64_t last_log_row_ = 0;
  std::string last_log_call_;
};

}  // namespace callgate::store
