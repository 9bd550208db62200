#include <spdlog/spdlog.h>

#include <callgate/log_limit.hpp>
#include <callgate/redact.hpp>
#include <charconv>
#include <limits>

#include "redis_codec.hpp"
#include "redis_connection.hpp"
#include "redis_store.hpp"

namespace callgate::store {
namespace {

using namespace redis;

CommitOps::Streams streams_of(const StoreConfig& config) {
  CommitOps::Streams out;
  for (const auto& s : config.streams) out.emplace_back(s.stream, s.maxlen);
  return out;
}

std::int64_t ms_until(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t - now()).count();
}

// A call without a provider call id is found again by its match key while it is live.
std::string match_index(const core::CallState& s) {
  if (!s.call_key.empty() || s.match_key.empty()) return {};
  return s.source + '\x1f' + s.match_key;
}

}  // namespace

RedisWriter::RedisWriter(const StoreConfig& config, RedisStore& store)
    : store_(store),
      min_replicas_acked_(config.min_replicas_acked),
      replicas_ack_timeout_ms_(config.replicas_ack_timeout_ms),
      connection_(std::make_unique<redis::Connection>(redis::endpoint_of(config))),
      ops_(config.key_prefix, streams_of(config)) {}

RedisWriter::~RedisWriter() = default;

// --- the committer's transaction -------------------------------------------------------------

result<void> RedisWriter::begin() {
  calls_.clear();
  seen_.clear();
  known_deliveries_.clear();
  known_calls_.clear();
  ops_.clear();
  return {};
}

result<void> RedisWriter::prefetch(const std::vector<std::string>& delivery_keys,
                                   const std::vector<std::string>& call_ids) {
  if (delivery_keys.empty() && call_ids.empty()) return {};
  std::vector<std::string> watch{"WATCH"};
  std::vector<std::vector<std::string>> commands;
  commands.emplace_back();  // the WATCH, filled below
  for (const auto& k : delivery_keys) {
    watch.push_back(key("seen", k));
    commands.push_back({"EXISTS", watch.back()});
  }
  for (const auto& id : call_ids) {
    watch.push_back(key("call", id));
    commands.push_back({"GET", watch.back()});
  }
  commands.front() = std::move(watch);
  auto replies = connection_->pipeline(commands);
  if (!replies) return replies.error();
  std::size_t i = 1;
  for (const auto& k : delivery_keys) known_deliveries_[k] = (*replies)[i++]->integer == 1;
  for (const auto& id : call_ids) {
    auto state = parse_call((*replies)[i++].get());
    if (!state) return state.error();
    known_calls_[id] = std::move(*state);
  }
  return {};
}

result<void> RedisWriter::commit() {
  if (ops_.empty()) {
    // Nothing to write (redeliveries only, or a readiness probe): still prove Redis answers. A
    // redelivery answered 200 must not outrun the replicas either: its first commit (answered
    // 503 for want of them) came from this connection, which is what WAIT waits for.
    std::vector<std::vector<std::string>> commands{{"UNWATCH"}};
    if (min_replicas_acked_ > 0) commands.push_back(wait_command());
    auto r = connection_->pipeline(commands);
    if (!r) spdlog::warn("store: redis: {}", connection_->last_error());
    if (!r) return r.error();
    return min_replicas_acked_ > 0 ? replicas_acked(r->back().get()) : result<void>{};
  }
  std::vector<std::vector<std::string>> commands{{"MULTI"}, ops_.eval(), {"EXEC"}};
  // The primary has the commit once EXEC answers; a failover loses it unless replicas have it.
  if (min_replicas_acked_ > 0) commands.push_back(wait_command());
  auto replies = connection_->pipeline(commands);
  begin();
  if (!replies) {
    spdlog::warn("store: redis commit failed: {}", connection_->last_error());
    return replies.error();
  }
  const redisReply* exec = (*replies)[2].get();
  if (exec->type == REDIS_REPLY_NIL) return make_error_code(errc::store_conflict);
  if (exec->type != REDIS_REPLY_ARRAY || exec->elements != 1 ||
      exec->element[0]->type == REDIS_REPLY_ERROR) {
    spdlog::error("store: redis commit script failed: {}",
                  exec->type == REDIS_REPLY_ARRAY && exec->elements == 1
                      ? std::string(text(exec->element[0]))
                      : std::string("unexpected reply"));
    return redis::unavailable();
  }
  return min_replicas_acked_ > 0 ? replicas_acked((*replies)[3].get()) : result<void>{};
}

std::vector<std::string> RedisWriter::wait_command() const {
  return {"WAIT", std::to_string(min_replicas_acked_), std::to_string(replicas_ack_timeout_ms_)};
}

result<void> RedisWriter::replicas_acked(const redisReply* wait) const {
  if (wait->integer >= min_replicas_acked_) return {};
  log_limited(spdlog::level::warn, "store redis replicas",
              "store: {} of {} replica(s) acknowledged a commit within {} ms: answered 503",
              wait->integer, min_replicas_acked_, replicas_ack_timeout_ms_);
  return make_error_code(errc::replicas_behind);
}

void RedisWriter::rollback() {
  begin();
  (void)connection_->command({"UNWATCH"});
}

result<bool> RedisWriter::remember_delivery(std::string_view dedup_key, TimePoint expires_at) {
  if (seen_.contains(dedup_key)) return false;
  const auto k = key("seen", dedup_key);
  if (auto known = known_deliveries_.find(dedup_key); known != known_deliveries_.end()) {
    if (known->second) return false;
  } else {
    auto r = connection_->pipeline({{"WATCH", k}, {"EXISTS", k}});
    if (!r) return {boost::system::in_place_error, r.error()};
    if ((*r)[1]->integer == 1) return false;
  }
  seen_.emplace(dedup_key);
  ops_.redelivery_key(k, ms_until(expires_at));
  return true;
}

result<std::optional<core::CallState>> RedisWriter::load_call(std::string_view id) {
  if (auto it = calls_.find(id); it != calls_.end())
    return std::optional<core::CallState>{it->second.state};
  if (auto it = known_calls_.find(id); it != known_calls_.end()) return it->second;
  const auto k = key("call", id);
  auto r = connection_->pipeline({{"WATCH", k}, {"GET", k}});
  if (!r) return r.error();
  return parse_call((*r)[1].get());
}

result<std::optional<core::CallState>> RedisWriter::find_live_call(std::string_view source,
                                                                   std::string_view match_key) {
  const std::string index = std::string(source) + '\x1f' + std::string(match_key);
  const auto k = key("match", index);
  auto r = connection_->pipeline({{"WATCH", k}, {"ZREVRANGE", k, "0", "0"}});
  if (!r) return r.error();
  std::optional<core::CallState> newest;
  const redisReply* ids = (*r)[1].get();
  if (ids->elements > 0) {
    auto stored = load_call(text(ids->element[0]));
    if (!stored) return stored.error();
    if (*stored && !(*stored)->ended()) newest = std::move(*stored);
  }
  // This transaction's own writes count too: a call started or ended earlier in the batch.
  for (const auto& [id, b] : calls_) {
    if (match_index(b.state) != index) continue;
    if (b.state.ended()) {
      if (newest && newest->id == id) newest.reset();
    } else if (!newest || b.state.created_at > newest->created_at) {
      newest = b.state;
    }
  }
  return newest;
}

result<void> RedisWriter::save_call(const core::CallState& s, TimePoint expires_at) {
  const auto match = match_index(s);
  ops_.call(s, key("call", s.id), match.empty() ? std::string() : key("match", match),
            ms_until(expires_at));
  calls_.insert_or_assign(s.id, Buffered{s, expires_at});
  return {};
}

result<std::int64_t> RedisWriter::append_outbox(const core::Emission& e, TimePoint at) {
  ops_.outbox_row({0, at, e.call_id, std::string(core::to_string(e.type)), e.idempotency_key,
                   e.body, "", e.source, e.identity.connector_id, e.identity.owner_id});
  return std::int64_t{0};  // the seq is assigned inside the commit script
}

result<void> RedisWriter::append_call_log(std::string_view call_id, const store::CallLogEntry& e,
                                          TimePoint expires_at) {
  // "q":-1 is replaced inside the commit script by the seq of the outbox row appended last.
  const bool last_seq = e.kind == store::CallLogEntry::Kind::emitted && e.seq == 0;
  ops_.log_entry(key("log", call_id), call_log_json(e, last_seq ? -1 : e.seq), ms_until(expires_at),
                 store::kCallLogSize);
  return {};
}

result<void> RedisWriter::purge(TimePoint, TimePoint outbox_before) {
  // Calls and redelivery keys expire by themselves.
  return store_.trim(outbox_before);
}

result<void> RedisWriter::probe_write(TimePoint now) {
  // A write, so that a Redis that refuses writes (MISCONF after a failed save, a full disk
  // under appendfsync) is not ready, as its commits would fail.
  auto r = connection_->command(
      {"SET", key("heartbeat", ""), std::to_string(to_unix_ms(now)), "PX", "60000"});
  if (!r) return r.error();
  return {};
}

}  // namespace callgate::store
