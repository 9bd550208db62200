#include "redis_connection.hpp"

#include <boost/url/parse.hpp>
#include <callgate/log_limit.hpp>
#include <charconv>

namespace callgate::store::redis {
namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  return {static_cast<time_t>(ms.count() / 1000),
          static_cast<suseconds_t>(ms.count() % 1000 * 1000)};
}

boost::system::error_code unavailable() { return make_error_code(errc::store_unavailable); }

}  // namespace

result<Endpoint> parse_url(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed || (parsed->scheme() != "redis")) return make_error_code(errc::bad_request);
  Endpoint e;
  if (!parsed->host().empty()) e.host = parsed->host();
  if (parsed->has_port()) e.port = parsed->port_number();
  if (parsed->has_userinfo()) {
    e.username = parsed->user();
    e.password = parsed->password();
  }
  std::string path = parsed->path();  // decoded, so owned
  if (!path.empty() && path.front() == '/') path.erase(0, 1);
  if (!path.empty()) {
    auto [end, ec] = std::from_chars(path.data(), path.data() + path.size(), e.db);
    if (ec != std::errc{} || end != path.data() + path.size() || e.db < 0)
      return make_error_code(errc::bad_request);
  }
  return e;
}

std::string_view text(const redisReply* r) {
  if (!r || (r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_STATUS)) return {};
  return {r->str, r->len};
}

Connection::~Connection() {
  if (ctx_) redisFree(ctx_);
}

boost::system::error_code Connection::fail(std::string what) {
  // The cause, not just "store unavailable"; a Redis that stays down logs a few lines per window.
  log_limited(spdlog::level::err, "store redis " + what, "store: redis: {}", what);
  last_error_ = std::move(what);
  if (ctx_) {
    redisFree(ctx_);
    ctx_ = nullptr;
  }
  failed_at_ = std::chrono::steady_clock::now();
  return unavailable();
}

result<void> Connection::ensure_connected() {
  if (ctx_) return {};
  // Right after a failure, answer at once instead of waiting out a connect timeout per request.
  if (failed_at_ != std::chrono::steady_clock::time_point{} &&
      std::chrono::steady_clock::now() - failed_at_ < endpoint_.reconnect_interval)
    return unavailable();
  const auto connect_timeout = to_timeval(endpoint_.connect_timeout);
  ctx_ = redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, connect_timeout);
  if (!ctx_ || ctx_->err) {
    return fail(ctx_ ? std::string("connect: ") + ctx_->errstr : "connect: out of memory");
  }
  const auto command_timeout = to_timeval(endpoint_.command_timeout);
  if (redisSetTimeout(ctx_, command_timeout) != REDIS_OK) return fail("cannot set timeout");
  std::vector<std::vector<std::string>> setup;
  if (!endpoint_.password.empty()) {
    if (endpoint_.username.empty())
      setup.push_back({"AUTH", endpoint_.password});
    else
      setup.push_back({"AUTH", endpoint_.username, endpoint_.password});
  }
  if (endpoint_.db != 0) setup.push_back({"SELECT", std::to_string(endpoint_.db)});
  if (!setup.empty() && !pipeline(setup)) return unavailable();
  return {};
}

result<Reply> Connection::command(const std::vector<std::string>& args) {
  auto replies = pipeline({args});
  if (!replies) return replies.error();
  return std::move(replies->front());
}

result<std::vector<Reply>> Connection::pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  if (auto ok = ensure_connected(); !ok) return ok.error();
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (const auto& args : commands) {
    argv.clear();
    lengths.clear();
    for (const auto& a : args) {
      argv.push_back(a.data());
      lengths.push_back(a.size());
    }
    if (redisAppendCommandArgv(ctx_, static_cast<int>(args.size()), argv.data(), lengths.data()) !=
        REDIS_OK)
      return fail(std::string("write: ") + ctx_->errstr);
  }
  std::vector<Reply> replies;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(ctx_, &raw) != REDIS_OK || !raw)
      return fail(std::string("read: ") + (ctx_ ? ctx_->errstr : "no reply"));
    Reply reply(static_cast<redisReply*>(raw));
    replies.push_back(std::move(reply));
  }
  // An error reply to any command (say, a failed script) fails the whole call; the connection
  // itself is fine and stays.
  for (const auto& r : replies) {
    if (r->type == REDIS_REPLY_ERROR) {
      last_error_ = std::string(r->str, r->len);
      return unavailable();
    }
  }
  return replies;
}

std::vector<std::unique_ptr<Connection>> connections(const Endpoint& endpoint, std::size_t size) {
  std::vector<std::unique_ptr<Connection>> out;
  for (std::size_t i = 0; i < std::max<std::size_t>(size, 1); ++i)
    out.push_back(std::make_unique<Connection>(endpoint));
  return out;
}

}  // namespace callgate::store::redis
