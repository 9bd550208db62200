#pragma once
// Thin RAII over the SQLite C API: one connection, cached prepared statements. Private to store/.

#include <sqlite3.h>

#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace callgate::store::sqlite {

/** A prepared statement, reset after each use by its Step guard. */
class Statement {
 public:
  explicit Statement(sqlite3_stmt* s) : stmt_(s) {}
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  /** SQLITE_ROW, SQLITE_DONE or an error code. */
  int step() { return sqlite3_step(stmt_); }
  /** The connection, for its error message. */
  sqlite3* db() const { return sqlite3_db_handle(stmt_); }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string{};
  }

 private:
  sqlite3_stmt* stmt_;
};

/** Resets a statement when it leaves scope, so every early return leaves it reusable. */
class Use {
 public:
  explicit Use(Statement& s) : s_(s) {}
  ~Use() { s_.reset(); }
  Use(const Use&) = delete;
  Use& operator=(const Use&) = delete;
  Statement* operator->() { return &s_; }
  Statement& operator*() { return s_; }

 private:
  Statement& s_;
};

/** One connection plus its statement cache. */
/** store_unavailable, logged with SQLite's own words for the cause (disk full, locked, I/O
 * error, corrupt file...), a few lines per window when it repeats. */
boost::system::error_code unavailable(sqlite3* db);

class Db;
/** COMMITs db's open transaction, or rolls it back and says why it could not. */
boost::system::error_code commit_or_rollback(Db& db);

class Db {
 public:
  /** Opens (creating) the database; throws std::runtime_error on failure (startup only). */
  Db(const std::string& path, int busy_timeout_ms);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  /** Runs SQL without results; returns the SQLite result code. */
  int exec(const char* sql);
  /** The cached statement for this SQL text. */
  Statement& prepare(const char* sql);
  std::int64_t changes() const { return sqlite3_changes64(db_); }
  std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  const char* last_error() const { return sqlite3_errmsg(db_); }
  sqlite3* handle() const { return db_; }

 private:
  /** Waits for another connection's lock in 100 µs steps (SQLite's own handler sleeps 1, 2, 5,
   * 10 ms..., which put the sink's short cursor writes into the webhook's p99). */
  static int on_busy(void* self, int attempts);

  sqlite3* db_ = nullptr;
  std::chrono::milliseconds busy_timeout_;
  std::chrono::steady_clock::time_point busy_since_;
  std::map<const char*, std::unique_ptr<Statement>> cache_;
};

/** Opens size query-only connections (at least one) for a Pool: a reader cannot write,
 * whatever it is asked. Throws std::runtime_error if it cannot (startup only). */
std::vector<std::unique_ptr<Db>> open_readers(const std::string& path, int busy_timeout_ms,
                                              std::size_t size);

}  // namespace callgate::store::sqlite
