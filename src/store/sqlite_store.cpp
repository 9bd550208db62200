#include <callgate/log_limit.hpp>
#include <callgate/store/sqlite_store.hpp>
#include <filesystem>
#include <stdexcept>

#include "sqlite_db.hpp"

namespace callgate::store {
namespace {

using sqlite::unavailable;
using sqlite::Use;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS calls(
  id TEXT PRIMARY KEY, source TEXT NOT NULL, match_key TEXT NOT NULL, live INTEGER NOT NULL,
  created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL, state TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS calls_by_match ON calls(source, match_key, created_ms)
  WHERE live = 1 AND match_key != '';
CREATE INDEX IF NOT EXISTS calls_by_expiry ON calls(expires_ms);
CREATE INDEX IF NOT EXISTS live_calls_by_created ON calls(created_ms) WHERE live = 1;
CREATE TABLE IF NOT EXISTS deliveries(key TEXT PRIMARY KEY, expires_ms INTEGER NOT NULL)
  WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS deliveries_by_expiry ON deliveries(expires_ms);
CREATE TABLE IF NOT EXISTS outbox(
  seq INTEGER PRIMARY KEY AUTOINCREMENT, created_ms INTEGER NOT NULL, call_id TEXT NOT NULL,
  event_type TEXT NOT NULL, idempotency_key TEXT NOT NULL, body TEXT NOT NULL,
  sink TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS outbox_by_time ON outbox(created_ms);
CREATE TABLE IF NOT EXISTS dead_letters(
  sink TEXT NOT NULL, seq INTEGER NOT NULL, created_ms INTEGER NOT NULL, call_id TEXT NOT NULL,
  event_type TEXT NOT NULL, idempotency_key TEXT NOT NULL, body TEXT NOT NULL,
  reason TEXT NOT NULL, attempts INTEGER NOT NULL, dead_ms INTEGER NOT NULL,
  PRIMARY KEY(sink, seq));
CREATE TABLE IF NOT EXISTS sink_cursors(
  name TEXT PRIMARY KEY, seq INTEGER NOT NULL, position INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS heartbeat(id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS call_log(
  seq INTEGER PRIMARY KEY AUTOINCREMENT, call_id TEXT NOT NULL, kind INTEGER NOT NULL,
  at_ms INTEGER NOT NULL, event_ms INTEGER NOT NULL, source TEXT NOT NULL,
  event_type TEXT NOT NULL, key TEXT NOT NULL, out_seq INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL, emitted TEXT NOT NULL DEFAULT '', detail TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS call_log_by_call ON call_log(call_id, seq);
CREATE INDEX IF NOT EXISTS call_log_by_expiry ON call_log(expires_ms);
)sql";
constexpr const char* kHeartbeat = "INSERT OR REPLACE INTO heartbeat(id, at_ms) VALUES(1, ?1)";

constexpr const char* kInsertDelivery =
    "INSERT INTO deliveries(key, expires_ms) VALUES(?1, ?2) ON CONFLICT(key) DO NOTHING";
constexpr const char* kLoadCall = "SELECT state FROM calls WHERE id = ?1";
constexpr const char* kFindLive =
    "SELECT state FROM calls WHERE source = ?1 AND match_key = ?2 AND live = 1 "
    "ORDER BY created_ms DESC LIMIT 1";
constexpr const char* kSaveCall =
    "INSERT INTO calls(id, source, match_key, live, created_ms, expires_ms, state) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(id) DO UPDATE SET live = excluded.live, "
    "expires_ms = excluded.expires_ms, state = excluded.state";
constexpr const char* kAppendOutbox =
    "INSERT INTO outbox(created_ms, call_id, event_type, idempotency_key, body) "
    "VALUES(?1, ?2, ?3, ?4, ?5)";
constexpr const char* kPurgeCalls = "DELETE FROM calls WHERE expires_ms < ?1";
constexpr const char* kPurgeDeliveries = "DELETE FROM deliveries WHERE expires_ms < ?1";
constexpr const char* kPurgeCallLog = "DELETE FROM call_log WHERE expires_ms < ?1";
constexpr const char* kPurgeOutbox =
    "DELETE FROM outbox WHERE created_ms < ?1 AND seq <= "
    "(SELECT COALESCE(MIN(seq), 9223372036854775807) FROM sink_cursors)";  // no sink: age only
constexpr const char* kCountLive = "SELECT COUNT(*) FROM calls WHERE live = 1";
#define CALLGATE_OUTBOX_COLUMNS "seq, created_ms, call_id, event_type, idempotency_key, body, sink"
constexpr const char* kReadOutbox =
    "SELECT " CALLGATE_OUTBOX_COLUMNS " FROM outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2";
constexpr const char* kOutboxSince =
    "SELECT " CALLGATE_OUTBOX_COLUMNS " FROM outbox WHERE created_ms >= ?1 ORDER BY seq LIMIT ?2";
constexpr const char* kListLive =
    "SELECT state FROM calls WHERE live = 1 ORDER BY created_ms DESC LIMIT ?1";
constexpr const char* kAddDeadLetter =
    "INSERT OR REPLACE INTO dead_letters(sink, seq, created_ms, call_id, event_type, "
    "idempotency_key, body, reason, attempts, dead_ms) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)";
constexpr const char* kListDeadLetters =
    "SELECT seq, created_ms, call_id, event_type, idempotency_key, body, sink, reason, attempts, "
    "dead_ms FROM dead_letters WHERE ?1 = '' OR sink = ?1 ORDER BY dead_ms DESC, seq DESC LIMIT ?2";
constexpr const char* kRedeliver =
    "INSERT INTO outbox(created_ms, call_id, event_type, idempotency_key, body, sink) "
    "SELECT ?3, call_id, event_type, idempotency_key, body, sink FROM dead_letters "
    "WHERE sink = ?1 AND (?2 = 0 OR seq = ?2) ORDER BY seq";
constexpr const char* kDropDeadLetters =
    "DELETE FROM dead_letters WHERE sink = ?1 AND (?2 = 0 OR seq = ?2)";
constexpr const char* kLoadCursor = "SELECT seq, position FROM sink_cursors WHERE name = ?1";
constexpr const char* kSaveCursor =
    "INSERT INTO sink_cursors(name, seq, position) VALUES(?1, ?2, ?3) "
    "ON CONFLICT(name) DO UPDATE SET seq = excluded.seq, position = excluded.position";
constexpr const char* kLastSeq = "SELECT COALESCE(MAX(seq), 0) FROM outbox";

store::OutboxRow row_from(sqlite::Statement& s) {
  return {s.int64(0), from_unix_ms(s.int64(1)), s.text(2), s.text(3), s.text(4), s.text(5),
          s.text(6)};
}

result<std::vector<store::OutboxRow>> rows_from(sqlite::Statement& s) {
  std::vector<store::OutboxRow> rows;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) rows.push_back(row_from(s));
  if (rc != SQLITE_DONE) return unavailable(s.db());
  return rows;
}

result<std::optional<core::CallState>> state_from(sqlite::Statement& s) {
  const int rc = s.step();
  if (rc == SQLITE_DONE) return std::optional<core::CallState>{};
  if (rc != SQLITE_ROW) return unavailable(s.db());
  auto j = nlohmann::json::parse(s.text(0), nullptr, false);
  auto state = core::call_state_from_json(j);
  // A corrupt row: fail loudly rather than invent a new call (the committer names the call).
  if (!state) return make_error_code(errc::corrupt_state);
  return std::optional<core::CallState>{std::move(*state)};
}

void open_connection(sqlite::Db& db, const char* synchronous) {
  if (db.exec("PRAGMA journal_mode=WAL") != SQLITE_OK || db.exec(synchronous) != SQLITE_OK)
    throw std::runtime_error(std::string("cannot configure SQLite: ") + db.last_error());
}

}  // namespace

SqliteStore::SqliteStore(const StoreConfig& config) {
  const auto parent = std::filesystem::path(config.path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  writer_ = std::make_unique<sqlite::Db>(config.path, config.busy_timeout_ms);
  // Every commit of the writer (the committer's) is fsynced before a provider gets its 2xx.
  open_connection(*writer_, "PRAGMA synchronous=FULL");
  if (writer_->exec(kSchema) != SQLITE_OK)
    throw std::runtime_error(std::string("cannot create schema: ") + writer_->last_error());
  reader_ = std::make_unique<sqlite::Db>(config.path, config.busy_timeout_ms);
  // The sinks' writes (cursors, dead letters) are not fsynced on their own: the WAL keeps them
  // in order behind the writer's, and a cursor lost in a power cut means a re-delivery (the file
  // sink cuts back to the saved cursor, the HTTP sink repeats the same idempotency key).
  open_connection(*reader_, "PRAGMA synchronous=NORMAL");
  // Prepare every statement now, so the request path never reads the schema.
  for (const char* sql : {kInsertDelivery, kLoadCall, kFindLive, kSaveCall, kAppendOutbox,
                          kPurgeCalls, kPurgeDeliveries, kPurgeOutbox, kCountLive, kHeartbeat})
    writer_->prepare(sql);
  for (const char* sql : {kReadOutbox, kLoadCursor, kSaveCursor, kLastSeq, kOutboxSince, kListLive,
                          kAddDeadLetter, kListDeadLetters, kRedeliver, kDropDeadLetters})
    reader_->prepare(sql);
}

SqliteStore::~SqliteStore() = default;

result<void> SqliteStore::begin() {
  last_log_row_ = 0;
  if (writer_->exec("BEGIN IMMEDIATE") != SQLITE_OK) return unavailable(writer_->handle());
  return {};
}

result<void> SqliteStore::commit() {
  if (writer_->exec("COMMIT") != SQLITE_OK) {
    const auto ec = unavailable(writer_->handle());  // before the rollback replaces the message
    rollback();
    return ec;
  }
  return {};
}

void SqliteStore::rollback() { writer_->exec("ROLLBACK"); }

result<bool> SqliteStore::remember_delivery(std::string_view key, TimePoint expires_at) {
  Use s(writer_->prepare(kInsertDelivery));
  s->bind(1, key).bind(2, to_unix_ms(expires_at));
  if (s->step() != SQLITE_DONE) return {boost::system::in_place_error, unavailable(s->db())};
  return writer_->changes() == 1;
}

result<std::optional<core::CallState>> SqliteStore::load_call(std::string_view id) {
  Use s(writer_->prepare(kLoadCall));
  s->bind(1, id);
  return state_from(*s);
}

result<std::optional<core::CallState>> SqliteStore::find_live_call(std::string_view source,
                                                                   std::string_view match_key) {
  Use s(writer_->prepare(kFindLive));
  s->bind(1, source).bind(2, match_key);
  return state_from(*s);
}

result<void> SqliteStore::save_call(const core::CallState& st, TimePoint expires_at) {
  Use s(writer_->prepare(kSaveCall));
  s->bind(1, st.id)
      .bind(2, st.source)
      .bind(3, st.match_key)
      .bind(4, std::int64_t{st.ended() ? 0 : 1})
      .bind(5, to_unix_ms(st.created_at))
      .bind(6, to_unix_ms(expires_at))
      .bind(7, core::to_json(st).dump());
  if (s->step() != SQLITE_DONE) return unavailable(s->db());
  return {};
}

result<std::int64_t> SqliteStore::append_outbox(const core::Emission& e, TimePoint now) {
  Use s(writer_->prepare(kAppendOutbox));
  s->bind(1, to_unix_ms(now))
      .bind(2, e.call_id)
      .bind(3, core::to_string(e.type))
      .bind(4, e.idempotency_key)
      .bind(5, e.body);
  if (s->step() != SQLITE_DONE) return unavailable(s->db());
  return writer_->last_insert_rowid();
}

result<void> SqliteStore::purge(TimePoint now, TimePoint outbox_before) {
  for (const char* sql : {kPurgeCalls, kPurgeDeliveries, kPurgeCallLog}) {
    Use s(writer_->prepare(sql));
    s->bind(1, to_unix_ms(now));
    if (s->step() != SQLITE_DONE) return unavailable(s->db());
  }
  Use s(writer_->prepare(kPurgeOutbox));
  s->bind(1, to_unix_ms(outbox_before));
  if (s->step() != SQLITE_DONE) return unavailable(s->db());
  return {};
}

result<std::int64_t> SqliteStore::count_live_calls() {
  Use s(writer_->prepare(kCountLive));
  if (s->step() != SQLITE_ROW) return unavailable(s->db());
  return s->int64(0);
}

result<std::vector<store::OutboxRow>> SqliteStore::read_outbox(std::int64_t after_seq,
                                                               std::size_t limit) {
  std::lock_guard lock(reader_mutex_);
  Use s(reader_->prepare(kReadOutbox));
  s->bind(1, after_seq).bind(2, static_cast<std::int64_t>(limit));
  return rows_from(*s);
}

result<std::vector<store::OutboxRow>> SqliteStore::outbox_since(TimePoint since,
                                                                std::size_t limit) {
  std::lock_guard lock(reader_mutex_);
  Use s(reader_->prepare(kOutboxSince));
  s->bind(1, to_unix_ms(since)).bind(2, static_cast<std::int64_t>(limit));
  return rows_from(*s);
}

result<std::vector<core::CallState>> SqliteStore::list_live_calls(std::size_t limit) {
  std::lock_guard lock(reader_mutex_);
  Use s(reader_->prepare(kListLive));
  s->bind(1, static_cast<std::int64_t>(limit));
  std::vector<core::CallState> out;
  for (;;) {
    auto state = state_from(*s);
    if (!state) return state.error();
    if (!*state) return out;
    out.push_back(std::move(**state));
  }
}

result<void> SqliteStore::add_dead_letter(std::string_view sink, const store::DeadLetter& d) {
  std::lock_guard lock(reader_mutex_);
  Use s(reader_->prepare(kAddDeadLetter));
  s->bind(1, sink)
      .bind(2, d.row.seq)
      .bind(3, to_unix_ms(d.row.created_at))
      .bind(4, d.row.call_id)
      .bind(5, d.row.event_type)
      .bind(6, d.row.idempotency_key)
      .bind(7, d.row.body)
      .bind(8, d.reason)
      .bind(9, std::int64_t{d.attempts})
      .bind(10, to_unix_ms(d.at));
  if (s->step() != SQLITE_DONE) return unavailable(s->db());
  return {};
}

result<std::vector<store::DeadLetter>> SqliteStore::list_dead_letters(std::string_view sink,
                                                                      std::size_t limit) {
  std::lock_guard lock(reader_mutex_);
  Use s(reader_->prepare(kListDeadLetters));
  s->bind(1, sink).bind(2, static_cast<std::int64_t>(limit));
  std::vector<store::DeadLetter> out;
  int rc;
  while ((rc = s->step()) == SQLITE_ROW) {
    auto row = row_from(*s);
    out.push_back({std::move(row), s->text(7), static_cast<int>(s->int64(8)),
                   from_unix_ms(s->int64(9)), s->text(6)});
  }
  if (rc != SQLITE_DONE) return unavailable(s->db());
  return out;
}

result<std::size_t> SqliteStore::redeliver_dead_letters(std::string_view sink, std::int64_t seq,
                                                        TimePoint now) {
  std::lock_guard lock(reader_mutex_);
  if (reader_->exec("BEGIN IMMEDIATE") != SQLITE_OK) return unavailable(reader_->handle());
  std::size_t moved = 0;
  {
    Use copy(reader_->prepare(kRedeliver));
    copy->bind(1, sink).bind(2, seq).bind(3, to_unix_ms(now));
    const bool copied = copy->step() == SQLITE_DONE;
    moved = static_cast<std::size_t>(reader_->changes());
    Use drop(reader_->prepare(kDropDeadLetters));
    drop->bind(1, sink).bind(2, seq);
    if (!copied || drop->step() != SQLITE_DONE) {
      const auto ec = unavailable(reader_->handle());
      reader_->exec("ROLLBACK");
      return ec;
    }
  }
  if (auto ec = sqlite::commit_or_rollback(*reader_)) return ec;
  return moved;
}

result<std::optional<store::SinkCursor>> SqliteStore::load_cursor(std::string_view sink) {
  std::lock_guard lock(reader_mutex_);
  Use s(reader_->prepare(kLoadCursor));
  s->bind(1, sink);
  const int rc = s->step();
  if (rc == SQLITE_DONE) return std::optional<store::SinkCursor>{};
  if (rc != SQLITE_ROW) return unavailable(s->db());
  return std::optional<store::SinkCursor>{store::SinkCursor{s->int64(0), s->int64(1)}};
}

result<void> SqliteStore::save_cursor(std::string_view sink, const store::SinkCursor& c) {
  std::lock_guard lock(reader_mutex_);
  Use s(reader_->prepare(kSaveCursor));
  s->bind(1, sink).bind(2, c.seq).bind(3, c.position);
  if (s->step() != SQLITE_DONE) return unavailable(s->db());
  return {};
}

result<std::int64_t> SqliteStore::last_outbox_seq() {
  std::lock_guard lock(reader_mutex_);
  Use s(reader_->prepare(kLastSeq));
  if (s->step() != SQLITE_ROW) return unavailable(s->db());
  return s->int64(0);
}

result<void> SqliteStore::probe_write(TimePoint now) {
  if (auto ok = begin(); !ok) return ok;
  {
    Use s(writer_->prepare(kHeartbeat));
    s->bind(1, to_unix_ms(now));
    if (s->step() != SQLITE_DONE) {
      const auto ec = unavailable(s->db());
      rollback();
      return ec;
    }
  }
  return commit();
}

}  // namespace callgate::store
