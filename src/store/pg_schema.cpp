// The PostgreSQL store's schema, one migration a version. A database is at the version its
// callgate_schema row says; callgate brings it to kSchemaVersion at start and refuses one newer.
#include <stdexcept>
#include <string>

#include "pg_connection.hpp"

namespace callgate::store::pg {
namespace {

// Migration i brings a database from version i to i + 1. Never edit one that has shipped: add.
constexpr const char* kMigrations[] = {
    // 1: the tables of SQLite's schema. The outbox's seq comes from a sequence; rows are
    // appended under a transaction-level advisory lock (see the store), so that seq order is
    // commit order and a sink reading after its cursor never skips a row committed late.
    R"sql(
CREATE TABLE calls(
  id TEXT PRIMARY KEY, source TEXT NOT NULL, match_key TEXT NOT NULL, live BOOLEAN NOT NULL,
  created_ms BIGINT NOT NULL, expires_ms BIGINT NOT NULL, state TEXT NOT NULL);
CREATE INDEX calls_by_match ON calls(source, match_key, created_ms) WHERE live AND match_key <> '';
CREATE INDEX calls_by_expiry ON calls(expires_ms);
CREATE INDEX calls_by_created ON calls(created_ms, id);
CREATE INDEX live_calls_by_created ON calls(created_ms, id) WHERE live;
CREATE TABLE deliveries(key TEXT PRIMARY KEY, expires_ms BIGINT NOT NULL);
CREATE INDEX deliveries_by_expiry ON deliveries(expires_ms);
CREATE TABLE outbox(
  seq BIGSERIAL PRIMARY KEY, created_ms BIGINT NOT NULL, call_id TEXT NOT NULL,
  event_type TEXT NOT NULL, idempotency_key TEXT NOT NULL, body TEXT NOT NULL,
  sink TEXT NOT NULL DEFAULT '', source TEXT NOT NULL DEFAULT '',
  connector TEXT NOT NULL DEFAULT '', owner TEXT NOT NULL DEFAULT '');
CREATE INDEX outbox_by_time ON outbox(created_ms);
CREATE TABLE dead_letters(
  sink TEXT NOT NULL, seq BIGINT NOT NULL, created_ms BIGINT NOT NULL, call_id TEXT NOT NULL,
  event_type TEXT NOT NULL, idempotency_key TEXT NOT NULL, body TEXT NOT NULL,
  reason TEXT NOT NULL, attempts INTEGER NOT NULL, dead_ms BIGINT NOT NULL,
  source TEXT NOT NULL DEFAULT '', connector TEXT NOT NULL DEFAULT '',
  owner TEXT NOT NULL DEFAULT '', PRIMARY KEY(sink, seq));
CREATE TABLE sink_cursors(name TEXT PRIMARY KEY, seq BIGINT NOT NULL, position BIGINT NOT NULL);
CREATE TABLE leases(name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_ms BIGINT NOT NULL);
CREATE TABLE heartbeat(id INTEGER PRIMARY KEY, at_ms BIGINT NOT NULL);
CREATE TABLE call_log(
  seq BIGSERIAL PRIMARY KEY, call_id TEXT NOT NULL, kind INTEGER NOT NULL,
  at_ms BIGINT NOT NULL, event_ms BIGINT NOT NULL, source TEXT NOT NULL,
  event_type TEXT NOT NULL, key TEXT NOT NULL, out_seq BIGINT NOT NULL,
  expires_ms BIGINT NOT NULL, detail TEXT NOT NULL DEFAULT '');
CREATE INDEX call_log_by_call ON call_log(call_id, seq);
CREATE INDEX call_log_by_expiry ON call_log(expires_ms);
CREATE TABLE requests(id BIGSERIAL PRIMARY KEY, at_ms BIGINT NOT NULL, record TEXT NOT NULL);
)sql",
};
static_assert(std::size(kMigrations) == kSchemaVersion);

}  // namespace

void migrate(Connection& c) {
  auto must = [&](const char* sql, const std::vector<Param>& params = {}) {
    auto r = c.exec(sql, params);
    if (!r) throw std::runtime_error("store: postgres: " + c.last_error());
    return std::move(*r);
  };
  must("BEGIN");
  // One replica migrates; the others wait here, then find the schema current.
  must("SELECT pg_advisory_xact_lock(" CALLGATE_PG_LOCK_SCHEMA ")");
  must("CREATE TABLE IF NOT EXISTS callgate_schema(version INTEGER NOT NULL)");
  auto row = must("SELECT version FROM callgate_schema");
  const int version = PQntuples(row.get()) == 0 ? 0 : static_cast<int>(int64(row.get(), 0, 0));
  if (version > kSchemaVersion) {
    must("ROLLBACK");
    throw std::runtime_error(
        "store: the database's callgate schema is version " + std::to_string(version) +
        ", newer than this callgate knows (" + std::to_string(kSchemaVersion) +
        "): a newer callgate has migrated it; run that version (docs/scaling.md)");
  }
  for (int v = version; v < kSchemaVersion; ++v) must(kMigrations[v]);
  if (version == 0)
    must("INSERT INTO callgate_schema(version) VALUES($1)", {std::to_string(kSchemaVersion)});
  else
    must("UPDATE callgate_schema SET version = $1", {std::to_string(kSchemaVersion)});
  must("COMMIT");
}

}  // namespace callgate::store::pg
