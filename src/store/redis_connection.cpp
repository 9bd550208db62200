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

/** The node a Redis Cluster "MOVED <slot> <host>:<port>" error names. */
std::optional<HostPort> moved_to(const redisReply* r) {
  if (r->type != REDIS_REPLY_ERROR) return std::nullopt;
  const std::string_view e(r->str, r->len);
  if (!e.starts_with("MOVED ")) return std::nullopt;
  const auto address = e.substr(e.rfind(' ') + 1);
  auto where = parse_host_port(address);
  if (!where) return std::nullopt;
  return *where;
}

/** A reply that says this server is a replica now (after a failover, the old primary). */
bool is_readonly(const redisReply* r) {
  if (r->type == REDIS_REPLY_ERROR) return std::string_view(r->str, r->len).starts_with("READONLY");
  if (r->type != REDIS_REPLY_ARRAY) return false;
  for (std::size_t i = 0; i < r->elements; ++i)
    if (is_readonly(r->element[i])) return true;
  return false;
}

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

result<HostPort> parse_host_port(std::string_view text) {
  auto parsed = boost::urls::parse_authority(text);
  if (!parsed || parsed->has_userinfo() || !parsed->has_port() || parsed->host().empty() ||
      parsed->port_number() == 0)
    return make_error_code(errc::bad_request);
  return HostPort{parsed->host_address(), parsed->port_number()};
}

std::string_view text(const redisReply* r) {
  if (!r || (r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_STATUS)) return {};
  return {r->str, r->len};
}

boost::system::error_code Connection::fail(std::string what, spdlog::level::level_enum level) {
  ctx_.reset();
  return failures_.record("redis", std::move(what), level);
}

result<void> Connection::ensure_connected() {
  if (ctx_) return {};
  if (failures_.waiting()) return unavailable();
  // A cluster node that does not serve the slot names the one that does: go there at once (a
  // slot being migrated may take a hop or two more).
  for (int hop = 0;; ++hop) {
    moved_ = false;
    auto ok = connect();
    if (ok || !moved_ || hop == 3) return ok;
    failures_.forget();
  }
}

result<void> Connection::connect() {
  auto where = moved_to_ ? result<HostPort>(*moved_to_) : primary();
  if (!where) return where.error();
  ctx_.reset(redisConnectWithTimeout(where->host.c_str(), where->port,
                                     to_timeval(endpoint_.connect_timeout)));
  if (!ctx_ || ctx_->err) {
    moved_to_.reset();  // that node may be gone: ask the endpoint again next time
    return fail(ctx_ ? std::string("connect: ") + ctx_->errstr : "connect: out of memory");
  }
  const auto command_timeout = to_timeval(endpoint_.command_timeout);
  if (redisSetTimeout(ctx_.get(), command_timeout) != REDIS_OK) return fail("cannot set timeout");
  std::vector<std::vector<std::string>> setup;
  if (!endpoint_.password.empty()) {
    if (endpoint_.username.empty())
      setup.push_back({"AUTH", endpoint_.password});
    else
      setup.push_back({"AUTH", endpoint_.username, endpoint_.password});
  }
  if (endpoint_.db != 0) setup.push_back({"SELECT", std::to_string(endpoint_.db)});
  if (!endpoint_.slot_key.empty()) setup.push_back({"EXISTS", endpoint_.slot_key});
  if (!endpoint_.sentinels.empty()) setup.push_back({"ROLE"});
  if (setup.empty()) return {};
  auto replies = pipeline(setup);
  if (!replies) return unavailable();  // after a MOVED, moved_to_ says where to go
  // A Sentinel may name the old primary for a moment after a failover: only a primary will do.
  if (const redisReply* role = replies->back().get();
      !endpoint_.sentinels.empty() && (role->type != REDIS_REPLY_ARRAY || role->elements == 0 ||
                                       text(role->element[0]) != "master"))
    return fail(where->host + ':' + std::to_string(where->port) + " is not a primary (yet)");
  return {};
}

result<HostPort> Connection::primary() {
  if (endpoint_.sentinels.empty()) return HostPort{endpoint_.host, endpoint_.port};
  const auto timeout = to_timeval(endpoint_.connect_timeout);
  const char* argv[] = {"SENTINEL", "get-master-addr-by-name", endpoint_.master_name.c_str()};
  for (const auto& s : endpoint_.sentinels) {
    Context c(redisConnectWithTimeout(s.host.c_str(), s.port, timeout), &redisFree);
    if (!c || c->err || redisSetTimeout(c.get(), timeout) != REDIS_OK) continue;
    Reply r(static_cast<redisReply*>(redisCommandArgv(c.get(), 3, argv, nullptr)));
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) continue;
    const auto port_text = text(r->element[1]);
    int port = 0;
    std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port > 0) return HostPort{std::string(text(r->element[0])), port};
  }
  return fail("no Sentinel (of " + std::to_string(endpoint_.sentinels.size()) +
              ") named a primary for '" + endpoint_.master_name + "'");
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
    if (redisAppendCommandArgv(ctx_.get(), static_cast<int>(args.size()), argv.data(),
                               lengths.data()) != REDIS_OK)
      return fail(std::string("write: ") + ctx_->errstr);
  }
  std::vector<Reply> replies;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(ctx_.get(), &raw) != REDIS_OK || !raw)
      return fail(std::string("read: ") + (ctx_ ? ctx_->errstr : "no reply"));
    Reply reply(static_cast<redisReply*>(raw));
    replies.push_back(std::move(reply));
  }
  // An error reply to any command (say, a failed script) fails the whole call; the connection
  // itself is fine and stays, unless the server has become a replica: then the primary is
  // looked for again.
  for (const auto& r : replies) {
    if (is_readonly(r.get())) return fail("the server is a replica now (READONLY)");
    if (auto node = moved_to(r.get())) {
      moved_to_ = std::move(node);
      moved_ = true;
      // Redis Cluster's routing, not a failure: worth a line, not an error.
      return fail("the cluster serves the slot at " + moved_to_->host + ':' +
                      std::to_string(moved_to_->port) + " (MOVED)",
                  spdlog::level::info);
    }
  }
  for (const auto& r : replies) {
    if (r->type == REDIS_REPLY_ERROR) {
      failures_.set_last(std::string(r->str, r->len));
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
