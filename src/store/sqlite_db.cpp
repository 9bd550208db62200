#include "sqlite_db.hpp"

#include <stdexcept>

namespace callgate::store::sqlite {

Db::Db(const std::string& path, int busy_timeout_ms) {
  if (sqlite3_open_v2(path.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error("cannot open SQLite database " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db_, busy_timeout_ms);
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

}  // namespace callgate::store::sqlite
