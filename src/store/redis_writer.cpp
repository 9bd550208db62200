#include <spdlog/spdlog.h>

#include <callgate/redact.hpp>
#include <charconv>
#include <limits>

#include "redis_codec.hpp"
#include "redis_connection.hpp"
#include "redis_scripts.hpp"
#include "redis_store.hpp"

namespace callgate::store {
namespace {

using namespace redis;

// A call without a provider call id is found again by its match key while it is live.
std::string match_index(const core::CallState& s) {
  if (!s.call_key.empty() || s.match_key.empty()) return {};
  return s.source + '\x1f' + s.match_key;
}

}  // namespace

RedisWriter::RedisWriter(const StoreConfig& config, RedisStore& store) : store_(store) {
  connection_ = std::make_unique<redis::Connection>(redis::endpoint_of(config));
  for (const auto& s : config.streams) streams_.emplace_back(s.stream, s.maxlen);
}

RedisWriter::~RedisWriter() = default;

// --- the committer's transaction -------------------------------------------------------------

result<void> RedisWriter::begin() {
  calls_.clear();
  seen_.clear();
  known_deliveries_.clear();
  known_calls_.clear();
  script_args_.clear();
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
  if (script_args_.empty()) {
    // Nothing to write (redeliveries only, or a readiness probe): still prove Redis answers.
    auto r = connection_->command({"UNWATCH"});
    if (!r) spdlog::warn("store: redis: {}", connection_->last_error());
    return r ? result<void>{} : result<void>{r.error()};
  }
  std::vector<std::string> eval{"EVAL", std::string(redis::kCommitScript), "0", store_.key(""),
                                std::to_string(streams_.size())};
  for (const auto& [stream, maxlen] : streams_) {
    eval.push_back(stream);
    eval.push_back(std::to_string(maxlen));
  }
  eval.insert(eval.end(), script_args_.begin(), script_args_.end());
  auto replies = connection_->pipeline({{"MULTI"}, eval, {"EXEC"}});
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
    return unavailable();
  }
  return {};
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
  const auto ttl = expires_at - now();
  script_args_.insert(
      script_args_.end(),
      {"D", k, std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(ttl).count())});
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
  const auto ttl = std::chrono::duration_cast<std::chrono::milliseconds>(expires_at - now());
  script_args_.insert(
      script_args_.end(),
      {"C", s.id, core::to_json(s).dump(), std::to_string(ttl.count()), s.ended() ? "0" : "1",
       std::to_string(to_unix_ms(s.created_at)), match_index(s)});
  calls_.insert_or_assign(s.id, Buffered{s, expires_at});
  return {};
}

result<std::int64_t> RedisWriter::append_outbox(const core::Emission& e, TimePoint at) {
  push_outbox_op(script_args_,
                 {0, at, e.call_id, std::string(core::to_string(e.type)), e.idempotency_key, e.body,
                  "", e.source, e.identity.connector_id, e.identity.owner_id});
  return std::int64_t{0};  // the seq is assigned inside the commit script
}

result<void> RedisWriter::append_call_log(std::string_view call_id, const store::CallLogEntry& e,
                                          TimePoint expires_at) {
  const auto ttl = std::chrono::duration_cast<std::chrono::milliseconds>(expires_at - now());
  // "q":-1 is replaced inside the commit script by the seq of the outbox row appended last.
  const bool last_seq = e.kind == store::CallLogEntry::Kind::emitted && e.seq == 0;
  script_args_.insert(script_args_.end(),
                      {"L", std::string(call_id), call_log_json(e, last_seq ? -1 : e.seq),
                       std::to_string(ttl.count()), std::to_string(store::kCallLogSize)});
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
