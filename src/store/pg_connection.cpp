#include "pg_connection.hpp"

#include <poll.h>

#include <callgate/log_limit.hpp>
#include <cerrno>
#include <charconv>

namespace callgate::store::pg {
namespace {

boost::system::error_code unavailable() { return make_error_code(errc::store_unavailable); }

// SQLSTATEs a caller answers by deciding again: serialization_failure, deadlock_detected, and
// unique_violation (another replica recorded the same delivery key first).
bool is_conflict(std::string_view state) {
  return state == "40001" || state == "40P01" || state == "23505";
}

// Parameters as libpq takes them: NUL-terminated text, or null for SQL NULL.
std::vector<const char*> c_strings(const Params& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  return values;
}

bool succeeded(const PGresult* r) {
  const auto status = PQresultStatus(r);
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

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

Array& Array::add(std::string_view item) {
  if (text_.size() > 1) text_ += ',';
  text_ += '"';
  for (char c : item) {
    if (c == '"' || c == '\\') text_ += '\\';
    text_ += c;
  }
  text_ += '"';
  return *this;
}

Connection::Connection(std::string conninfo, Timeouts timeouts)
    : conninfo_(std::move(conninfo)), timeouts_(timeouts), failures_(timeouts.reconnect) {}

boost::system::error_code Connection::fail(std::string what) {
  reset();
  return failures_.record("postgres", std::move(what));
}

void Connection::reset() {
  conn_.reset();
  queued_.clear();
  prepared_.clear();
}

result<void> Connection::ensure_connected() {
  if (conn_ && PQstatus(conn_.get()) == CONNECTION_OK) return {};
  if (conn_) return fail(std::string("connection lost: ") + PQerrorMessage(conn_.get()));
  if (failures_.waiting()) return unavailable();
  // Defaults first: what the URL itself says overrides them (expand_dbname).
  const auto connect_s = std::to_string(
      std::max<std::int64_t>(2, (timeouts_.connect.count() + 999) / 1000));  // libpq's minimum
  const auto user_timeout = std::to_string(timeouts_.command.count());
  const char* keys[] = {"connect_timeout",
                        "tcp_user_timeout",
                        "keepalives_idle",
                        "keepalives_interval",
                        "application_name",
                        "dbname",
                        nullptr};
  const char* values[] = {connect_s.c_str(), user_timeout.c_str(), "10",   "5",
                          "callgate",        conninfo_.c_str(),    nullptr};
  conn_.reset(PQconnectdbParams(keys, values, 1));
  if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK)
    return fail(std::string("connect: ") + (conn_ ? PQerrorMessage(conn_.get()) : "out of memory"));
  // The server's notices ("already exists, skipping") go to the debug log, not stderr.
  PQsetNoticeProcessor(
      conn_.get(),
      [](void*, const char* message) { spdlog::debug("store: postgres: {}", message); }, nullptr);
  return {};
}

result<Result> Connection::next_result(std::chrono::milliseconds timeout) {
  PGconn* c = conn_.get();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (PQisBusy(c)) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{PQsocket(c), POLLIN, 0};
    const int n = left.count() <= 0 ? 0 : ::poll(&p, 1, static_cast<int>(left.count()));
    if (n == 0) return fail("no answer within " + std::to_string(timeout.count()) + " ms");
    if (n < 0 && errno != EINTR) return fail("poll failed");
    if (!PQconsumeInput(c)) return fail(std::string("connection lost: ") + PQerrorMessage(c));
  }
  return Result(PQgetResult(c));
}

boost::system::error_code Connection::classify(const PGresult* r) {
  if (PQstatus(conn_.get()) != CONNECTION_OK)
    return fail(std::string("connection lost: ") + PQerrorMessage(conn_.get()));
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  failures_.set_last(std::string(state ? state : "?????") + ": " +
                     (r ? PQresultErrorMessage(r) : PQerrorMessage(conn_.get())));
  if (state && is_conflict(state)) return make_error_code(errc::store_conflict);
  log_limited(spdlog::level::err, "store postgres statement", "store: postgres: {}",
              failures_.last());
  return unavailable();
}

result<Result> Connection::exec(const char* sql, const std::vector<Param>& params) {
  if (auto ok = ensure_connected(); !ok) return ok.error();
  const auto values = c_strings(params);
  // Without parameters, the simple protocol: it also runs several statements (a migration).
  const int sent = values.empty()
                       ? PQsendQuery(conn_.get(), sql)
                       : PQsendQueryParams(conn_.get(), sql, static_cast<int>(values.size()),
                                           nullptr, values.data(), nullptr, nullptr, 0);
  if (!sent) return fail(std::string("send: ") + PQerrorMessage(conn_.get()));
  Result last;
  boost::system::error_code error;
  for (;;) {  // every statement's result, then none
    auto r = next_result();
    if (!r) return r.error();
    if (!*r) break;
    if (!succeeded(r->get()) && !error) error = classify(r->get());
    if (!conn_) return error;
    last = std::move(*r);
  }
  if (error) return error;
  return last;
}

result<void> Connection::send(const char* sql, const std::vector<Param>& params) {
  if (auto ok = ensure_connected(); !ok) return ok.error();
  PGconn* c = conn_.get();
  if (PQpipelineStatus(c) == PQ_PIPELINE_OFF && !PQenterPipelineMode(c))
    return fail(std::string("pipeline: ") + PQerrorMessage(c));
  auto [statement, fresh] = prepared_.try_emplace(sql, "cg" + std::to_string(prepared_.size()));
  if (fresh) {
    if (!PQsendPrepare(c, statement->second.c_str(), sql, 0, nullptr))
      return fail(std::string("send: ") + PQerrorMessage(c));
    queued_.push_back(sql);
  }
  const auto values = c_strings(params);
  if (!PQsendQueryPrepared(c, statement->second.c_str(), static_cast<int>(values.size()),
                           values.data(), nullptr, nullptr, 0))
    return fail(std::string("send: ") + PQerrorMessage(c));
  queued_.push_back(nullptr);
  return {};
}

result<std::vector<Result>> Connection::sync(std::chrono::milliseconds timeout) {
  std::vector<Result> out;
  const auto queued = std::move(queued_);  // a failure below resets the connection and the queue
  queued_.clear();
  if (queued.empty()) return out;
  if (!PQpipelineSync(conn_.get()))
    return fail(std::string("send: ") + PQerrorMessage(conn_.get()));
  boost::system::error_code error;
  out.reserve(queued.size());
  for (const char* preparing : queued) {
    auto r = next_result(timeout);  // the statement's result, then a null between statements
    if (!r) return r.error();
    if (!*r) return fail("a pipelined statement had no answer");
    const auto status = PQresultStatus(r->get());
    if (!succeeded(r->get()) && status != PGRES_PIPELINE_ABORTED && !error)
      error = classify(r->get());
    if (!conn_) return error;
    if (preparing && !succeeded(r->get())) prepared_.erase(preparing);  // skipped: prepare again
    if (!preparing) out.push_back(std::move(*r));
    if (auto end = next_result(timeout); !end) return end.error();
  }
  auto end = next_result(timeout);
  if (!end) return end.error();
  if (!*end || PQresultStatus(end->get()) != PGRES_PIPELINE_SYNC)
    return fail("a pipeline ended without its sync");
  PQexitPipelineMode(conn_.get());
  if (error) return error;
  return out;
}

}  // namespace callgate::store::pg

namespace callgate::store::pg {

result<std::vector<Result>> Connection::transaction(
    std::initializer_list<std::pair<const char*, Params>> statements) {
  auto answers = [&]() -> result<std::vector<Result>> {
    if (auto ok = send("BEGIN", {}); !ok) return ok.error();
    for (const auto& [sql, params] : statements)
      if (auto ok = send(sql, params); !ok) return ok.error();
    if (auto ok = send("COMMIT", {}); !ok) return ok.error();
    auto all = sync();
    if (!all) return all.error();
    // COMMIT of a transaction that failed answers ROLLBACK.
    if (std::string_view(PQcmdStatus(all->back().get())) != "COMMIT")
      return make_error_code(errc::store_unavailable);
    all->pop_back();
    all->erase(all->begin());
    return all;
  }();
  if (!answers && conn_ && send("ROLLBACK", {})) (void)sync();
  return answers;
}

}  // namespace callgate::store::pg
