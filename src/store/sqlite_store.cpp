#include "sqlite_store.hpp"

#include "pool.hpp"
#include "sqlite_sql.hpp"

namespace callgate::store {
namespace {

using sqlite::unavailable;
using sqlite::Use;

#define CALLGATE_OUTBOX_COLUMNS \
  "seq, created_ms, call_id, event_type, idempotency_key, body, sink, source, connector, owner"
constexpr const char* kReadOutbox =
    "SELECT " CALLGATE_OUTBOX_COLUMNS " FROM outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2";
constexpr const char* kOutboxBefore = "SELECT " CALLGATE_OUTBOX_COLUMNS
                                      " FROM outbox WHERE ?1 = 0 OR seq < ?1 ORDER BY seq DESC "
                                      "LIMIT ?2";
// Newest first after (?1, ?2); the indexes live_calls_by_created and calls_by_created serve them.
constexpr const char* kLiveBefore =
    "SELECT state FROM calls WHERE live = 1 AND (?1 = 0 OR created_ms < ?1 OR (created_ms = ?1 "
    "AND id < ?2)) ORDER BY created_ms DESC, id DESC LIMIT ?3";
constexpr const char* kCallsBefore =
    "SELECT state FROM calls WHERE ?1 = 0 OR created_ms < ?1 OR (created_ms = ?1 AND id < ?2) "
    "ORDER BY created_ms DESC, id DESC LIMIT ?3";
constexpr const char* kAddDeadLetter =
    "INSERT OR REPLACE INTO dead_letters(sink, seq, created_ms, call_id, event_type, "
    "idempotency_key, body, reason, attempts, dead_ms, source, connector, owner) "
    "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)";
constexpr const char* kListDeadLetters =
    "SELECT " CALLGATE_OUTBOX_COLUMNS
    ", reason, attempts, dead_ms, dead_letters.sink FROM dead_letters WHERE (?1 = '' OR "
    "dead_letters.sink = ?1) AND (?3 = 0 OR seq < ?3 OR (seq = ?3 AND dead_letters.sink > ?4)) "
    "ORDER BY seq DESC, dead_letters.sink LIMIT ?2";
constexpr const char* kRedeliver =
    "INSERT INTO outbox(created_ms, call_id, event_type, idempotency_key, body, sink, source, "
    "connector, owner) SELECT ?3, call_id, event_type, idempotency_key, body, sink, source, "
    "connector, owner FROM dead_letters "
    "WHERE sink = ?1 AND (?2 = 0 OR seq = ?2) ORDER BY seq";
constexpr const char* kDropDeadLetters =
    "DELETE FROM dead_letters WHERE sink = ?1 AND (?2 = 0 OR seq = ?2)";
constexpr const char* kLoadCursor = "SELECT seq, position FROM sink_cursors WHERE name = ?1";
constexpr const char* kSaveCursor =
    "INSERT INTO sink_cursors(name, seq, position) VALUES(?1, ?2, ?3) "
    "ON CONFLICT(name) DO UPDATE SET seq = excluded.seq, position = excluded.position";
constexpr const char* kLastSeq = "SELECT COALESCE(MAX(seq), 0) FROM outbox";

store::OutboxRow row_from(sqlite::Statement& s) {
  return {s.int64(0), from_unix_ms(s.int64(1)),
          s.text(2),  s.text(3),
          s.text(4),  s.text(5),
          s.text(6),  s.text(7),
          s.text(8),  s.text(9)};
}

result<std::vector<store::OutboxRow>> rows_from(sqlite::Statement& s) {
  std::vector<store::OutboxRow> rows;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) rows.push_back(row_from(s));
  if (rc != SQLITE_DONE) return unavailable(s.db());
  return rows;
}

}  // namespace

SqliteStore::SqliteStore(const StoreConfig& config)
    : readers_(std::make_unique<Pool<sqlite::Db>>(sqlite::open_readers(
          config.path, config.busy_timeout_ms, static_cast<std::size_t>(config.pool_size)))),
      // The ledger's writes (cursors, dead letters) are not fsynced on their own: the WAL keeps
      // them in order behind the writer's, and a cursor lost in a power cut means a re-delivery
      // (the file sink cuts back to the saved cursor, the HTTP sink repeats the same key).
      ledger_(sqlite::open_wal(config.path, config.busy_timeout_ms, "PRAGMA synchronous=NORMAL")),
      requests_(open_request_log(config)) {}

SqliteStore::~SqliteStore() = default;

result<std::optional<core::CallState>> SqliteStore::load_call(std::string_view id) {
  auto db = readers_->acquire();
  Use s(db->prepare(sqlite::kLoadCall));
  s->bind(1, id);
  return sqlite::state_from(*s);
}

result<std::int64_t> SqliteStore::count_live_calls() {
  auto db = readers_->acquire();
  Use s(db->prepare(sqlite::kCountLive));
  return sqlite::count_from(*s);
}

result<std::vector<store::OutboxRow>> SqliteStore::read_outbox(std::int64_t after_seq,
                                                               std::size_t limit) {
  auto db = readers_->acquire();
  Use s(db->prepare(kReadOutbox));
  s->bind(1, after_seq).bind(2, static_cast<std::int64_t>(limit));
  return rows_from(*s);
}

result<std::vector<store::OutboxRow>> SqliteStore::outbox_before(std::int64_t before_seq,
                                                                 std::size_t n) {
  auto db = readers_->acquire();
  Use s(db->prepare(kOutboxBefore));
  s->bind(1, before_seq).bind(2, static_cast<std::int64_t>(n));
  return rows_from(*s);
}

result<std::vector<core::CallState>> SqliteStore::calls_before(const store::CallCursor& from,
                                                               std::size_t n, bool live_only) {
  auto db = readers_->acquire();
  Use s(db->prepare(live_only ? kLiveBefore : kCallsBefore));
  s->bind(1, from.created_ms).bind(2, from.id).bind(3, static_cast<std::int64_t>(n));
  std::vector<core::CallState> out;
  for (;;) {
    auto state = sqlite::state_from(*s);
    if (!state) return state.error();
    if (!*state) return out;
    out.push_back(std::move(**state));
  }
}

result<void> SqliteStore::add_dead_letter(std::string_view sink, const store::DeadLetter& d) {
  std::lock_guard lock(ledger_mutex_);
  Use s(ledger_->prepare(kAddDeadLetter));
  s->bind(1, sink)
      .bind(2, d.row.seq)
      .bind(3, to_unix_ms(d.row.created_at))
      .bind(4, d.row.call_id)
      .bind(5, d.row.event_type)
      .bind(6, d.row.idempotency_key)
      .bind(7, d.row.body)
      .bind(8, d.reason)
      .bind(9, std::int64_t{d.attempts})
      .bind(10, to_unix_ms(d.at))
      .bind(11, d.row.source)
      .bind(12, d.row.connector_id)
      .bind(13, d.row.owner_id);
  if (s->step() != SQLITE_DONE) return unavailable(s->db());
  return {};
}

result<std::vector<store::DeadLetter>> SqliteStore::list_dead_letters(
    std::string_view sink, std::size_t limit, const store::DeadLetterCursor& from) {
  auto db = readers_->acquire();
  Use s(db->prepare(kListDeadLetters));
  s->bind(1, sink).bind(2, static_cast<std::int64_t>(limit)).bind(3, from.seq).bind(4, from.sink);
  std::vector<store::DeadLetter> out;
  int rc;
  while ((rc = s->step()) == SQLITE_ROW) {
    auto row = row_from(*s);
    out.push_back({std::move(row), s->text(10), static_cast<int>(s->int64(11)),
                   from_unix_ms(s->int64(12)), s->text(13)});
  }
  if (rc != SQLITE_DONE) return unavailable(s->db());
  return out;
}

result<std::size_t> SqliteStore::redeliver_dead_letters(std::string_view sink, std::int64_t seq,
                                                        TimePoint now) {
  std::lock_guard lock(ledger_mutex_);
  if (ledger_->exec("BEGIN IMMEDIATE") != SQLITE_OK) return unavailable(ledger_->handle());
  std::size_t moved = 0;
  {
    Use copy(ledger_->prepare(kRedeliver));
    copy->bind(1, sink).bind(2, seq).bind(3, to_unix_ms(now));
    const bool copied = copy->step() == SQLITE_DONE;
    moved = static_cast<std::size_t>(ledger_->changes());
    Use drop(ledger_->prepare(kDropDeadLetters));
    drop->bind(1, sink).bind(2, seq);
    if (!copied || drop->step() != SQLITE_DONE) {
      const auto ec = unavailable(ledger_->handle());
      ledger_->exec("ROLLBACK");
      return ec;
    }
  }
  if (auto ec = sqlite::commit_or_rollback(*ledger_)) return ec;
  return moved;
}

result<std::optional<store::SinkCursor>> SqliteStore::load_cursor(std::string_view sink) {
  auto db = readers_->acquire();
  Use s(db->prepare(kLoadCursor));
  s->bind(1, sink);
  const int rc = s->step();
  if (rc == SQLITE_DONE) return std::optional<store::SinkCursor>{};
  if (rc != SQLITE_ROW) return unavailable(s->db());
  return std::optional<store::SinkCursor>{store::SinkCursor{s->int64(0), s->int64(1)}};
}

result<void> SqliteStore::save_cursor(std::string_view sink, const store::SinkCursor& c) {
  std::lock_guard lock(ledger_mutex_);
  Use s(ledger_->prepare(kSaveCursor));
  s->bind(1, sink).bind(2, c.seq).bind(3, c.position);
  if (s->step() != SQLITE_DONE) return unavailable(s->db());
  return {};
}

result<std::int64_t> SqliteStore::last_outbox_seq() {
  auto db = readers_->acquire();
  Use s(db->prepare(kLastSeq));
  return sqlite::count_from(*s);
}

}  // namespace callgate::store
