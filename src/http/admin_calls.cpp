// GET /admin/calls (live calls, or history: ended ones too; searchable by number, id, source,
// status, direction and time; newest first, by cursor) and GET /admin/calls/<id> (one call's
// timeline: every provider event received, every unified event emitted and where each sink has
// got with it, every failed delivery attempt).
#include <callgate/core/correlate.hpp>
#include <callgate/core/numbers.hpp>
#include <callgate/http/admin_router.hpp>
#include <callgate/store/store.hpp>
#include <charconv>
#include <map>
#include <nlohmann/json.hpp>

namespace callgate::http {
namespace {

using json = nlohmann::ordered_json;

constexpr std::size_t kMaxScan = 20000;  // calls a page looks through at most

/** A call by its id, or by a number it has, however the search writes it: some of its digits,
 * or any form that reads as the same E.164 number in the region of the call's source
 * ("0301234567" finds +49301234567 from a source in DE; "011 44 20 7946 0958" from one in US). */
bool matches(const core::CallState& c, const std::string& q, const std::string& wanted,
             const AdminRouter::Regions& regions) {
  if (q.empty() || c.id.starts_with(q)) return true;
  if (wanted.empty()) return false;
  const auto& ext = c.external_number.value;
  const auto& in = c.internal_number.value;
  if (core::digits_of(ext).find(wanted) != std::string::npos ||
      core::digits_of(in).find(wanted) != std::string::npos)
    return true;
  const auto region = regions.find(c.source);
  const auto read = core::read_number(q, region == regions.end() ? "" : region->second);
  return read.kind == core::NumberReading::Kind::e164 && (read.text == ext || read.text == in);
}

json call_json(const core::CallState& c) {
  return {{"id", c.id},
          {"source", c.source},
          {"createdAt", format_iso8601(c.created_at)},
          {"fields", json::parse(core::unified_fields(c).dump())}};
}

/** The call's transcript as its latest event carried it (Morph's fields, id, complete), or null
 * while it has no text. */
json transcript_json(const core::CallState& c) {
  if (!core::announced(c.transcript.get())) return nullptr;
  const auto& t = *c.transcript;
  return {{"id", t.id},
          {"complete", t.complete},
          {"updatedAt", format_iso8601(t.updated_at)},
          {"warnings", t.warnings},
          {"fields", core::transcript_fields(t, core::call_start(c))}};
}

std::string_view kind_name(store::CallLogEntry::Kind k) {
  switch (k) {
    case store::CallLogEntry::Kind::received:
      return "received";
    case store::CallLogEntry::Kind::duplicate:
      return "duplicate";
    case store::CallLogEntry::Kind::emitted:
      return "emitted";
    case store::CallLogEntry::Kind::attempt:
      return "attempt";
  }
  return "received";
}

/** Where one sink has got: its cursor, and its dead letters of this call by idempotency key. */
struct SinkView {
  std::int64_t cursor = 0;
  std::map<std::string, store::DeadLetter, std::less<>> dead;
};

json entry_json(const store::CallLogEntry& e, const std::map<std::string, SinkView>& sinks) {
  if (e.kind == store::CallLogEntry::Kind::attempt)  // one delivery attempt and its outcome
    return {{"kind", "attempt"},      {"at", format_iso8601(e.at)}, {"sink", e.source},
            {"status", e.event_type}, {"idempotencyKey", e.key},    {"seq", e.seq},
            {"error", e.detail}};
  json j = {{"kind", kind_name(e.kind)},
            {"at", format_iso8601(e.at)},
            {"source", e.source},
            {"eventType", e.event_type}};
  if (e.kind != store::CallLogEntry::Kind::emitted) {
    j["eventTime"] = format_iso8601(e.event_time);
    return j;
  }
  j["idempotencyKey"] = e.key;
  j["seq"] = e.seq;
  json deliveries = json::array();
  for (const auto& [name, view] : sinks) {
    json d = {{"sink", name}};
    if (auto dead = view.dead.find(e.key); dead != view.dead.end()) {
      d["status"] = "dead letter";
      d["attempts"] = dead->second.attempts;
      d["error"] = dead->second.reason;
    } else {
      d["status"] = e.seq > 0 && view.cursor >= e.seq ? "delivered" : "pending";
    }
    deliveries.push_back(std::move(d));
  }
  j["deliveries"] = std::move(deliveries);
  return j;
}

}  // namespace

Response AdminRouter::calls(const Query& q, unsigned v) {
  const auto state = q.get("state", "live");
  if (state != "live" && state != "ended" && state != "all")
    return admin_error(bhttp::status::bad_request, v, "state must be live, ended or all");
  // The cursor is the previous page's `next`: "<created ms>:<id>".
  store::CallCursor cursor;
  if (const auto before = q.get("before"); !before.empty()) {
    const auto colon = before.find(':');
    const auto [end, ec] =
        std::from_chars(before.data(), before.data() + before.size(), cursor.created_ms);
    if (ec != std::errc{} || colon == std::string::npos || end != before.data() + colon)
      return admin_error(bhttp::status::bad_request, v,
                         "before must be a previous page's next (\"<ms>:<id>\")");
    cursor.id = before.substr(colon + 1);
  }
  std::optional<TimePoint> since, until;
  if (auto bad = read_times(q, {"since", &since}, {"until", &until}, v)) return std::move(*bad);
  const auto search = q.get("q"), source = q.get("source"), status = q.get("status"),
             direction = q.get("direction");
  const auto wanted = core::digits_of(search);
  const auto page = std::max<std::size_t>(1, q.limit(kMaxLimit));
  auto live = store_.count_live_calls();
  if (!live) return error_response(errc::store_unavailable, v);

  json out = json::array();
  std::size_t looked = 0;
  bool more = true;
  while (more && out.size() < page && looked < kMaxScan) {
    auto chunk = store_.calls_before(cursor, 500, state == "live");
    if (!chunk) return error_response(errc::store_unavailable, v);
    more = chunk->size() == 500;
    for (const auto& c : *chunk) {
      ++looked;
      cursor = {to_unix_ms(c.created_at), c.id};
      if (since && c.created_at < *since) {  // newest first: nothing older can match
        more = false;
        break;
      }
      const bool fits = (state != "ended" || c.ended()) && (!until || c.created_at < *until) &&
                        (source.empty() || c.source == source) &&
                        (direction.empty() || to_string(c.direction.value) == direction) &&
                        (status.empty() || core::unified_fields(c)["status"] == status) &&
                        matches(c, search, wanted, regions_);
      if (fits) out.push_back(call_json(c));
      if (out.size() == page || looked == kMaxScan) break;
    }
    if (out.size() == page || looked == kMaxScan) more = true;
  }
  const auto next =
      more ? json(std::to_string(cursor.created_ms) + ":" + cursor.id) : json(nullptr);
  return json_response(bhttp::status::ok, v,
                       json{{"calls", out}, {"next", next}, {"liveCalls", *live}}.dump(
                           -1, ' ', false, json::error_handler_t::replace));
}

Response AdminRouter::timeline(const Query& q, unsigned v) {
  const std::string_view id =
      std::string_view(q.path).substr(std::string_view("/admin/calls/").size());
  auto state = store_.load_call(id);
  auto log = store_.call_log(id);
  if (!state || !log) return error_response(errc::store_unavailable, v);
  if (!*state && log->empty())
    return admin_error(bhttp::status::not_found, v, "no call '" + std::string(id) + "' is kept");
  std::map<std::string, SinkView> sinks;
  for (const auto& name : sinks_) {
    auto c = store_.load_cursor(name);
    auto dead = store_.list_dead_letters(name, kMaxLimit);
    if (!c || !dead) return error_response(errc::store_unavailable, v);
    auto& view = sinks[name];
    view.cursor = *c ? (*c)->seq : 0;
    for (auto& d : *dead)
      if (d.row.call_id == id) view.dead.emplace(d.row.idempotency_key, std::move(d));
  }
  json entries = json::array();
  for (const auto& e : *log) entries.push_back(entry_json(e, sinks));
  return json_response(bhttp::status::ok, v,
                       json{{"call", *state ? call_json(**state) : json(nullptr)},
                            {"transcript", *state ? transcript_json(**state) : json(nullptr)},
                            {"timeline", entries}}
                           .dump(-1, ' ', false, json::error_handler_t::replace));
}

}  // namespace callgate::http
