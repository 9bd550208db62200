#include "redis_codec.hpp"

#include <charconv>

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

// The commit script's arguments for one outbox row.
void push_outbox_op(std::vector<std::string>& args, const store::OutboxRow& r) {
  args.insert(args.end(), {"O", r.call_id, r.event_type, r.idempotency_key, r.body,
                           std::to_string(to_unix_ms(r.created_at)), r.sink, r.source,
                           r.connector_id, r.owner_id});
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
