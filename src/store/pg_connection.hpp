#pragma once
// A thin RAII layer over libpq for the PostgreSQL store: one connection, made lazily and again
// after a failure, statements with text parameters, results owned by the caller, and pipelined
// statements for the committer. Internal to the store.

#include <libpq-fe.h>

#include <callgate/error.hpp>
#include <chrono>
#include <map>
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
using Params = std::vector<Param>;

/** The text of row `row`, column `col` ("" for NULL). */
std::string_view text(const PGresult* r, int row, int col);
/** The integer of row `row`, column `col` (0 for NULL). */
std::int64_t int64(const PGresult* r, int row, int col);

/** A PostgreSQL array literal of text items ({"a","b\"c"}), for a `$1::text[]` (or bigint[])
 * parameter: a batch travels as a few arrays rather than a statement per row. */
class Array {
 public:
  Array& add(std::string_view item);
  Array& add(std::int64_t item) { return add(std::string_view(std::to_string(item))); }
  std::string str() const { return text_ + '}'; }

 private:
  std::string text_ = "{";
};

/** How long a connection waits. */
struct Timeouts {
  std::chrono::milliseconds connect{2000};  ///< libpq counts whole seconds, at least 2
  /** For any answer: past it the connection is dropped and the statement is unavailable (503), so
   * a hung server does not hang the committer. */
  std::chrono::milliseconds command{5000};
  std::chrono::milliseconds reconnect{500};  ///< after a failure, before connecting again
};

/**
 * One connection to the server a libpq conninfo names (a URI or key=value; with several hosts
 * and target_session_attrs=read-write, libpq finds the primary, again at each reconnection, so
 * a failover to a promoted standby is followed). Not thread-safe: a thread uses it alone.
 *
 * Errors: store_unavailable when the server cannot be reached, the connection broke or an answer
 * is late (it is made again on a later call, after the reconnect wait); store_conflict for a
 * serialization failure, a deadlock or a unique key another transaction wrote first (the caller
 * decides again, on what that one committed); store_unavailable for any other error (logged with
 * its SQLSTATE).
 */
class Connection {
 public:
  Connection(std::string conninfo, Timeouts timeouts);
  Connection(std::string conninfo, std::chrono::milliseconds reconnect_interval)
      : Connection(std::move(conninfo), Timeouts{.reconnect = reconnect_interval}) {}
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /** Runs sql with its parameters ($1, $2, ...) and waits for its answer. Without parameters sql
   * may hold several statements (a migration). Not while statements are queued. */
  result<Result> exec(const char* sql, const std::vector<Param>& params = {});

  /** Queues sql without waiting for its answer (libpq's pipeline mode); sync() sends the queue.
   * sql is prepared on the connection the first time it is sent (by its address: pass
   * literals), so the server parses and plans it once. */
  result<void> send(const char* sql, const std::vector<Param>& params);
  /** Sends what is queued and reads every statement's answer, in order; the first failure if
   * any (what was queued after a failed statement is not run). */
  result<std::vector<Result>> sync() { return sync(timeouts_.command); }
  /** The same, waiting at most `timeout` for each answer (the purge's long deletes). */
  result<std::vector<Result>> sync(std::chrono::milliseconds timeout);
  /** Runs statements in one transaction and one round trip; their answers, in order. On a
   * failure the transaction is rolled back. */
  result<std::vector<Result>> transaction(
      std::initializer_list<std::pair<const char*, Params>> statements);
  /** Whether statements are queued. */
  bool queued() const { return !queued_.empty(); }
  /** Drops the connection (the server ends its open transaction). */
  void reset();

  /** The last error's description, for logs (never the password). */
  const std::string& last_error() const { return failures_.last(); }

 private:
  result<void> ensure_connected();
  boost::system::error_code fail(std::string what);
  /** The next result, waiting at most `timeout`; nullptr when there is none. */
  result<Result> next_result(std::chrono::milliseconds timeout);
  result<Result> next_result() { return next_result(timeouts_.command); }
  boost::system::error_code classify(const PGresult* r);

  std::string conninfo_;
  Timeouts timeouts_;
  Failures failures_;
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn_{nullptr, &PQfinish};
  /** What each queued message answers: a statement (nullptr) or the preparing of this sql. */
  std::vector<const char*> queued_;
  std::map<const char*, std::string> prepared_;  // on this connection: sql -> statement name
};

/** Advisory locks every replica takes, as pg_advisory_xact_lock's two int4 keys ('call' and a
 * number: a space apart from the one bigint key a call's lock uses). */
#define CALLGATE_PG_LOCK_SCHEMA "1667329132, 1"  // migrating
#define CALLGATE_PG_LOCK_OUTBOX "1667329132, 2"  // appending to the outbox, until COMMIT

/** The schema version this binary writes and reads. */
inline constexpr int kSchemaVersion = 1;

/** Creates callgate's tables, or migrates older ones to kSchemaVersion, in one transaction under
 * an advisory lock (replicas may start at once). Throws (startup): the database unreachable, or
 * its schema newer than this binary knows. */
void migrate(Connection& c);

}  // namespace callgate::store::pg
