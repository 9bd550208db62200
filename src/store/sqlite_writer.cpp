#include "sqlite_writer.hpp"

#include <filesystem>

#include "sqlite_sql.hpp"

namespace callgate::store {
namespace {

using sqlite::unavailable;
using sqlite::Use;

constexpr const char* kHeartbeat = "INSERT OR REPLACE INTO heartbeat(id, at_ms) VALUES(1, ?1)";
constexpr const char* kInsertDelivery =
    "INSERT INTO deliveries(key, expires_ms) VALUES(?1, ?2) ON CONFLICT(key) DO NOTHING";
constexpr const char* kFindLive =
    "SELECT state FROM calls WHERE source = ?1 AND match_key = ?2 AND live = 1 "
    "ORDER BY created_ms DESC LIMIT 1";
constexpr const char* kSaveCall =
    "INSERT INTO calls(id, source, match_key, live, created_ms, expires_ms, state) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(id) DO UPDATE SET live = excluded.live, "
    "expires_ms = excluded.expires_ms, state = excluded.state";
constexpr const char* kAppendOutbox =
    "INSERT INTO outbox(created_ms, call_id, event_type, idempotency_key, body, source, "
    "connector, owner) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
constexpr const char* kPurgeCalls = "DELETE FROM calls WHERE expires_ms < ?1";
constexpr const char* kPurgeDeliveries = "DELETE FROM deliveries WHERE expires_ms < ?1";
constexpr const char* kPurgeCallLog = "DELETE FROM call_log WHERE expires_ms < ?1";
constexpr const char* kPurgeOutbox =
    "DELETE FROM outbox WHERE created_ms < ?1 AND seq <= "
    "(SELECT COALESCE(MIN(seq), 9223372036854775807) FROM sink_cursors)";  // no sink: age only

}  // namespace

SqliteWriter::SqliteWriter(const StoreConfig& config) {
  const auto parent = std::filesystem::path(config.path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  // Every commit is fsynced before a provider gets its 2xx.
  db_ = sqlite::open_wal(config.path, config.busy_timeout_ms, "PRAGMA synchronous=FULL");
  if (db_->exec(sqlite::kSchema) != SQLITE_OK)
    throw std::runtime_error(std::string("cannot create schema: ") + db_->last_error());
  sqlite::migrate(*db_);
  // Prepare every statement now, so the request path never reads the schema.
  for (const char* sql :
       {kInsertDelivery, sqlite::kLoadCall, kFindLive, kSaveCall, kAppendOutbox, kPurgeCalls,
        kPurgeDeliveries, kPurgeOutbox, sqlite::kCountLive, kHeartbeat})
    db_->prepare(sql);
}

SqliteWriter::~SqliteWriter() = default;

result<void> SqliteWriter::begin() {
  last_log_row_ = 0;
  if (db_->exec("BEGIN IMMEDIATE") != SQLITE_OK) return unavailable(db_->handle());
  return {};
}

result<void> SqliteWriter::commit() {
  if (db_->exec("COMMIT") != SQLITE_OK) {
    const auto ec = unavailable(db_->handle());  // before the rollback replaces the message
    rollback();
    return ec;
  }
  return {};
}

void SqliteWriter::rollback() { db_->exec("ROLLBACK"); }

result<bool> SqliteWriter::remember_delivery(std::string_view key, TimePoint expires_at) {
  Use s(db_->prepare(kInsertDelivery));
  s->bind(1, key).bind(2, to_unix_ms(expires_at));
  if (s->step() != SQLITE_DONE) return {boost::system::in_place_error, unavailable(s->db())};
  return db_->changes() == 1;
}

result<std::optional<core::CallState>> SqliteWriter::load_call(std::string_view id) {
  Use s(db_->prepare(sqlite::kLoadCall));
  s->bind(1, id);
  return sqlite::state_from(*s);
}

result<std::optional<core::CallState>> SqliteWriter::find_live_call(std::string_view source,
                                                                    std::string_view match_key) {
  Use s(db_->prepare(kFindLive));
  s->bind(1, source).bind(2, match_key);
  return sqlite::state_from(*s);
}

result<void> SqliteWriter::save_call(const core::CallState& st, TimePoint expires_at) {
  Use s(db_->prepare(kSaveCall));
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

result<std::int64_t> SqliteWriter::append_outbox(const core::Emission& e, TimePoint now) {
  Use s(db_->prepare(kAppendOutbox));
  s->bind(1, to_unix_ms(now))
      .bind(2, e.call_id)
      .bind(3, core::to_string(e.type))
      .bind(4, e.idempotency_key)
      .bind(5, e.body)
      .bind(6, e.source)
      .bind(7, e.identity.connector_id)
      .bind(8, e.identity.owner_id);
  if (s->step() != SQLITE_DONE) return unavailable(s->db());
  return db_->last_insert_rowid();
}

result<void> SqliteWriter::purge(TimePoint now, TimePoint outbox_before) {
  for (const char* sql : {kPurgeCalls, kPurgeDeliveries, kPurgeCallLog}) {
    Use s(db_->prepare(sql));
    s->bind(1, to_unix_ms(now));
    if (s->step() != SQLITE_DONE) return unavailable(s->db());
  }
  Use s(db_->prepare(kPurgeOutbox));
  s->bind(1, to_unix_ms(outbox_before));
  if (s->step() != SQLITE_DONE) return unavailable(s->db());
  return {};
}

result<std::int64_t> SqliteWriter::count_live_calls() {
  Use s(db_->prepare(sqlite::kCountLive));
  return sqlite::count_from(*s);
}

result<void> SqliteWriter::probe_write(TimePoint now) {
  if (auto ok = begin(); !ok) return ok;
  {
    Use s(db_->prepare(kHeartbeat));
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
