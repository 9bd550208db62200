#include "sqlite_db.hpp"

#include <algorithm>
#include <callgate/error.hpp>
#include <callgate/log_limit.hpp>
#include <stdexcept>
#include <thread>

namespace callgate::store::sqlite {

Db::Db(const std::string& path, int busy_timeout_ms) : busy_timeout_(busy_timeout_ms) {
  if (sqlite3_open_v2(path.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error("cannot open SQLite database " + path + ": " + msg);
  }
  sqlite3_busy_handler(db_, &Db::on_busy, this);
}

int Db::on_busy(void* self, int attempts) {
  auto& db = *static_cast<Db*>(self);
  const auto now = std::chrono::steady_clock::now();
  if (attempts == 0) db.busy_since_ = now;
  if (now - db.busy_since_ >= db.busy_timeout_) return 0;  // give up: the caller answers 503
  std::this_thread::sleep_for(std::chrono::microseconds(100));
  return 1;
}

Db::~Db() {
  cache_.clear();  // statements must be finalized before the connection closes
  sqlite3_close(db_);
}

int Db::exec(const char* sql) { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); }

Statement& Db::prepare(const char* sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return *it->second;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK)
    throw std::logic_error(std::string("bad SQL in callgate: ") + sqlite3_errmsg(db_));
  return *cache_.emplace(sql, std::make_unique<Statement>(stmt)).first->second;
}

boost::system::error_code unavailable(sqlite3* db) {
  const char* cause = db ? sqlite3_errmsg(db) : "unknown";
  log_limited(spdlog::level::err, std::string("store sqlite ") + cause, "store: SQLite: {}", cause);
  return make_error_code(errc::store_unavailable);
}

boost::system::error_code commit_or_rollback(Db& db) {
  if (db.exec("COMMIT") == SQLITE_OK) return {};
  const auto ec = unavailable(db.handle());  // before the rollback replaces the message
  db.exec("ROLLBACK");
  return ec;
}

std::vector<std::unique_ptr<Db>> open_readers(const std::string& path, int busy_timeout_ms,
                                              std::size_t size) {
  std::vector<std::unique_ptr<Db>> readers;
  for (std::size_t i = 0; i < std::max<std::size_t>(size, 1); ++i) {
    auto db = std::make_unique<Db>(path, busy_timeout_ms);
    if (db->exec("PRAGMA query_only=1") != SQLITE_OK)
      throw std::runtime_error(std::string("cannot configure SQLite: ") + db->last_error());
    readers.push_back(std::move(db));
  }
  return readers;
}

}  // namespace callgate::store::sqlite
