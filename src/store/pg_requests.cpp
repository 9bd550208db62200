// The PostgreSQL store's request log: one table, its ids from one sequence, so replicas sharing
// the database number their requests in one order.
#include "pg_connection.hpp"
#include "pg_store.hpp"
#include "pool.hpp"

namespace callgate::store {
namespace {

constexpr const char* kInsert =
    "INSERT INTO requests(at_ms, record) SELECT at_ms, record FROM unnest($1::bigint[], "
    "$2::text[]) WITH ORDINALITY AS r(at_ms, record, n) ORDER BY n RETURNING id";
constexpr const char* kBefore =
    "SELECT id, record FROM requests WHERE $1::bigint = 0 OR id < $1 ORDER BY id DESC LIMIT $2";
constexpr const char* kLoad = "SELECT id, record FROM requests WHERE id = $1";
// Records go in in the order they were taken, so time follows id closely: the oldest are found
// from the first id on, without an index on time.
constexpr const char* kTrimOld =
    "DELETE FROM requests WHERE id < COALESCE("
    "(SELECT id FROM requests WHERE at_ms >= $1 ORDER BY id LIMIT 1), "
    "(SELECT MAX(id) + 1 FROM requests), 0)";
constexpr const char* kTrimMany =
    "DELETE FROM requests WHERE id <= (SELECT COALESCE(MAX(id), 0) FROM requests) - $1";

std::vector<RequestRecord> records_of(const PGresult* r) {
  std::vector<RequestRecord> out;
  for (int i = 0; i < PQntuples(r); ++i)
    if (auto rec = from_stored(pg::text(r, i, 1))) {
      rec->id = pg::int64(r, i, 0);
      out.push_back(std::move(*rec));
    }
  return out;
}

}  // namespace

result<void> PostgresStore::append_requests(std::vector<StoredRequest>& records) {
  if (records.empty()) return {};
  pg::Array at, text;
  for (const auto& r : records) {
    at.add(to_unix_ms(r.at));
    text.add(r.text);
  }
  // A record for operators, not the events: its commit does not wait for the disk (a crash of
  // the database may lose the last fraction of a second of it, as SQLite's log file may).
  auto answers = pool_->acquire()->transaction(
      {{"SET LOCAL synchronous_commit = off", {}}, {kInsert, {at.str(), text.str()}}});
  if (!answers) return answers.error();
  const PGresult* r = (*answers)[1].get();
  // Numbered in the records' order; the answer's rows need not be.
  std::vector<std::int64_t> ids;
  for (int i = 0; i < PQntuples(r); ++i) ids.push_back(pg::int64(r, i, 0));
  std::sort(ids.begin(), ids.end());
  for (std::size_t i = 0; i < records.size() && i < ids.size(); ++i) records[i].id = ids[i];
  return {};
}

result<std::vector<RequestRecord>> PostgresStore::requests_before(std::int64_t before_id,
                                                                  std::size_t n) {
  auto r = pool_->acquire()->exec(
      kBefore, {std::to_string(before_id), std::to_string(static_cast<std::int64_t>(n))});
  if (!r) return r.error();
  return records_of(r->get());
}

result<std::optional<RequestRecord>> PostgresStore::load_request(std::int64_t id) {
  auto r = pool_->acquire()->exec(kLoad, {std::to_string(id)});
  if (!r) return r.error();
  auto records = records_of(r->get());
  if (records.empty()) return std::optional<RequestRecord>{};
  return std::optional<RequestRecord>{std::move(records.front())};
}

result<std::size_t> PostgresStore::trim_requests(TimePoint before, std::size_t keep) {
  auto conn = pool_->acquire();
  std::size_t dropped = 0;
  if (before > TimePoint{}) {
    auto old = conn->exec(kTrimOld, {std::to_string(to_unix_ms(before))});
    if (!old) return old.error();
    dropped += static_cast<std::size_t>(std::stoll(PQcmdTuples(old->get())));
  }
  auto many = conn->exec(kTrimMany, {std::to_string(static_cast<std::int64_t>(keep))});
  if (!many) return many.error();
  return dropped + static_cast<std::size_t>(std::stoll(PQcmdTuples(many->get())));
}

}  // namespace callgate::store
