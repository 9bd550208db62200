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
/** The commit script's arguments for one outbox row (operation "O"). */
void push_outbox_op(std::vector<std::string>& args, const store::OutboxRow& r);
/** A call-log entry as the Redis list keeps it; seq replaces e.seq (-1: filled in by the
 * commit script). */
std::string call_log_json(const store::CallLogEntry& e, std::int64_t seq);

}  // namespace callgate::store::redis
