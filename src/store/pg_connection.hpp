#pragma once
// A thin RAII layer over libpq for the PostgreSQL store: one connection, made lazily and again
// after a failure, statements with text parameters, results owned by the caller. Internal to
// the store.

#include <libpq-fe.h>

#include <callgate/error.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "failures.hpp"

namespace callgate::store::pg {

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
/** A result owned by the caller. */
using Result = std::unique_ptr<PGresult, ResultDeleter>;

/** A statement's parameter: text, or SQL NULL. */
using Param = std::optional<std::string>;

/** The text of row `row`, column `col` ("" for NULL). */
std::string_view text(const PGresult* r, int row, int col);
/** The integer of row `row`, column `col` (0 for NULL). */
std::int64_t int64(const PGresult* r, int row, int col);

/**
 * One connection to the server a libpq conninfo names (a URI or key=value; with several hosts
 * and target_session_attrs=read-write, libpq finds the primary, again at each reconnection, so
 * a failover to a promoted standby is followed). Not thread-safe: a thread uses it alone.
 */
class Connection {
 public:
  Connection(std::string conninfo, std::chrono::milliseconds reconnect_interval);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /** Runs sql with its parameters ($1, $2, ...). store_unavailable when the server cannot be
   * reached or the connection broke (it is made again on a later call, after the reconnect
   * interval), store_conflict for a serialization failure or deadlock (the caller decides
   * again), store_unavailable for any other error (logged with its SQLSTATE). */
  result<Result> exec(const char* sql, const std::vector<Param>& params = {});
  /** The last error's description, for logs (never the password). */
  const std::string& last_error() const { return failures_.last(); }

 private:
  result<void> ensure_connected();
  boost::system::error_code fail(std::string what);

  std::string conninfo_;
  Failures failures_;
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn_{nullptr, &PQfinish};
};

/** The schema version this binary writes and reads. */
inline constexpr int kSchemaVersion = 1;

/** Creates callgate's tables, or migrates older ones to kSchemaVersion, in one transaction under
 * an advisory lock (replicas may start at once). Throws (startup): the database unreachable, or
 * its schema newer than this binary knows. */
void migrate(Connection& c);

}  // namespace callgate::store::pg
