// The Redis store's shared side, used from any thread through the connection pool: calls, the
// outbox, sink cursors, dead letters, call logs and sink leases.
#include "redis_store.hpp"

#include <callgate/redact.hpp>
#include <limits>

#include "pool.hpp"
#include "redis_codec.hpp"
#include "redis_connection.hpp"
#include "redis_scripts.hpp"

namespace callgate::store {

using namespace redis;

redis::Endpoint redis::endpoint_of(const StoreConfig& config) {
  auto endpoint = redis::parse_url(config.url);
  if (!endpoint)
    throw std::runtime_error("store.url: not a redis:// URL: " + redact_url(config.url));
  endpoint->connect_timeout = std::chrono::milliseconds(config.connect_timeout_ms);
  endpoint->command_timeout = std::chrono::milliseconds(config.command_timeout_ms);
  endpoint->reconnect_interval = std::chrono::milliseconds(config.reconnect_interval_ms);
  for (const auto& s : config.sentinels) {
    auto sentinel = redis::parse_host_port(s);
    if (!sentinel) throw std::runtime_error("store.sentinels: not host:port: " + s);
    endpoint->sentinels.push_back(std::move(*sentinel));
  }
  endpoint->master_name = config.master_name;
  endpoint->slot_key = config.key_prefix + "outbox:seq";
  return *endpoint;
}

RedisStore::RedisStore(const StoreConfig& config)
    : prefix_(config.key_prefix),
      pool_(std::make_unique<Pool<redis::Connection>>(redis::connections(
          redis::endpoint_of(config), static_cast<std::size_t>(config.pool_size)))) {}

RedisStore::~RedisStore() = default;

void RedisStore::refuse_older_default_prefix() {
  if (prefix_ != kDefaultKeyPrefix) return;
  auto conn = pool_->acquire();
  const std::string old(kOldDefaultKeyPrefix);
  auto r = conn->pipeline({{"EXISTS", key("outbox:seq")}, {"INFO", "cluster"}});
  if (!r) return;  // not reachable now: requests will say so (503), and this is checked no more
  // An old deployment could not run on Redis Cluster (its keys had no common slot), and asking
  // a cluster for a key of another slot would only be answered MOVED.
  if ((*r)[0]->integer != 0 || text((*r)[1].get()).find("cluster_enabled:1") != std::string::npos)
    return;
  auto older = conn->command({"EXISTS", old + "outbox:seq"});
  if (older && (*older)->integer == 1)
    throw std::runtime_error(
        "store: this Redis holds callgate's state under the key prefix \"" + old +
        "\", the default before it became \"" + prefix_ + "\". Set store.key_prefix: \"" + old +
        "\" (and name the redis_stream sinks' streams) to go on with it (docs/scaling.md)");
}

std::string RedisStore::key(std::string_view kind, std::string_view rest) const {
  std::string k = prefix_;
  k.append(kind);
  if (!rest.empty()) k.append(":").append(rest);
  return k;
}

result<std::optional<core::CallState>> RedisStore::load_call(std::string_view id) {
  auto conn = pool_->acquire();
  auto r = conn->command({"GET", key("call", id)});
  if (!r) return r.error();
  return parse_call(r->get());
}

result<std::int64_t> RedisStore::count_live_calls() {
  auto conn = pool_->acquire();
  auto r = conn->command({"ZCARD", key("live")});
  if (!r) return r.error();
  return (*r)->integer;
}

result<std::vector<store::OutboxRow>> RedisStore::xrange(const std::string& from,
                                                         std::size_t count) {
  auto conn = pool_->acquire();
  auto r = conn->command({"XRANGE", key("outbox"), from, "+", "COUNT", std::to_string(count)});
  if (!r) return r.error();
  std::vector<store::OutboxRow> rows;
  for (std::size_t i = 0; i < (*r)->elements; ++i) rows.push_back(row_from((*r)->element[i]));
  return rows;
}

result<std::vector<store::OutboxRow>> RedisStore::read_outbox(std::int64_t after_seq,
                                                              std::size_t limit) {
  return xrange("(" + std::to_string(after_seq) + "-0", limit);
}

result<std::optional<store::SinkCursor>> RedisStore::load_cursor(std::string_view sink) {
  auto conn = pool_->acquire();
  auto r = conn->command({"GET", key("cursor", sink)});
  if (!r) return r.error();
  if ((*r)->type == REDIS_REPLY_NIL) return std::optional<store::SinkCursor>{};
  const auto v = text(r->get());
  const auto space = v.find(' ');
  return std::optional<store::SinkCursor>{
      store::SinkCursor{to_int(v.substr(0, space)),
                        space == std::string_view::npos ? 0 : to_int(v.substr(space + 1))}};
}

result<void> RedisStore::save_cursor(std::string_view sink, const store::SinkCursor& c) {
  auto conn = pool_->acquire();
  auto r = conn->pipeline(
      {{"SET", key("cursor", sink), std::to_string(c.seq) + " " + std::to_string(c.position)},
       {"SADD", key("sinks"), std::string(sink)}});
  if (!r) return r.error();
  return {};
}

result<std::int64_t> RedisStore::last_outbox_seq() {
  auto conn = pool_->acquire();
  auto r = conn->command({"GET", key("outbox:seq")});
  if (!r) return r.error();
  return to_int(text(r->get()));
}

result<std::vector<store::OutboxRow>> RedisStore::outbox_before(std::int64_t before_seq,
                                                                std::size_t n) {
  auto conn = pool_->acquire();
  auto r = conn->command({"XREVRANGE", key("outbox"),
                          before_seq == 0 ? "+" : "(" + std::to_string(before_seq) + "-0", "-",
                          "COUNT", std::to_string(n)});
  if (!r) return r.error();
  std::vector<store::OutboxRow> rows;
  for (std::size_t i = 0; i < (*r)->elements; ++i) rows.push_back(row_from((*r)->element[i]));
  return rows;
}

result<std::vector<core::CallState>> RedisStore::calls_before(const store::CallCursor& from,
                                                              std::size_t n, bool live_only) {
  auto conn = pool_->acquire();
  // Scores are creation times; equal scores come in id order, reversed: as (created, id) desc.
  // Those at the cursor's own time up to its id were on the page before: skipped here.
  constexpr std::size_t kTies = 64;
  auto ids =
      conn->command({"ZRANGE", key(live_only ? "live" : "calls"),
                     from.created_ms == 0 ? "+inf" : std::to_string(from.created_ms), "-inf",
                     "BYSCORE", "REV", "WITHSCORES", "LIMIT", "0", std::to_string(n + kTies)});
  if (!ids) return ids.error();
  std::vector<std::vector<std::string>> gets;
  for (std::size_t i = 0; i + 1 < (*ids)->elements && gets.size() < n; i += 2) {
    const std::string id(text((*ids)->element[i]));
    if (from.created_ms != 0 && to_int(text((*ids)->element[i + 1])) == from.created_ms &&
        id >= from.id)
      continue;
    gets.push_back({"GET", key("call", id)});
  }
  std::vector<core::CallState> out;
  if (gets.empty()) return out;
  auto states = conn->pipeline(gets);
  if (!states) return states.error();
  for (const auto& s : *states) {
    auto c = parse_call(s.get());
    if (c && *c && (!live_only || !(*c)->ended())) out.push_back(std::move(**c));
  }
  return out;
}

result<std::vector<store::CallLogEntry>> RedisStore::call_log(std::string_view call_id) {
  auto conn = pool_->acquire();
  auto items = conn->command({"LRANGE", key("log", call_id), "0", "-1"});
  if (!items) return items.error();
  std::vector<store::CallLogEntry> out;
  for (std::size_t i = 0; i < (*items)->elements; ++i) {
    const auto j = nlohmann::json::parse(text((*items)->element[i]), nullptr, false);
    if (!j.is_object()) continue;  // not callgate's: skipped rather than failing the whole log
    out.push_back({static_cast<store::CallLogEntry::Kind>(j.value("k", 0)),
                   from_unix_ms(j.value("a", std::int64_t{0})),
                   from_unix_ms(j.value("e", std::int64_t{0})), j.value("s", ""), j.value("t", ""),
                   j.value("i", ""), j.value("q", std::int64_t{0}), j.value("x", "")});
  }
  return out;
}

result<void> RedisStore::record_attempts(
    const std::vector<std::pair<std::string, store::CallLogEntry>>& attempts,
    TimePoint expires_at) {
  if (attempts.empty()) return {};
  const auto ttl = std::chrono::duration_cast<std::chrono::milliseconds>(expires_at - now());
  std::vector<std::vector<std::string>> commands;
  for (const auto& [call_id, e] : attempts) {
    const auto log = key("log", call_id);
    commands.push_back({"RPUSH", log, call_log_json(e, e.seq)});
    commands.push_back({"LTRIM", log, "-" + std::to_string(store::kCallLogSize), "-1"});
    commands.push_back({"PEXPIRE", log, std::to_string(std::max<std::int64_t>(ttl.count(), 1))});
  }
  auto conn = pool_->acquire();
  auto r = conn->pipeline(commands);
  if (!r) return r.error();
  return {};
}

// --- dead letters and leases --------------------------------------------------------------------

result<void> RedisStore::add_dead_letter(std::string_view sink, const store::DeadLetter& d) {
  auto conn = pool_->acquire();
  auto r = conn->pipeline({{"LPUSH", key("dead", sink), dead_letter_json(d).dump()},
                           {"SADD", key("dead-sinks"), std::string(sink)}});
  if (!r) return r.error();
  return {};
}

result<std::vector<store::DeadLetter>> RedisStore::list_dead_letters(
    std::string_view sink, std::size_t limit, const store::DeadLetterCursor& from) {
  auto conn = pool_->acquire();
  std::vector<std::string> sinks;
  if (sink.empty()) {
    auto all = conn->command({"SMEMBERS", key("dead-sinks")});
    if (!all) return all.error();
    for (std::size_t i = 0; i < (*all)->elements; ++i) sinks.emplace_back(text((*all)->element[i]));
  } else {
    sinks.emplace_back(sink);
  }
  std::vector<store::DeadLetter> out;
  for (const auto& s : sinks) {
    auto r = conn->command({"LRANGE", key("dead", s), "0", "-1"});
    if (!r) return r.error();
    for (std::size_t i = 0; i < (*r)->elements; ++i)
      if (auto d = dead_letter_from(text((*r)->element[i]), s); d && from.passed(*d))
        out.push_back(std::move(*d));
  }
  store::sort_dead_letters(out, limit);
  return out;
}

result<std::size_t> RedisStore::redeliver_dead_letters(std::string_view sink, std::int64_t seq,
                                                       TimePoint at) {
  auto conn = pool_->acquire();
  const auto list = key("dead", sink);
  auto r = conn->pipeline({{"WATCH", list}, {"LRANGE", list, "0", "-1"}});
  if (!r) return r.error();
  redis::CommitOps ops(prefix_, {});
  std::vector<std::vector<std::string>> removals;
  std::size_t moved = 0;
  const redisReply* items = (*r)[1].get();
  for (std::size_t i = 0; i < items->elements; ++i) {
    const std::string raw(text(items->element[i]));
    auto d = dead_letter_from(raw, sink);
    if (!d || (seq != 0 && d->row.seq != seq)) continue;
    auto row = d->row;
    row.created_at = at;
    row.sink = sink;
    ops.outbox_row(row);
    removals.push_back({"LREM", list, "1", raw});
    ++moved;
  }
  if (moved == 0) {
    (void)conn->command({"UNWATCH"});
    return moved;
  }
  std::vector<std::vector<std::string>> tx{{"MULTI"}};
  tx.push_back(ops.eval());
  tx.insert(tx.end(), removals.begin(), removals.end());
  tx.push_back({"EXEC"});
  auto done = conn->pipeline(tx);
  if (!done) return done.error();
  if (done->back()->type == REDIS_REPLY_NIL) return make_error_code(errc::store_conflict);
  return moved;
}

result<bool> RedisStore::hold_lease(std::string_view name, std::string_view holder,
                                    std::chrono::milliseconds ttl) {
  auto conn = pool_->acquire();
  auto r = conn->command({"EVAL", std::string(redis::kLeaseScript), "1", key("lease", name),
                          std::string(holder), ms(ttl)});
  if (!r) return {boost::system::in_place_error, r.error()};
  return (*r)->integer == 1;
}

result<void> RedisStore::trim(TimePoint outbox_before) {
  // The live index of calls that expired without ending, and outbox entries every sink has taken.
  auto conn = pool_->acquire();
  auto cursors = conn->command({"SMEMBERS", key("sinks")});
  if (!cursors) return cursors.error();
  std::int64_t taken = std::numeric_limits<std::int64_t>::max();
  for (std::size_t i = 0; i < (*cursors)->elements; ++i) {
    auto c = load_cursor(text((*cursors)->element[i]));
    if (!c) return c.error();
    taken = std::min(taken, *c ? (*c)->seq : 0);
  }
  // Without any sink cursor (only redis_stream sinks), age alone decides, as in SQLite.
  std::int64_t trim_below = 0;
  bool more = true;
  for (int chunk = 0; more && chunk < 100; ++chunk) {
    auto rows = xrange(trim_below == 0 ? "-" : std::to_string(trim_below) + "-0", 1000);
    if (!rows) return rows.error();
    more = rows->size() == 1000;
    for (const auto& r : *rows) {
      if (r.seq > taken || r.created_at >= outbox_before) {
        more = false;
        break;
      }
      trim_below = r.seq + 1;
    }
  }
  if (trim_below > 0) {
    if (auto t = conn->command({"XTRIM", key("outbox"), "MINID", std::to_string(trim_below)}); !t)
      return t.error();
  }
  // The live and history indexes' entries of calls that expired (the oldest thousand a pass).
  for (const char* index : {"live", "calls"}) {
    auto ids = conn->command({"ZRANGE", key(index), "0", "999"});
    if (!ids) return ids.error();
    for (std::size_t i = 0; i < (*ids)->elements; ++i) {
      const std::string id(text((*ids)->element[i]));
      auto exists = conn->command({"EXISTS", key("call", id)});
      if (exists && (*exists)->integer == 0) (void)conn->command({"ZREM", key(index), id});
    }
  }
  return {};
}

}  // namespace callgate::store
