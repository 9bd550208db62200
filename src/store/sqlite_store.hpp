#pragma once

#include <callgate/store/store.hpp>
#include <memory>
#include <mutex>

namespace callgate::store {

namespace sqlite {
class Db;
}  // namespace sqlite
template <class Connection>
class Pool;

/**
 * The shared side of the embedded default (one SQLite file in WAL mode). Reads run on a pool of
 * query-only connections, one per concurrent caller; the sinks' and operators' writes on one
 * connection of their own behind a mutex. Neither is the committer's (SqliteWriter).
 */
class SqliteStore final : public Store {
 public:
  /** Opens the file, which SqliteWriter has created. */
  explicit SqliteStore(const StoreConfig& config);
  ~SqliteStore() override;

  result<std::optional<core::CallState>> load_call(std::string_view id) override;
  result<std::int64_t> count_live_calls() override;
  result<std::vector<core::CallState>> calls_before(const store::CallCursor& from, std::size_t n,
                                                    bool live_only) override;
  result<std::vector<store::OutboxRow>> read_outbox(std::int64_t after_seq,
                                                    std::size_t limit) override;
  result<std::int64_t> last_outbox_seq() override;
  result<std::vector<store::OutboxRow>> outbox_before(std::int64_t before_seq,
                                                      std::size_t n) override;
  result<std::optional<store::SinkCursor>> load_cursor(std::string_view sink) override;
  result<std::vector<store::CallLogEntry>> call_log(std::string_view call_id) override;
  result<std::vector<store::DeadLetter>> list_dead_letters(
      std::string_view sink, std::size_t limit, const store::DeadLetterCursor& from) override;

  result<void> save_cursor(std::string_view sink, const store::SinkCursor& c) override;
  result<void> add_dead_letter(std::string_view sink, const store::DeadLetter& d) override;
  result<std::size_t> redeliver_dead_letters(std::string_view sink, std::int64_t seq,
                                             TimePoint now) override;
  result<void> record_attempts(
      const std::vector<std::pair<std::string, store::CallLogEntry>>& attempts,
      TimePoint expires_at) override;

  // The request log, in a file of its own (sqlite_requests.cpp).
  result<void> append_requests(std::vector<store::StoredRequest>& records) override;
  result<std::vector<store::RequestRecord>> requests_before(std::int64_t before_id,
                                                            std::size_t n) override;
  result<std::optional<store::RequestRecord>> load_request(std::int64_t id) override;
  result<std::size_t> trim_requests(TimePoint before, std::size_t keep) override;

 private:
  std::unique_ptr<Pool<sqlite::Db>> readers_;
  std::unique_ptr<sqlite::Db> ledger_;
  std::mutex ledger_mutex_;
  std::unique_ptr<sqlite::Db> requests_;
  std::mutex requests_mutex_;
};

/** The request log's file beside the store's: var/callgate.db keeps it in
 * var/callgate.requests.db. */
std::string requests_path(const std::string& store_path);
/** Opens (creating) it; throws std::runtime_error (startup only). */
std::unique_ptr<sqlite::Db> open_request_log(const StoreConfig& config);

}  // namespace callgate::store
