#include "pg_connection.hpp"

#include <callgate/log_limit.hpp>
#include <charconv>

namespace callgate::store::pg {
namespace {

boost::system::error_code unavailable() { return make_error_code(errc::store_unavailable); }

// SQLSTATEs a caller answers by deciding again: serialization_failure, deadlock_detected.
bool is_conflict(std::string_view state) { return state == "40001" || state == "40P01"; }

}  // namespace

std::string_view text(const PGresult* r, int row, int col) {
  if (PQgetisnull(r, row, col)) return {};
  return {PQgetvalue(r, row, col), static_cast<std::size_t>(PQgetlength(r, row, col))};
}

std::int64_t int64(const PGresult* r, int row, int col) {
  const auto t = text(r, row, col);
  std::int64_t v = 0;
  std::from_chars(t.data(), t.data() + t.size(), v);
  return v;
}

Connection::Connection(std::string conninfo, std::chrono::milliseconds reconnect_interval)
    : conninfo_(std::move(conninfo)), failures_(reconnect_interval) {}

boost::system::error_code Connection::fail(std::string what) {
  conn_.reset();
  return failures_.record("postgres", std::move(what));
}

result<void> Connection::ensure_connected() {
  if (conn_ && PQstatus(conn_.get()) == CONNECTION_OK) return {};
  if (conn_) return fail(std::string("connection lost: ") + PQerrorMessage(conn_.get()));
  if (failures_.waiting()) return unavailable();
  conn_.reset(PQconnectdb(conninfo_.c_str()));
  if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK)
    return fail(std::string("connect: ") + (conn_ ? PQerrorMessage(conn_.get()) : "out of memory"));
  return {};
}

result<Result> Connection::exec(const char* sql, const std::vector<Param>& params) {
  if (auto ok = ensure_connected(); !ok) return ok.error();
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  // Without parameters, the simple protocol: it also runs several statements (a migration).
  Result r(values.empty() ? PQexec(conn_.get(), sql)
                          : PQexecParams(conn_.get(), sql, static_cast<int>(values.size()), nullptr,
                                         values.data(), nullptr, nullptr, 0));
  const auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return r;
  if (PQstatus(conn_.get()) != CONNECTION_OK)
    return fail(std::string("connection lost: ") + PQerrorMessage(conn_.get()));
  const char* state = r ? PQresultErrorField(r.get(), PG_DIAG_SQLSTATE) : nullptr;
  failures_.set_last(std::string(state ? state : "?????") + ": " +
                     (r ? PQresultErrorMessage(r.get()) : PQerrorMessage(conn_.get())));
  if (state && is_conflict(state)) return make_error_code(errc::store_conflict);
  log_limited(spdlog::level::err, "store postgres statement", "store: postgres: {}",
              failures_.last());
  return unavailable();
}

}  // namespace callgate::store::pg
