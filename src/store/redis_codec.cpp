#include "redis_codec.hpp"

#include <charconv>

#include "redis_scripts.hpp"

namespace callgate::store::redis {

boost::system::error_code unavailable() { return make_error_code(errc::store_unavailable); }

std::string ms(std::chrono::milliseconds d) {
  return std::to_string(std::max<std::int64_t>(d.count(), 1));
}

std::int64_t to_int(std::string_view s) {
  std::int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

result<std::optional<core::CallState>> parse_call(const redisReply* r) {
  if (r->type == REDIS_REPLY_NIL) return std::optional<core::CallState>{};
  auto j = nlohmann::json::parse(text(r), nullptr, false);
  auto state = core::call_state_from_json(j);
  // A corrupt value: fail loudly rather than invent a call (the committer names the call).
  if (!state) return make_error_code(errc::corrupt_state);
  return std::optional<core::CallState>{std::move(*state)};
}

// One stream entry [id, [field, value, ...]] as an outbox row.
store::OutboxRow row_from(const redisReply* entry) {
  store::OutboxRow row;
  const auto id = text(entry->element[0]);
  row.seq = to_int(id.substr(0, id.find('-')));
  const redisReply* fields = entry->element[1];
  for (std::size_t i = 0; i + 1 < fields->elements; i += 2) {
    const auto name = text(fields->element[i]);
    const auto value = std::string(text(fields->element[i + 1]));
    if (name == "call")
      row.call_id = value;
    else if (name == "type")
      row.event_type = value;
    else if (name == "key")
      row.idempotency_key = value;
    else if (name == "body")
      row.body = value;
    else if (name == "at")
      row.created_at = from_unix_ms(to_int(value));
    else if (name == "sink")
      row.sink = value;
    else if (name == "source")
      row.source = value;
    else if (name == "connector")
      row.connector_id = value;
    else if (name == "owner")
      row.owner_id = value;
  }
  return row;
}

nlohmann::json dead_letter_json(const store::DeadLetter& d) {
  const auto& r = d.row;
  return {{"seq", r.seq},
          {"created_at", to_unix_ms(r.created_at)},
          {"call", r.call_id},
          {"type", r.event_type},
          {"key", r.idempotency_key},
          {"body", r.body},
          {"sink", r.sink},
          {"source", r.source},
          {"connector", r.connector_id},
          {"owner", r.owner_id},
          {"reason", d.reason},
          {"attempts", d.attempts},
          {"at", to_unix_ms(d.at)}};
}

std::optional<store::DeadLetter> dead_letter_from(std::string_view text_value,
                                                  std::string_view sink) {
  auto j = nlohmann::json::parse(text_value, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  store::DeadLetter d;
  d.row = {j.value("seq", std::int64_t{0}),
           from_unix_ms(j.value("created_at", std::int64_t{0})),
           j.value("call", ""),
           j.value("type", ""),
           j.value("key", ""),
           j.value("body", ""),
           j.value("sink", ""),
           j.value("source", ""),
           j.value("connector", ""),
           j.value("owner", "")};
  d.reason = j.value("reason", "");
  d.attempts = j.value("attempts", 0);
  d.at = from_unix_ms(j.value("at", std::int64_t{0}));
  d.sink = sink;
  return d;
}

CommitOps::CommitOps(std::string_view prefix, const Streams& streams) {
  const std::string p(prefix);
  keys_ = {p + "outbox:seq", p + "outbox", p + "live", p + "calls"};
  args_ = {std::to_string(streams.size())};
  for (const auto& [stream, maxlen] : streams) {
    keys_.push_back(stream);
    args_.push_back(std::to_string(maxlen));
  }
  fixed_keys_ = keys_.size();
  fixed_args_ = args_.size();
}

std::string CommitOps::ref(std::string key) {
  keys_.push_back(std::move(key));
  return std::to_string(keys_.size());
}

void CommitOps::redelivery_key(std::string key, std::int64_t ttl_ms) {
  args_.insert(args_.end(), {"D", ref(std::move(key)), std::to_string(ttl_ms)});
}

void CommitOps::call(const core::CallState& s, std::string key, std::string match_key,
                     std::int64_t ttl_ms) {
  const auto k = ref(std::move(key));
  const auto match = match_key.empty() ? std::string("0") : ref(std::move(match_key));
  args_.insert(args_.end(), {"C", s.id, k, match, core::to_json(s).dump(), std::to_string(ttl_ms),
                             s.ended() ? "0" : "1", std::to_string(to_unix_ms(s.created_at))});
}

void CommitOps::outbox_row(const store::OutboxRow& r) {
  args_.insert(args_.end(), {"O", r.call_id, r.event_type, r.idempotency_key, r.body,
                             std::to_string(to_unix_ms(r.created_at)), r.sink, r.source,
                             r.connector_id, r.owner_id});
}

void CommitOps::log_entry(std::string key, std::string entry, std::int64_t ttl_ms,
                          std::size_t max) {
  args_.insert(args_.end(), {"L", ref(std::move(key)), std::move(entry), std::to_string(ttl_ms),
                             std::to_string(max)});
}

void CommitOps::clear() {
  keys_.resize(fixed_keys_);
  args_.resize(fixed_args_);
}

std::vector<std::string> CommitOps::eval() const {
  std::vector<std::string> out{"EVAL", std::string(kCommitScript), std::to_string(keys_.size())};
  out.reserve(out.size() + keys_.size() + args_.size());
  out.insert(out.end(), keys_.begin(), keys_.end());
  out.insert(out.end(), args_.begin(), args_.end());
  return out;
}

std::string call_log_json(const store::CallLogEntry& e, std::int64_t seq) {
  const nlohmann::json entry = {{"k", static_cast<int>(e.kind)},
                                {"a", to_unix_ms(e.at)},
                                {"e", to_unix_ms(e.event_time)},
                                {"s", e.source},
                                {"t", e.event_type},
                                {"i", e.key},
                                {"q", seq},
                                {"x", e.detail}};
  return entry.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace callgate::store::redis
