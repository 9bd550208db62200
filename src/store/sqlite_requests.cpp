// The SQLite store's request log, in a file of its own beside the store's (<name>.requests.db):
// a burst of logging never holds the write lock the committer's transactions need. One
// connection, behind its own mutex, reads and writes it.
#include <spdlog/spdlog.h>

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
DROP INDEX IF EXISTS requests_by_time;
)sql";
constexpr const char* kInsert = "INSERT INTO requests(at_ms, record) VALUES(?1, ?2)";
constexpr const char* kBefore =
    "SELECT id, record FROM requests WHERE ?1 = 0 OR id < ?1 ORDER BY id DESC LIMIT ?2";
constexpr const char* kLoad = "SELECT id, record FROM requests WHERE id = ?1";
// Records go in in the order they were taken, so time follows id closely: the oldest are found
// from the first id on, without an index on time (one less B-tree insert a record).
constexpr const char* kTrimOld =
    "DELETE FROM requests WHERE id < COALESCE("
    "(SELECT id FROM requests WHERE at_ms >= ?1 ORDER BY id LIMIT 1), "
    "(SELECT MAX(id) + 1 FROM requests), 0)";
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

/** The log's file, set for its cost: large pages and a small WAL (a batch of records is a few
 * page writes and checksums, not hundreds: measured 12.6 µs a record with 4 KB pages, 9 with
 * 64 KB; the page size holds for a new file), and no fsync (its writeback then runs in the
 * kernel's flusher threads, not in a callgate thread: measured 7 µs a request, against 8 to 17
 * with synchronous=NORMAL on a busy disk). */
std::unique_ptr<sqlite::Db> open_log_file(const std::string& path, int busy_timeout_ms) {
  auto db = sqlite::open_wal(path, busy_timeout_ms,
                             "PRAGMA synchronous=OFF; PRAGMA page_size=65536; "
                             "PRAGMA wal_autocheckpoint=32");
  if (db->exec(kSchema) != SQLITE_OK)
    throw std::runtime_error(std::string("cannot create the request log's schema: ") +
                             db->last_error());
  return db;
}

/** PRAGMA quick_check; false (and what it found) for a damaged file. */
bool quick_check(sqlite::Db& db, std::string& found) {
  Use s(db.prepare("PRAGMA quick_check(1)"));
  if (s->step() != SQLITE_ROW) {
    found = db.last_error();
    return false;
  }
  found = std::string(s->text(0));
  return found == "ok";
}

}  // namespace

std::string requests_path(const std::string& store_path) {
  std::filesystem::path p(store_path);
  return (p.parent_path() / (p.stem().string() + ".requests" + p.extension().string())).string();
}

std::unique_ptr<sqlite::Db> open_request_log(const StoreConfig& config) {
  const auto path = requests_path(config.path);
  // Its WAL outlives only a stop that was not clean (a crash, a kill, a power loss).
  const bool unclean = std::filesystem::exists(path + "-wal");
  std::string damage;
  try {
    auto db = open_log_file(path, config.busy_timeout_ms);
    if (!unclean || quick_check(*db, damage)) return db;
  } catch (const std::exception& e) {
    damage = e.what();
  }
  // Written with synchronous=OFF, the log may be damaged by a power loss or an OS crash: it is a
  // record for operators, not the events, so it is set aside (for a look) and begun afresh.
  spdlog::warn("request log: {} is damaged ({}): moved to {}.damaged, starting a new one", path,
               damage, path);
  std::filesystem::rename(path, path + ".damaged");
  for (const char* suffix : {"-wal", "-shm"}) std::filesystem::remove(path + suffix);
  return open_log_file(path, config.busy_timeout_ms);
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
