#pragma once

#include <callgate/store/store.hpp>
#include <map>
#include <memory>
#include <set>

namespace callgate::store {

template <class Connection>
class Pool;
namespace pg {
class Connection;
}

/**
 * State shared by every replica, in PostgreSQL (store.type: postgres). The tables mirror
 * SQLite's (pg_schema.cpp); what replicas need to agree on is decided so:
 *   - a call is decided by one replica at a time: the committer takes a transaction-level
 *     advisory lock on each call id (and on a PBX's match key) before it reads the call, held
 *     until COMMIT; the ids a batch names are locked in one sorted pass, so two batches never
 *     wait on each other crosswise (a lock taken later, for a matched call, may: PostgreSQL then
 *     cancels one transaction, which the committer decides again);
 *   - a delivery key is inserted plainly: a replica that recorded the same key first makes the
 *     insert fail (unique violation), and the committer decides again and finds it;
 *   - outbox rows are appended under one advisory lock held until COMMIT, so their seq order is
 *     commit order and a sink reading after its cursor never skips a row committed late;
 *   - each sink is delivered by the replica holding its row in `leases`.
 * Reads and the ledger run on a pool of connections; the committer's writer has its own.
 */
class PostgresStore final : public Store {
 public:
  /** Creates or migrates the schema (throws at startup when the database cannot be reached or is
   * newer than this binary), then connects lazily: a database down later makes requests 503. */
  explicit PostgresStore(const StoreConfig& config);
  ~PostgresStore() override;

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
  result<bool> hold_lease(std::string_view name, std::string_view holder,
                          std::chrono::milliseconds ttl) override;

  // The request log (pg_requests.cpp).
  result<void> append_requests(std::vector<store::StoredRequest>& records) override;
  result<std::vector<store::RequestRecord>> requests_before(std::int64_t before_id,
                                                            std::size_t n) override;
  result<std::optional<store::RequestRecord>> load_request(std::int64_t id) override;
  result<std::size_t> trim_requests(TimePoint before, std::size_t keep) override;

 private:
  std::unique_ptr<Pool<pg::Connection>> pool_;
};

/** The committer's side: a connection of its own in pipeline mode. Writes are queued, not waited
 * for; a transaction costs two round trips (begin and its reads ahead; commit), plus one for each
 * read not read ahead. */
class PostgresWriter final : public Writer {
 public:
  explicit PostgresWriter(const StoreConfig& config);
  ~PostgresWriter() override;

  result<void> begin() override;
  result<void> commit() override;
  void rollback() override;
  result<void> prefetch(const std::vector<std::string>& delivery_keys,
                        const std::vector<std::string>& call_ids) override;
  bool shared() const override { return true; }
  bool reads_ahead() const override { return true; }
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
  /** Queues the locks of these keys this transaction does not hold yet, in one sorted pass. */
  result<void> lock(const std::vector<std::string>& keys);
  void forget();

  std::unique_ptr<pg::Connection> conn_;
  bool open_ = false;     ///< BEGIN queued or sent, no COMMIT or ROLLBACK yet
  bool purging_ = false;  ///< the transaction deletes what expired: its COMMIT may take long
  // What this transaction knows: locks held, delivery keys seen (read ahead or recorded), calls
  // read ahead (nullopt: none in the store) or written.
  std::set<std::string> locked_;
  std::set<std::string, std::less<>> seen_keys_, checked_keys_;
  std::map<std::string, std::optional<core::CallState>, std::less<>> calls_;
  // Appended at commit: outbox rows, then the call log (whose emitted entries name their row).
  struct Row {
    core::Emission emission;
    TimePoint at;
  };
  std::vector<Row> outbox_;
  struct LogEntry {
    std::string call_id;
    store::CallLogEntry entry;
    TimePoint expires_at;
    std::size_t outbox_row;  ///< 1-based: an emitted entry's row in outbox_; 0: none
  };
  std::vector<LogEntry> log_;
};

}  // namespace callgate::store
