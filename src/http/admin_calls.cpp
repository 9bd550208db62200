// GET /admin/calls (live calls, searchable by number) and GET /admin/calls/<id> (one call's
// timeline: every provider event received, every unified event emitted and where each sink has
// got with it, every failed delivery attempt).
#include <callgate/core/correlate.hpp>
#include <callgate/core/numbers.hpp>
#include <callgate/http/admin_router.hpp>
#include <callgate/store/store.hpp>
#include <map>
#include <nlohmann/json.hpp>

namespace callgate::http {
namespace {

using json = nlohmann::ordered_json;

constexpr std::size_t kMaxScan = 20000;  // live calls a search looks through at most

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
  const auto search = q.get("q");
  const auto offset = q.whole("offset", 0);
  if (!offset) return admin_error(bhttp::status::bad_request, v, "offset must be a whole number");
  const auto page = q.limit(kMaxLimit);
  const auto skip = static_cast<std::size_t>(*offset);
  // A page needs only its own calls; a search looks through the newest kMaxScan.
  auto all = store_.list_live_calls(search.empty() ? skip + page : kMaxScan);
  auto live = store_.count_live_calls();
  if (!all || !live) return error_response(errc::store_unavailable, v);
  const auto wanted = core::digits_of(search);
  json out = json::array();
  std::size_t matched = 0;
  for (const auto& c : *all) {
    if (!matches(c, search, wanted, regions_)) continue;
    if (matched++ < skip || out.size() >= page) continue;
    out.push_back(call_json(c));
  }
  if (search.empty()) matched = static_cast<std::size_t>(*live);
  return json_response(
      bhttp::status::ok, v,
      json{{"calls", out}, {"matched", matched}, {"offset", skip}, {"liveCalls", *live}}.dump(
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
  return json_response(
      bhttp::status::ok, v,
      json{{"call", *state ? call_json(**state) : json(nullptr)}, {"timeline", entries}}.dump(
          -1, ' ', false, json::error_handler_t::replace));
}

}  // namespace callgate::http
