// What the admin API shows and does about delivery: a sink's recent attempts and what waits for a
// retry (GET /admin/deliveries), retry now (POST /admin/deliveries/retry), dead letters and their
// redelivery, and sending any event to one sink again (POST /admin/events/resend).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <callgate/http/admin_router.hpp>
#include <callgate/store/store.hpp>
#include <charconv>
#include <nlohmann/json.hpp>

namespace callgate::http {
namespace {

using json = nlohmann::ordered_json;

json time_or_null(const std::optional<TimePoint>& t) {
  return t ? json(format_iso8601(*t)) : json(nullptr);
}

const char* result_name(outbox::Attempt::Result r) {
  switch (r) {
    case outbox::Attempt::Result::delivered:
      return "delivered";
    case outbox::Attempt::Result::retry:
      return "retry";
    case outbox::Attempt::Result::dead:
      return "dead letter";
  }
  return "";
}

json attempt_json(const outbox::AttemptRecord& a) {
  return {{"at", format_iso8601(a.at)},
          {"seq", a.seq},
          {"callId", a.call_id},
          {"eventType", a.event_type},
          {"idempotencyKey", a.idempotency_key},
          {"attempt", a.number},
          {"result", result_name(a.attempt.result)},
          {"status", a.attempt.status == 0 ? json(nullptr) : json(a.attempt.status)},
          {"latencyMs", a.attempt.latency.count()},
          {"error", a.attempt.reason},
          {"response", a.attempt.response},
          {"nextAttemptAt", time_or_null(a.next_at)}};
}

}  // namespace

std::optional<Response> AdminRouter::unknown_sink(const std::string& sink, unsigned v) const {
  if (sink.empty())
    return admin_error(bhttp::status::bad_request, v, "sink is required: ?sink=NAME");
  if (std::find(sinks_.begin(), sinks_.end(), sink) == sinks_.end())
    return admin_error(bhttp::status::not_found, v, "no sink named '" + sink + "'");
  return std::nullopt;
}

Response AdminRouter::deliveries(const Query& q, unsigned v) {
  const auto sink = q.get("sink");
  if (auto bad = unknown_sink(sink, v)) return std::move(*bad);
  const auto activity = hooks_.sink_activity ? hooks_.sink_activity(sink) : std::nullopt;
  if (!activity)
    return admin_error(bhttp::status::not_found, v, "sink '" + sink + "' does not run here");
  json attempts = json::array();
  for (const auto& a : activity->attempts) attempts.push_back(attempt_json(a));
  json failures = json::array();
  for (const auto& a : activity->failures) failures.push_back(attempt_json(a));
  json waiting = json::array();
  for (const auto& w : activity->waiting)
    waiting.push_back({{"seq", w.seq},
                       {"callId", w.call_id},
                       {"eventType", w.event_type},
                       {"idempotencyKey", w.idempotency_key},
                       {"attempts", w.attempts},
                       {"nextAttemptAt", format_iso8601(w.next_at)},
                       {"error", w.last_error}});
  return json_response(
      bhttp::status::ok, v,
      json{{"sink", sink},
           {"lag", metrics_.value("callgate_sink_lag_events", {{"sink", sink}})},
           {"delivered", metrics_.value("callgate_sink_delivered_total", {{"sink", sink}})},
           {"failures", metrics_.value("callgate_sink_failures_total", {{"sink", sink}})},
           {"failingSince", time_or_null(activity->failing_since)},
           {"lastDelivered", time_or_null(activity->last_delivered)},
           {"nextAttemptAt", time_or_null(activity->next_attempt_at)},
           {"pending", activity->pending},
           {"waiting", std::move(waiting)},
           {"attempts", std::move(attempts)},
           {"failedAttempts", std::move(failures)}}
          .dump());
}

Response AdminRouter::retry(const Query& q, unsigned v) {
  const auto sink = q.get("sink");
  if (auto bad = unknown_sink(sink, v)) return std::move(*bad);
  if (!hooks_.retry_sink || !hooks_.retry_sink(sink))
    return admin_error(bhttp::status::not_found, v, "sink '" + sink + "' does not run here");
  spdlog::info("admin: sink {} retries what waits, now", sink);
  return json_response(bhttp::status::accepted, v, json{{"retrying", sink}}.dump());
}

Response AdminRouter::resend(const Query& q, unsigned v) {
  const auto sink = q.get("sink");
  if (auto bad = unknown_sink(sink, v)) return std::move(*bad);
  const auto seq = q.whole("seq", 0);
  if (!seq || *seq <= 0)
    return admin_error(bhttp::status::bad_request, v,
                       "seq must be an event's seq (a whole number)");
  auto sent = store::resend_event(store_, sink, *seq, now());
  if (!sent) return error_response(errc::store_unavailable, v);
  if (!*sent)
    return admin_error(bhttp::status::not_found, v,
                       "no event " + std::to_string(*seq) + " in the outbox (purged, or never)");
  spdlog::info("admin: event {} queued again for sink {}", *seq, sink);
  if (hooks_.wake_sinks) hooks_.wake_sinks();
  return json_response(bhttp::status::ok, v, json{{"resent", *seq}, {"sink", sink}}.dump());
}

Response AdminRouter::dead_letters(const Query& q, unsigned v) {
  // The cursor is the last row's "<seq>:<sink>" (the previous page's `next`).
  store::DeadLetterCursor from;
  if (const auto cursor = q.get("cursor"); !cursor.empty()) {
    const auto colon = cursor.find(':');
    const auto [end, ec] = std::from_chars(cursor.data(), cursor.data() + cursor.size(), from.seq);
    if (ec != std::errc{} || colon == std::string::npos || end != cursor.data() + colon)
      return admin_error(bhttp::status::bad_request, v,
                         "cursor must be a previous page's next (\"<seq>:<sink>\")");
    from.sink = cursor.substr(colon + 1);
  }
  const auto limit = std::max<std::size_t>(1, q.limit(kMaxLimit));
  auto dead = store_.list_dead_letters(q.get("sink"), limit, from);
  if (!dead) return error_response(errc::store_unavailable, v);
  json out = json::array();
  for (const auto& d : *dead) {
    auto j = store::row_json(d.row);
    j["sink"] = d.sink;
    j["reason"] = d.reason;
    j["attempts"] = d.attempts;
    j["deadAt"] = format_iso8601(d.at);
    out.push_back(std::move(j));
  }
  const auto next = dead->size() < limit
                        ? json(nullptr)
                        : json(std::to_string(dead->back().row.seq) + ":" + dead->back().sink);
  return json_response(bhttp::status::ok, v, json{{"deadLetters", out}, {"next", next}}.dump());
}

Response AdminRouter::redeliver(const Query& q, unsigned v) {
  const auto sink = q.get("sink");
  if (auto bad = unknown_sink(sink, v)) return std::move(*bad);
  const auto seq = q.whole("seq", 0);
  if (!seq)
    return admin_error(bhttp::status::bad_request, v,
                       "seq must be a whole number (a dead letter's seq; 0 or none: all)");
  auto moved = store_.redeliver_dead_letters(sink, *seq, now());
  if (!moved) return error_response(errc::store_unavailable, v);
  spdlog::info("admin: {} dead letter(s) of sink {} queued for delivery again", *moved, sink);
  hooks_.wake_sinks();
  return json_response(bhttp::status::ok, v, json{{"redelivered", *moved}}.dump());
}

}  // namespace callgate::http
