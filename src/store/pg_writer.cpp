// The PostgreSQL store's committer side (pg_store.hpp says how replicas agree).
#include <sodium.h>

#include <algorithm>

#include "pg_sql.hpp"
#include "pg_store.hpp"

namespace callgate::store {
namespace {

using pg::Params;

using pg::kCountLive;
using pg::kLoadCall;
using pg::ms;

// A lock's bigint key: SipHash of its name under a fixed key, the same in every replica and
// version (a collision only makes two calls wait for each other).
std::int64_t lock_key(std::string_view name) {
  static const unsigned char kKey[crypto_shorthash_KEYBYTES] = {
      'c', 'a', 'l', 'l', 'g', 'a', 't', 'e', ' ', 'l', 'o', 'c', 'k', 's', ' ', '1'};
  std::uint64_t h = 0;
  crypto_shorthash(reinterpret_cast<unsigned char*>(&h),
                   reinterpret_cast<const unsigned char*>(name.data()), name.size(), kKey);
  return static_cast<std::int64_t>(h);
}

std::string call_lock(std::string_view id) { return "call\x1f" + std::string(id); }

// The keys of a sorted array are locked in its order: a function scan yields them so.
constexpr const char* kLock =
    "SELECT count(pg_advisory_xact_lock(k)) FROM unnest($1::bigint[]) AS u(k)";
constexpr const char* kSeenKeys = "SELECT key FROM deliveries WHERE key = ANY($1::text[])";
constexpr const char* kLoadCalls = "SELECT id, state FROM calls WHERE id = ANY($1::text[])";
constexpr const char* kSeenKey = "SELECT 1 FROM deliveries WHERE key = $1";
// Plain: a replica that recorded the key first makes this fail (unique violation: a conflict).
constexpr const char* kInsertDelivery = "INSERT INTO deliveries(key, expires_ms) VALUES($1, $2)";
constexpr const char* kFindLive =
    "SELECT state FROM calls WHERE source = $1 AND match_key = $2 AND live "
    "ORDER BY created_ms DESC LIMIT 1";
constexpr const char* kSaveCall =
    "INSERT INTO calls(id, source, match_key, live, created_ms, expires_ms, state) "
    "VALUES($1, $2, $3, $4, $5, $6, $7) ON CONFLICT(id) DO UPDATE SET live = excluded.live, "
    "expires_ms = excluded.expires_ms, state = excluded.state";
// Outbox rows numbered in their order under the outbox lock, then the call log, whose emitted
// entries take the seq of the row they name.
constexpr const char* kAppend = R"sql(
WITH o AS (
  SELECT nextval('outbox_seq_seq') AS seq, r.* FROM (
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],
                         $6::text[], $7::text[], $8::text[])
      WITH ORDINALITY AS u(created_ms, call_id, event_type, idempotency_key, body, source,
                           connector, owner, n)
    ORDER BY n) r),
ins AS (
  INSERT INTO outbox(seq, created_ms, call_id, event_type, idempotency_key, body, source,
                     connector, owner)
  SELECT seq, created_ms, call_id, event_type, idempotency_key, body, source, connector, owner
  FROM o)
INSERT INTO call_log(call_id, kind, at_ms, event_ms, source, event_type, key, out_seq,
                     expires_ms)
SELECT l.call_id, l.kind, l.at_ms, l.event_ms, l.source, l.event_type, l.key,
       COALESCE(o.seq, l.out_seq), l.expires_ms
FROM unnest($9::text[], $10::int[], $11::bigint[], $12::bigint[], $13::text[], $14::text[],
            $15::text[], $16::bigint[], $17::bigint[], $18::bigint[])
  WITH ORDINALITY AS l(call_id, kind, at_ms, event_ms, source, event_type, key, out_seq,
                       expires_ms, row_number, n)
LEFT JOIN o ON o.n = l.row_number
ORDER BY l.n)sql";
constexpr const char* kPurgeExpired[] = {
    "DELETE FROM calls WHERE expires_ms < $1",
    "DELETE FROM deliveries WHERE expires_ms < $1",
    "DELETE FROM call_log WHERE expires_ms < $1",
};
// A call's log keeps its newest entries (readers show no more either).
constexpr const char* kTrimCallLogs =
    "DELETE FROM call_log c USING (SELECT call_id FROM call_log GROUP BY call_id "
    "HAVING count(*) > $1) big WHERE c.call_id = big.call_id AND c.seq <= (SELECT seq FROM "
    "call_log WHERE call_id = big.call_id ORDER BY seq DESC OFFSET $1 LIMIT 1)";
constexpr const char* kPurgeOutbox =
    "DELETE FROM outbox WHERE created_ms < $1 AND seq <= "
    "(SELECT COALESCE(MIN(seq), 9223372036854775807) FROM sink_cursors)";  // no sink: age only
constexpr std::chrono::minutes kPurgeTimeout{10};
constexpr const char* kHeartbeat =
    "INSERT INTO heartbeat(id, at_ms) VALUES(1, $1) "
    "ON CONFLICT(id) DO UPDATE SET at_ms = excluded.at_ms";

// Queues sql, sends everything queued and returns sql's answer.
result<pg::Result> query(pg::Connection& conn, const char* sql, const Params& params) {
  if (auto ok = conn.send(sql, params); !ok) return ok.error();
  auto answers = conn.sync();
  if (!answers) return answers.error();
  return std::move(answers->back());
}

}  // namespace

PostgresWriter::PostgresWriter(const StoreConfig& config)
    : conn_(std::make_unique<pg::Connection>(config.url, pg::timeouts_of(config))) {}

PostgresWriter::~PostgresWriter() = default;

void PostgresWriter::forget() {
  open_ = false;
  purging_ = false;
  locked_.clear();
  seen_keys_.clear();
  checked_keys_.clear();
  calls_.clear();
  outbox_.clear();
  log_.clear();
}

result<void> PostgresWriter::begin() {
  forget();
  if (auto ok = conn_->send("BEGIN", {}); !ok) return ok;
  open_ = true;
  return {};
}

result<void> PostgresWriter::lock(const std::vector<std::string>& names) {
  std::vector<std::int64_t> keys;
  for (const auto& name : names)
    if (locked_.insert(name).second) keys.push_back(lock_key(name));
  if (keys.empty()) return {};
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  pg::Array array;
  for (auto k : keys) array.add(k);
  return conn_->send(kLock, {array.str()});
}

result<void> PostgresWriter::prefetch(const std::vector<std::string>& delivery_keys,
                                      const std::vector<std::string>& call_ids) {
  std::vector<std::string> locks;
  pg::Array keys, ids;
  for (const auto& id : call_ids) {
    locks.push_back(call_lock(id));
    if (!calls_.contains(id)) ids.add(id);
  }
  for (const auto& k : delivery_keys)
    if (checked_keys_.insert(k).second) keys.add(k);
  if (auto ok = lock(locks); !ok) return ok;
  if (auto ok = conn_->send(kSeenKeys, {keys.str()}); !ok) return ok;
  if (auto ok = conn_->send(kLoadCalls, {ids.str()}); !ok) return ok;
  auto answers = conn_->sync();
  if (!answers) return answers.error();
  const PGresult* seen = (*answers)[answers->size() - 2].get();
  for (int i = 0; i < PQntuples(seen); ++i) seen_keys_.emplace(pg::text(seen, i, 0));
  for (const auto& id : call_ids) calls_.try_emplace(id);  // none unless found below
  const PGresult* found = answers->back().get();
  for (int i = 0; i < PQntuples(found); ++i) {
    auto state = pg::state_of(pg::text(found, i, 1));
    if (!state) return state.error();
    calls_.insert_or_assign(std::string(pg::text(found, i, 0)), std::move(*state));
  }
  return {};
}

result<bool> PostgresWriter::remember_delivery(std::string_view key, TimePoint expires_at) {
  if (seen_keys_.contains(key)) return false;
  if (checked_keys_.emplace(key).second) {
    auto r = query(*conn_, kSeenKey, {std::string(key)});
    if (!r) return {boost::system::in_place_error, r.error()};
    if (PQntuples(r->get()) > 0) {
      seen_keys_.emplace(key);
      return false;
    }
  }
  if (auto ok = conn_->send(kInsertDelivery, {std::string(key), ms(expires_at)}); !ok)
    return {boost::system::in_place_error, ok.error()};
  seen_keys_.emplace(key);
  return true;
}

result<std::optional<core::CallState>> PostgresWriter::load_call(std::string_view id) {
  if (auto known = calls_.find(id); known != calls_.end()) return known->second;
  if (auto ok = lock({call_lock(id)}); !ok) return ok.error();
  auto r = query(*conn_, kLoadCall, {std::string(id)});
  if (!r) return r.error();
  std::optional<core::CallState> state;
  if (PQntuples(r->get()) > 0) {
    auto parsed = pg::state_of(pg::text(r->get(), 0, 0));
    if (!parsed) return parsed.error();
    state = std::move(*parsed);
  }
  calls_.insert_or_assign(std::string(id), state);
  return state;
}

result<std::optional<core::CallState>> PostgresWriter::find_live_call(std::string_view source,
                                                                      std::string_view match_key) {
  // The match is decided by one replica at a time; the call it finds is locked as load_call
  // reads it.
  if (auto ok = lock({"match\x1f" + std::string(source) + '\x1f' + std::string(match_key)}); !ok)
    return ok.error();
  auto r = query(*conn_, kFindLive, {std::string(source), std::string(match_key)});
  if (!r) return r.error();
  if (PQntuples(r->get()) == 0) return std::optional<core::CallState>{};
  auto state = pg::state_of(pg::text(r->get(), 0, 0));
  if (!state) return state.error();
  return std::optional<core::CallState>{std::move(*state)};
}

result<void> PostgresWriter::save_call(const core::CallState& s, TimePoint expires_at) {
  if (auto ok = conn_->send(kSaveCall, {s.id, s.source, s.match_key, s.ended() ? "f" : "t",
                                        ms(s.created_at), ms(expires_at), core::to_json(s).dump()});
      !ok)
    return ok;
  calls_.insert_or_assign(s.id, s);
  return {};
}

result<std::int64_t> PostgresWriter::append_outbox(const core::Emission& e, TimePoint now) {
  outbox_.push_back({e, now});
  return 0;  // numbered at commit, under the outbox lock
}

result<void> PostgresWriter::append_call_log(std::string_view call_id, const store::CallLogEntry& e,
                                             TimePoint expires_at) {
  const bool names_row = e.kind == store::CallLogEntry::Kind::emitted && e.seq == 0;
  log_.push_back({std::string(call_id), e, expires_at, names_row ? outbox_.size() : 0});
  return {};
}

result<void> PostgresWriter::commit() {
  if (!outbox_.empty() || !log_.empty()) {
    std::vector<pg::Array> a(18);
    for (const auto& [e, at] : outbox_) {
      a[0].add(to_unix_ms(at));
      a[1].add(e.call_id);
      a[2].add(core::to_string(e.type));
      a[3].add(e.idempotency_key);
      a[4].add(e.body);
      a[5].add(e.source);
      a[6].add(e.identity.connector_id);
      a[7].add(e.identity.owner_id);
    }
    for (const auto& l : log_) {
      a[8].add(l.call_id);
      a[9].add(static_cast<std::int64_t>(l.entry.kind));
      a[10].add(to_unix_ms(l.entry.at));
      a[11].add(to_unix_ms(l.entry.event_time));
      a[12].add(l.entry.source);
      a[13].add(l.entry.event_type);
      a[14].add(l.entry.key);
      a[15].add(l.entry.seq);
      a[16].add(to_unix_ms(l.expires_at));
      a[17].add(static_cast<std::int64_t>(l.outbox_row));
    }
    Params params;
    for (const auto& array : a) params.emplace_back(array.str());
    if (!outbox_.empty())
      if (auto ok = conn_->send("SELECT pg_advisory_xact_lock(" CALLGATE_PG_LOCK_OUTBOX ")", {});
          !ok)
        return ok;
    if (auto ok = conn_->send(kAppend, params); !ok) return ok;
  }
  if (auto ok = conn_->send("COMMIT", {}); !ok) return ok;
  // The purge's deletes may take longer than a request's statements: they get their own bound,
  // or on a large store they would never finish.
  auto answers = purging_ ? conn_->sync(kPurgeTimeout) : conn_->sync();
  if (!answers) return answers.error();  // the transaction stays open, failed: rollback() ends it
  const auto& done = answers->back();
  // COMMIT of a transaction that failed answers ROLLBACK.
  if (std::string_view(PQcmdStatus(done.get())) != "COMMIT")
    return make_error_code(errc::store_unavailable);
  forget();
  return {};
}

void PostgresWriter::rollback() {
  if (open_ || conn_->queued()) {
    if (conn_->send("ROLLBACK", {})) (void)conn_->sync();
  }
  forget();
}

result<void> PostgresWriter::purge(TimePoint now, TimePoint outbox_before) {
  purging_ = true;
  for (const char* sql : kPurgeExpired)
    if (auto ok = conn_->send(sql, {ms(now)}); !ok) return ok;
  if (auto ok = conn_->send(kTrimCallLogs, {std::to_string(store::kCallLogSize)}); !ok) return ok;
  return conn_->send(kPurgeOutbox, {ms(outbox_before)});
}

result<std::int64_t> PostgresWriter::count_live_calls() {
  auto r = query(*conn_, kCountLive, {});
  if (!r) return r.error();
  return pg::int64(r->get(), 0, 0);
}

result<void> PostgresWriter::probe_write(TimePoint now) {
  if (auto ok = begin(); !ok) return ok;
  if (auto ok = conn_->send(kHeartbeat, {ms(now)}); !ok) return ok;
  return commit();
}

}  // namespace callgate::store
