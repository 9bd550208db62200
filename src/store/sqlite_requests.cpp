// The SQLite store's request log, in a file of its own beside the store's (<name>.requests.db):
// a burst of logging never holds the write lock the committer's transactions need. One
// connection, behind its own mutex, reads and writes it.
#include <filesystem>

#include "sqlite_sql.hpp"
#include "sqlite_store.hpp"

namespace callgate::store {
namespace {

using sqlite::unavailable;
using sqlite::Use;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS requests(
  id INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL, record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS requests_by_time ON requests(at_ms);
)sql";
constexpr const char* kInsert = "INSERT INTO requests(at_ms, record) VALUES(?1, ?2)";
constexpr const char* kBefore =
    "SELECT id, record FROM requests WHERE ?1 = 0 OR id < ?1 ORDER BY id DESC LIMIT ?2";
constexpr const char* kLoad = "SELECT id, record FROM requests WHERE id = ?1";
constexpr const char* kTrimOld = "DELETE FROM requests WHERE at_ms < ?1";
constexpr const char* kTrimMany =
    "DELETE FROM requests WHERE id <= (SELECT COALESCE(MAX(id), 0) FROM requests) - ?1";

result<std::vector<RequestRecord>> records_from(sqlite::Statement& s) {
  std::vector<RequestRecord> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW)
    if (auto r = from_stored(s.text(1))) {
      r->id = s.int64(0);
      out.push_back(std::move(*r));
    }
  if (rc != SQLITE_DONE) return unavailable(s.db());
  return out;
}

}  // namespace

std::string requests_path(const std::string& store_path) {
  std::filesystem::path p(store_path);
  return (p.parent_path() / (p.stem().string() + ".requests" + p.extension().string())).string();
}

std::unique_ptr<sqlite::Db> open_request_log(const StoreConfig& config) {
  // Large pages and a small WAL: a batch of records is a few page writes and checksums, not
  // hundreds (measured: 12.6 µs a record with 4 KB pages, 9 with 64 KB). The page size holds for
  // a new file; an older one keeps its own.
  auto db = sqlite::open_wal(requests_path(config.path), config.busy_timeout_ms,
                             "PRAGMA synchronous=NORMAL; PRAGMA page_size=65536; "
                             "PRAGMA wal_autocheckpoint=32");
  if (db->exec(kSchema) != SQLITE_OK)
    throw std::runtime_error(std::string("cannot create the request log's schema: ") +
                             db->last_error());
  return db;
}

result<void> SqliteStore::append_requests(std::vector<StoredRequest>& records) {
  std::lock_guard lock(requests_mutex_);
  if (requests_->exec("BEGIN IMMEDIATE") != SQLITE_OK) return unavailable(requests_->handle());
  for (auto& r : records) {
    Use s(requests_->prepare(kInsert));  // the row's id is the record's (read back from it)
    s->bind(1, to_unix_ms(r.at)).bind(2, r.text);
    if (s->step() != SQLITE_DONE) {
      const auto ec = unavailable(s->db());
      requests_->exec("ROLLBACK");
      return ec;
    }
    r.id = requests_->last_insert_rowid();
  }
  if (auto ec = sqlite::commit_or_rollback(*requests_)) return ec;
  return {};
}

result<std::vector<RequestRecord>> SqliteStore::requests_before(std::int64_t before_id,
                                                                std::size_t n) {
  std::lock_guard lock(requests_mutex_);
  Use s(requests_->prepare(kBefore));
  s->bind(1, before_id).bind(2, static_cast<std::int64_t>(n));
  return records_from(*s);
}

result<std::optional<RequestRecord>> SqliteStore::load_request(std::int64_t id) {
  std::lock_guard lock(requests_mutex_);
  Use s(requests_->prepare(kLoad));
  s->bind(1, id);
  auto rows = records_from(*s);
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<RequestRecord>{};
  return std::optional<RequestRecord>{std::move(rows->front())};
}

result<std::size_t> SqliteStore::trim_requests(TimePoint before, std::size_t keep) {
  std::lock_guard lock(requests_mutex_);
  std::size_t dropped = 0;
  for (const char* sql : {kTrimOld, kTrimMany}) {
    Use s(requests_->prepare(sql));
    s->bind(1, sql == kTrimOld ? to_unix_ms(before) : static_cast<std::int64_t>(keep));
    if (s->step() != SQLITE_DONE) return unavailable(s->db());
    dropped += static_cast<std::size_t>(requests_->changes());
  }
  return dropped;
}

}  // namespace callgate::store
