#pragma once
// How the Redis store's values look: call states, outbox stream entries, dead letters, and the
// commit script's operations. Internal to the Redis store.

#include <hiredis/hiredis.h>

#include <callgate/core/call_state.hpp>
#include <callgate/error.hpp>
#include <callgate/store/rows.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "redis_connection.hpp"

namespace callgate::store::redis {

boost::system::error_code unavailable();
/** Milliseconds as Redis takes them for PX (at least 1: 0 or less would be an error). */
std::string ms(std::chrono::milliseconds d);
std::int64_t to_int(std::string_view s);
/** A GET reply as a call state; nil is "no such call", anything unreadable is an error. */
result<std::optional<core::CallState>> parse_call(const redisReply* r);
/** One stream entry [id, [field, value, ...]] as an outbox row. */
store::OutboxRow row_from(const redisReply* entry);
nlohmann::json dead_letter_json(const store::DeadLetter& d);
std::optional<store::DeadLetter> dead_letter_from(std::string_view text_value,
                                                  std::string_view sink);
/** The commit script's (kCommitScript) KEYS and ARGV, built operation by operation: every key
 * an operation touches goes into KEYS, which Redis Cluster requires. */
class CommitOps {
 public:
  using Streams = std::vector<std::pair<std::string, std::int64_t>>;  ///< name, maxlen
  /** prefix: the store's key prefix (its hash tag included). */
  CommitOps(std::string_view prefix, const Streams& streams);

  void redelivery_key(std::string key, std::int64_t ttl_ms);
  /** match_key: the live call's match index key, empty for none. */
  void call(const core::CallState& s, std::string key, std::string match_key, std::int64_t ttl_ms);
  void outbox_row(const store::OutboxRow& r);
  void log_entry(std::string key, std::string entry, std::int64_t ttl_ms, std::size_t max);

  bool empty() const { return args_.size() == fixed_args_; }
  /** Drops the operations (the fixed keys stay). */
  void clear();
  /** The EVAL command that applies them. */
  std::vector<std::string> eval() const;

 private:
  /** Appends key to KEYS; its index there, as the script reads it. */
  std::string ref(std::string key);

  std::vector<std::string> keys_, args_;
  std::size_t fixed_keys_ = 0, fixed_args_ = 0;
};
/** A call-log entry as the Redis list keeps it; seq replaces e.seq (-1: filled in by the
 * commit script). */
std::string call_log_json(const store::CallLogEntry& e, std::int64_t seq);

}  // namespace callgate::store::redis
