#pragma once

#include <callgate/store/store.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "redis_codec.hpp"

namespace callgate::store {

template <class Connection>
class Pool;

namespace redis {
class Connection;
struct Endpoint;
/** The endpoint store.url names, with the config's timeouts; throws on a bad URL (startup). */
Endpoint endpoint_of(const StoreConfig& config);
}  // namespace redis

/**
 * State shared by every replica, in Redis. The committer's read–decide–write is optimistic: every
 * key it reads is WATCHed, its writes are buffered, and commit() applies them in one MULTI/EXEC
 * running one Lua script (state, redelivery keys, outbox rows, redis_stream sinks together).
 * If another replica changed a watched key, commit() fails with store_conflict and the committer
 * decides again on fresh state. Keys (after key_prefix):
 *   call:<id>            call state JSON, expiring like the SQLite row would
 *   live                 sorted set of live call ids by creation time
 *   calls                sorted set of every kept call's id by creation time (history)
 *   match:<src>\x1f<key> live calls without a provider call id, for PBX matching
 *   seen:<key>           redelivery keys, expiring after their window
 *   outbox, outbox:seq   the outbox stream (entry id "<seq>-0") and its counter
 *   cursor:<sink>, dead:<sink>, sinks, dead-sinks, lease:<sink>
 *   requests, requests:seq  the request log (a sorted set by id) and its counter
 */
class RedisStore final : public Store {
 public:
  /** Connects lazily: a Redis that is down at startup makes requests 503, not the start fail. */
  explicit RedisStore(const StoreConfig& config);
  ~RedisStore() override;
  /** Throws (startup) when the prefix is the default and this Redis holds a deployment under the
   * older default only: starting afresh beside it would look like lost state. */
  void refuse_older_default_prefix();

  result<std::optional<core::CallState>> load_call(std::string_view id) override;
  result<std::int64_t> count_live_calls() override;
  result<std::vector<core::CallState>> calls_before(const store::CallCursor& from, std::size_t n,
                                                    bool live_only) override;
  result<std::vector<store::OutboxRow>> read_outbox(std::int64_t after_seq,
                                                    std::size_t limit) override;
  result<std::int64_t> last_outbox_seq() override;
  result<std::vector<store::OutboxRow>> outbox_before(std::int64_t before_seq,
                                                      std::size_t n) override;
  result<std::optional<store::SinkCursor>> load_cursor(std::string_view sink) override;
  result<std::vector<store::CallLogEntry>> call_log(std::string_view call_id) override;
  result<std::vector<store::DeadLetter>> list_dead_letters(
      std::string_view sink, std::size_t limit, const store::DeadLetterCursor& from) override;

  result<void> save_cursor(std::string_view sink, const store::SinkCursor& c) override;
  result<void> add_dead_letter(std::string_view sink, const store::DeadLetter& d) override;
  result<std::size_t> redeliver_dead_letters(std::string_view sink, std::int64_t seq,
                                             TimePoint now) override;
  result<void> record_attempts(
      const std::vector<std::pair<std::string, store::CallLogEntry>>& attempts,
      TimePoint expires_at) override;
  result<bool> hold_lease(std::string_view name, std::string_view holder,
                          std::chrono::milliseconds ttl) override;

  // The request log (redis_requests.cpp).
  result<void> append_requests(std::vector<store::StoredRequest>& records) override;
  result<std::vector<store::RequestRecord>> requests_before(std::int64_t before_id,
                                                            std::size_t n) override;
  result<std::optional<store::RequestRecord>> load_request(std::int64_t id) override;
  result<std::size_t> trim_requests(TimePoint before, std::size_t keep) override;

  /** Trims outbox entries every sink has taken, and live-index entries of expired calls (the
   * writer's purge; it needs no transaction, so it runs on the pool). */
  result<void> trim(TimePoint outbox_before);
  /** prefix + kind [+ ":" + rest]. */
  std::string key(std::string_view kind, std::string_view rest = {}) const;

 private:
  result<std::vector<store::OutboxRow>> xrange(const std::string& from, std::size_t count);

  std::string prefix_;
  std::unique_ptr<Pool<redis::Connection>> pool_;  // every thread's but the committer's
};

/** The committer's side: its own connection, the WATCHes and the buffered writes of the open
 * transaction. */
class RedisWriter final : public Writer {
 public:
  RedisWriter(const StoreConfig& config, RedisStore& store);
  ~RedisWriter() override;

  result<void> begin() override;
  result<void> commit() override;
  void rollback() override;
  result<void> prefetch(const std::vector<std::string>& delivery_keys,
                        const std::vector<std::string>& call_ids) override;
  bool shared() const override { return true; }
  bool reads_ahead() const override { return true; }
  result<bool> remember_delivery(std::string_view key, TimePoint expires_at) override;
  result<std::optional<core::CallState>> load_call(std::string_view id) override;
  result<std::optional<core::CallState>> find_live_call(std::string_view source,
                                                        std::string_view match_key) override;
  result<void> save_call(const core::CallState& s, TimePoint expires_at) override;
  result<std::int64_t> append_outbox(const core::Emission& e, TimePoint now) override;
  result<void> append_call_log(std::string_view call_id, const store::CallLogEntry& e,
                               TimePoint expires_at) override;
  result<void> purge(TimePoint now, TimePoint outbox_before) override;
  result<std::int64_t> count_live_calls() override { return store_.count_live_calls(); }
  result<void> probe_write(TimePoint now) override;

 private:
  struct Buffered {
    core::CallState state;
    TimePoint expires_at;
  };
  std::string key(std::string_view kind, std::string_view rest = {}) const {
    return store_.key(kind, rest);
  }
  std::vector<std::string> wait_command() const;
  /** errc::replicas_behind unless WAIT's reply counts min_replicas_acked_ replicas. */
  result<void> replicas_acked(const redisReply* wait) const;

  RedisStore& store_;
  int min_replicas_acked_ = 0;  ///< store.min_replicas_acked: WAIT after each commit
  int replicas_ack_timeout_ms_ = 0;
  std::unique_ptr<redis::Connection> connection_;  // the committer's own

  // The open transaction.
  std::map<std::string, Buffered, std::less<>> calls_;
  std::set<std::string, std::less<>> seen_;
  // Read ahead by prefetch (and WATCHed): whether a delivery key exists, a call's stored state.
  std::map<std::string, bool, std::less<>> known_deliveries_;
  std::map<std::string, std::optional<core::CallState>, std::less<>> known_calls_;
  redis::CommitOps ops_;  // the commit script's operations, in order
};

}  // namespace callgate::store
