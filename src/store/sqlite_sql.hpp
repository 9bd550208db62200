#pragma once
// The SQLite store's schema and the statements both of its sides run. Private to store/.

#include <callgate/core/call_state.hpp>
#include <callgate/error.hpp>
#include <callgate/store/rows.hpp>
#include <optional>

#include "sqlite_db.hpp"

namespace callgate::store::sqlite {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS calls(
  id TEXT PRIMARY KEY, source TEXT NOT NULL, match_key TEXT NOT NULL, live INTEGER NOT NULL,
  created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL, state TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS calls_by_match ON calls(source, match_key, created_ms)
  WHERE live = 1 AND match_key != '';
CREATE INDEX IF NOT EXISTS calls_by_expiry ON calls(expires_ms);
CREATE INDEX IF NOT EXISTS live_calls_by_created ON calls(created_ms) WHERE live = 1;
CREATE INDEX IF NOT EXISTS calls_by_created ON calls(created_ms, id);
CREATE TABLE IF NOT EXISTS deliveries(key TEXT PRIMARY KEY, expires_ms INTEGER NOT NULL)
  WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS deliveries_by_expiry ON deliveries(expires_ms);
CREATE TABLE IF NOT EXISTS outbox(
  seq INTEGER PRIMARY KEY AUTOINCREMENT, created_ms INTEGER NOT NULL, call_id TEXT NOT NULL,
  event_type TEXT NOT NULL, idempotency_key TEXT NOT NULL, body TEXT NOT NULL,
  sink TEXT NOT NULL DEFAULT '', source TEXT NOT NULL DEFAULT '',
  connector TEXT NOT NULL DEFAULT '', owner TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS outbox_by_time ON outbox(created_ms);
CREATE TABLE IF NOT EXISTS dead_letters(
  sink TEXT NOT NULL, seq INTEGER NOT NULL, created_ms INTEGER NOT NULL, call_id TEXT NOT NULL,
  event_type TEXT NOT NULL, idempotency_key TEXT NOT NULL, body TEXT NOT NULL,
  reason TEXT NOT NULL, attempts INTEGER NOT NULL, dead_ms INTEGER NOT NULL,
  source TEXT NOT NULL DEFAULT '', connector TEXT NOT NULL DEFAULT '',
  owner TEXT NOT NULL DEFAULT '', PRIMARY KEY(sink, seq));
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
constexpr const char* kLoadCall = "SELECT state FROM calls WHERE id = ?1";
constexpr const char* kCountLive = "SELECT COUNT(*) FROM calls WHERE live = 1";

/** Brings a store made by an older callgate up to kSchema: adds the columns it lacks (the
 * outbox's source, connector and owner). Throws (startup only). */
void migrate(Db& db);

/** The call state in the row s steps to, if any; a row that does not parse is corrupt_state. */
result<std::optional<core::CallState>> state_from(Statement& s);
/** The one number a statement like kCountLive answers. */
result<std::int64_t> count_from(Statement& s);

/** Opens path in WAL mode after running `pragmas` (its `PRAGMA synchronous=...`, and for a new
 * file its page_size); throws (startup only). */
std::unique_ptr<Db> open_wal(const std::string& path, int busy_timeout_ms, const char* pragmas);

}  // namespace callgate::store::sqlite
