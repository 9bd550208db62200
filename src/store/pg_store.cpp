// The PostgreSQL store's shared side: reads, the sinks' ledger and leases, on a pool.
#include "pg_store.hpp"

#include "pg_sql.hpp"
#include "pool.hpp"

namespace callgate::store {
namespace {

using pg::int64;
using pg::Params;
using pg::text;

using pg::kCountLive;
using pg::kLoadCall;
using pg::ms;

std::string num(std::int64_t n) { return std::to_string(n); }

#define CALLGATE_PG_OUTBOX_COLUMNS \
  "seq, created_ms, call_id, event_type, idempotency_key, body, sink, source, connector, owner"
constexpr const char* kReadOutbox =
    "SELECT " CALLGATE_PG_OUTBOX_COLUMNS " FROM outbox WHERE seq > $1 ORDER BY seq LIMIT $2";
constexpr const char* kOutboxBefore =
    "SELECT " CALLGATE_PG_OUTBOX_COLUMNS
    " FROM outbox WHERE $1::bigint = 0 OR seq < $1 ORDER BY seq DESC LIMIT $2";
constexpr const char* kLastSeq = "SELECT COALESCE(MAX(seq), 0) FROM outbox";
// Newest first after ($1, $2): the indexes live_calls_by_created and calls_by_created.
constexpr const char* kLiveBefore =
    "SELECT state FROM calls WHERE live AND ($1::bigint = 0 OR (created_ms, id) < ($1, $2)) "
    "ORDER BY created_ms DESC, id DESC LIMIT $3";
constexpr const char* kCallsBefore =
    "SELECT state FROM calls WHERE $1::bigint = 0 OR (created_ms, id) < ($1, $2) "
    "ORDER BY created_ms DESC, id DESC LIMIT $3";
constexpr const char* kLoadCursor = "SELECT seq, position FROM sink_cursors WHERE name = $1";
constexpr const char* kSaveCursor =
    "INSERT INTO sink_cursors(name, seq, position) VALUES($1, $2, $3) "
    "ON CONFLICT(name) DO UPDATE SET seq = excluded.seq, position = excluded.position";
constexpr const char* kAddDeadLetter =
    "INSERT INTO dead_letters(sink, seq, created_ms, call_id, event_type, idempotency_key, body, "
    "reason, attempts, dead_ms, source, connector, owner) "
    "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT(sink, seq) DO "
    "UPDATE SET created_ms = excluded.created_ms, call_id = excluded.call_id, "
    "event_type = excluded.event_type, idempotency_key = excluded.idempotency_key, "
    "body = excluded.body, reason = excluded.reason, attempts = excluded.attempts, "
    "dead_ms = excluded.dead_ms, source = excluded.source, connector = excluded.connector, "
    "owner = excluded.owner";
constexpr const char* kListDeadLetters =
    "SELECT " CALLGATE_PG_OUTBOX_COLUMNS
    ", reason, attempts, dead_ms, sink FROM dead_letters WHERE ($1 = '' OR sink = $1) AND "
    "($3::bigint = 0 OR seq < $3 OR (seq = $3 AND sink > $4)) ORDER BY seq DESC, sink LIMIT $2";
constexpr const char* kRedeliver =
    "INSERT INTO outbox(created_ms, call_id, event_type, idempotency_key, body, sink, source, "
    "connector, owner) SELECT $3, call_id, event_type, idempotency_key, body, sink, source, "
    "connector, owner FROM dead_letters WHERE sink = $1 AND ($2::bigint = 0 OR seq = $2) "
    "ORDER BY seq";
constexpr const char* kDropDeadLetters =
    "DELETE FROM dead_letters WHERE sink = $1 AND ($2::bigint = 0 OR seq = $2)";
constexpr const char* kReadLog =
    "SELECT kind, at_ms, event_ms, source, event_type, key, out_seq, detail FROM (SELECT * FROM "
    "call_log WHERE call_id = $1 ORDER BY seq DESC LIMIT $2) newest ORDER BY seq";
constexpr const char* kAddAttempts =
    "INSERT INTO call_log(call_id, kind, at_ms, event_ms, source, event_type, key, out_seq, "
    "expires_ms, detail) SELECT call_id, kind, at_ms, at_ms, source, event_type, key, out_seq, "
    "$8, detail FROM unnest($1::text[], $2::int[], $3::bigint[], $4::text[], $5::text[], "
    "$6::text[], $7::bigint[], $9::text[]) WITH ORDINALITY AS a(call_id, kind, at_ms, source, "
    "event_type, key, out_seq, detail, n) ORDER BY n";
// Taken when free, expired, or already this holder's; by the database's clock, which every
// replica shares.
constexpr const char* kHoldLease =
    "INSERT INTO leases(name, holder, expires_ms) VALUES($1, $2, "
    "(extract(epoch FROM clock_timestamp()) * 1000)::bigint + $3) ON CONFLICT(name) DO UPDATE "
    "SET holder = excluded.holder, expires_ms = excluded.expires_ms WHERE leases.holder = "
    "excluded.holder OR leases.expires_ms < (extract(epoch FROM clock_timestamp()) * 1000)::bigint "
    "RETURNING 1";

store::OutboxRow row_of(const PGresult* r, int i) {
  return {int64(r, i, 0),
          from_unix_ms(int64(r, i, 1)),
          std::string(text(r, i, 2)),
          std::string(text(r, i, 3)),
          std::string(text(r, i, 4)),
          std::string(text(r, i, 5)),
          std::string(text(r, i, 6)),
          std::string(text(r, i, 7)),
          std::string(text(r, i, 8)),
          std::string(text(r, i, 9))};
}

std::vector<store::OutboxRow> rows_of(const PGresult* r) {
  std::vector<store::OutboxRow> rows;
  for (int i = 0; i < PQntuples(r); ++i) rows.push_back(row_of(r, i));
  return rows;
}

result<std::vector<core::CallState>> states_of(const PGresult* r) {
  std::vector<core::CallState> out;
  for (int i = 0; i < PQntuples(r); ++i) {
    auto state = pg::state_of(text(r, i, 0));
    if (!state) return state.error();
    out.push_back(std::move(*state));
  }
  return out;
}

std::vector<std::unique_ptr<pg::Connection>> connections(const StoreConfig& c) {
  std::vector<std::unique_ptr<pg::Connection>> out;
  for (int i = 0; i < c.pool_size; ++i)
    out.push_back(std::make_unique<pg::Connection>(c.url, pg::timeouts_of(c)));
  return out;
}

}  // namespace

PostgresStore::PostgresStore(const StoreConfig& config)
    : pool_(std::make_unique<Pool<pg::Connection>>(connections(config))) {
  pg::migrate(*pool_->acquire());
}

PostgresStore::~PostgresStore() = default;

namespace {

template <class Pool>
result<pg::Result> run(Pool& pool, const char* sql, const Params& params) {
  return pool.acquire()->exec(sql, params);
}

}  // namespace

result<std::optional<core::CallState>> PostgresStore::load_call(std::string_view id) {
  auto r = run(*pool_, kLoadCall, {std::string(id)});
  if (!r) return r.error();
  auto states = states_of(r->get());
  if (!states) return states.error();
  if (states->empty()) return std::optional<core::CallState>{};
  return std::optional<core::CallState>{std::move(states->front())};
}

result<std::int64_t> PostgresStore::count_live_calls() {
  auto r = run(*pool_, kCountLive, {});
  if (!r) return r.error();
  return int64(r->get(), 0, 0);
}

result<std::vector<core::CallState>> PostgresStore::calls_before(const store::CallCursor& from,
                                                                 std::size_t n, bool live_only) {
  auto r = run(*pool_, live_only ? kLiveBefore : kCallsBefore,
               {num(from.created_ms), from.id, num(static_cast<std::int64_t>(n))});
  if (!r) return r.error();
  return states_of(r->get());
}

result<std::vector<store::OutboxRow>> PostgresStore::read_outbox(std::int64_t after_seq,
                                                                 std::size_t limit) {
  auto r = run(*pool_, kReadOutbox, {num(after_seq), num(static_cast<std::int64_t>(limit))});
  if (!r) return r.error();
  return rows_of(r->get());
}

result<std::int64_t> PostgresStore::last_outbox_seq() {
  auto r = run(*pool_, kLastSeq, {});
  if (!r) return r.error();
  return int64(r->get(), 0, 0);
}

result<std::vector<store::OutboxRow>> PostgresStore::outbox_before(std::int64_t before_seq,
                                                                   std::size_t n) {
  auto r = run(*pool_, kOutboxBefore, {num(before_seq), num(static_cast<std::int64_t>(n))});
  if (!r) return r.error();
  return rows_of(r->get());
}

result<std::optional<store::SinkCursor>> PostgresStore::load_cursor(std::string_view sink) {
  auto r = run(*pool_, kLoadCursor, {std::string(sink)});
  if (!r) return r.error();
  if (PQntuples(r->get()) == 0) return std::optional<store::SinkCursor>{};
  return std::optional<store::SinkCursor>{
      store::SinkCursor{int64(r->get(), 0, 0), int64(r->get(), 0, 1)}};
}

result<void> PostgresStore::save_cursor(std::string_view sink, const store::SinkCursor& c) {
  auto r = run(*pool_, kSaveCursor, {std::string(sink), num(c.seq), num(c.position)});
  if (!r) return r.error();
  return {};
}

result<std::vector<store::CallLogEntry>> PostgresStore::call_log(std::string_view call_id) {
  auto r = run(*pool_, kReadLog,
               {std::string(call_id), num(static_cast<std::int64_t>(store::kCallLogSize))});
  if (!r) return r.error();
  const PGresult* p = r->get();
  std::vector<store::CallLogEntry> out;
  for (int i = 0; i < PQntuples(p); ++i)
    out.push_back({static_cast<store::CallLogEntry::Kind>(int64(p, i, 0)),
                   from_unix_ms(int64(p, i, 1)), from_unix_ms(int64(p, i, 2)),
                   std::string(text(p, i, 3)), std::string(text(p, i, 4)),
                   std::string(text(p, i, 5)), int64(p, i, 6), std::string(text(p, i, 7))});
  return out;
}

result<void> PostgresStore::record_attempts(
    const std::vector<std::pair<std::string, store::CallLogEntry>>& attempts,
    TimePoint expires_at) {
  if (attempts.empty()) return {};
  std::vector<pg::Array> a(8);
  for (const auto& [call_id, e] : attempts) {
    a[0].add(call_id);
    a[1].add(static_cast<std::int64_t>(e.kind));
    a[2].add(to_unix_ms(e.at));
    a[3].add(e.source);
    a[4].add(e.event_type);
    a[5].add(e.key);
    a[6].add(e.seq);
    a[7].add(e.detail);
  }
  auto r = run(*pool_, kAddAttempts,
               {a[0].str(), a[1].str(), a[2].str(), a[3].str(), a[4].str(), a[5].str(), a[6].str(),
                ms(expires_at), a[7].str()});
  if (!r) return r.error();
  return {};
}

result<void> PostgresStore::add_dead_letter(std::string_view sink, const store::DeadLetter& d) {
  auto r = run(*pool_, kAddDeadLetter,
               {std::string(sink), num(d.row.seq), ms(d.row.created_at), d.row.call_id,
                d.row.event_type, d.row.idempotency_key, d.row.body, d.reason, num(d.attempts),
                ms(d.at), d.row.source, d.row.connector_id, d.row.owner_id});
  if (!r) return r.error();
  return {};
}

result<std::vector<store::DeadLetter>> PostgresStore::list_dead_letters(
    std::string_view sink, std::size_t limit, const store::DeadLetterCursor& from) {
  auto r =
      run(*pool_, kListDeadLetters,
          {std::string(sink), num(static_cast<std::int64_t>(limit)), num(from.seq), from.sink});
  if (!r) return r.error();
  const PGresult* p = r->get();
  std::vector<store::DeadLetter> out;
  for (int i = 0; i < PQntuples(p); ++i)
    out.push_back({row_of(p, i), std::string(text(p, i, 10)), static_cast<int>(int64(p, i, 11)),
                   from_unix_ms(int64(p, i, 12)), std::string(text(p, i, 13))});
  return out;
}

result<std::size_t> PostgresStore::redeliver_dead_letters(std::string_view sink, std::int64_t seq,
                                                          TimePoint now) {
  // The outbox lock keeps seq order the commit order.
  auto answers = pool_->acquire()->transaction(
      {{"SELECT pg_advisory_xact_lock(" CALLGATE_PG_LOCK_OUTBOX ")", {}},
       {kRedeliver, {std::string(sink), num(seq), ms(now)}},
       {kDropDeadLetters, {std::string(sink), num(seq)}}});
  if (!answers) return answers.error();
  return static_cast<std::size_t>(std::stoll(PQcmdTuples((*answers)[1].get())));
}

result<bool> PostgresStore::hold_lease(std::string_view name, std::string_view holder,
                                       std::chrono::milliseconds ttl) {
  auto r = run(*pool_, kHoldLease, {std::string(name), std::string(holder), num(ttl.count())});
  if (!r) return {boost::system::in_place_error, r.error()};
  return PQntuples(r->get()) == 1;
}

}  // namespace callgate::store
