// The request log's record in its stored and shown forms, and the one way a page of it is found.
#include <callgate/store/requests.hpp>
#include <nlohmann/json.hpp>

namespace callgate::store {
namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

bool matches(const RequestRecord& r, const RequestQuery& q) {
  return (q.source.empty() || r.source == q.source) &&
         (q.verdict.empty() || r.verdict == q.verdict) && (q.status == 0 || r.status == q.status) &&
         (!q.from || r.at >= *q.from) && (!q.to || r.at < *q.to) &&
         (q.text.empty() || r.body.find(q.text) != std::string::npos);
}

json headers_json(const HeaderList& h) {
  json out = json::array();
  for (const auto& [name, value] : h) out.push_back({name, value});
  return out;
}

HeaderList headers_from(const json& j) {
  HeaderList out;
  if (!j.is_array()) return out;
  for (const auto& pair : j)
    if (pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string())
      out.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
  return out;
}

// Bodies are mostly UTF-8 text; a byte that is not shows as U+FFFD rather than failing the dump.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

result<RequestPage> find_requests(RequestLog& log, const RequestQuery& q, std::size_t scan) {
  RequestPage page;
  std::int64_t before = q.before_id;
  std::size_t looked = 0;
  constexpr std::size_t kChunk = 500;
  while (page.requests.size() < q.limit && looked < scan) {
    auto chunk = log.requests_before(before, kChunk);
    if (!chunk) return chunk.error();
    for (auto& r : *chunk) {
      ++looked;
      before = r.id;
      if (matches(r, q)) page.requests.push_back(std::move(r));
      if (page.requests.size() == q.limit || looked == scan) break;
    }
    if (chunk->size() < kChunk && page.requests.size() < q.limit && looked < scan)
      return page;  // read to the oldest: there is no next page
  }
  page.next_before = before;
  return page;
}

std::string to_stored(const RequestRecord& r) {
  json events = json::array();
  for (const auto& e : r.events) events.push_back({e.call_id, e.event_type, e.idempotency_key});
  return dump({{"id", r.id},
               {"at", to_unix_ms(r.at)},
               {"source", r.source},
               {"method", r.method},
               {"target", r.target},
               {"remote", r.remote},
               {"status", r.status},
               {"verdict", r.verdict},
               {"reason", r.reason},
               {"eventType", r.event_type},
               {"latencyUs", r.latency_us},
               {"headers", headers_json(r.headers)},
               {"body", r.body},
               {"bodySize", r.body_size},
               {"diagnosis", r.diagnosis},
               {"events", events},
               {"replayOf", r.replay_of},
               {"replayable", r.replayable},
               {"sealedHeaders", headers_json(r.sealed_headers)},
               {"sealedQuery", r.sealed_query},
               {"sealedBody", r.sealed_body}});
}

std::optional<RequestRecord> from_stored(std::string_view text) {
  auto j = json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  RequestRecord r;
  r.id = j.value("id", std::int64_t{0});
  r.at = from_unix_ms(j.value("at", std::int64_t{0}));
  r.source = j.value("source", "");
  r.method = j.value("method", "");
  r.target = j.value("target", "");
  r.remote = j.value("remote", "");
  r.status = j.value("status", 0);
  r.verdict = j.value("verdict", "");
  r.reason = j.value("reason", "");
  r.event_type = j.value("eventType", "");
  r.latency_us = j.value("latencyUs", std::int64_t{0});
  r.headers = headers_from(j.value("headers", json()));
  r.body = j.value("body", "");
  r.body_size = j.value("bodySize", std::int64_t{0});
  r.diagnosis = j.value("diagnosis", "");
  for (const auto& e : j.value("events", json::array()))
    if (e.is_array() && e.size() == 3)
      r.events.push_back({e[0].get<std::string>(), e[1].get<std::string>(),
                          e[2].get<std::string>()});
  r.replay_of = j.value("replayOf", std::int64_t{0});
  r.replayable = j.value("replayable", false);
  r.sealed_headers = headers_from(j.value("sealedHeaders", json()));
  r.sealed_query = j.value("sealedQuery", "");
  r.sealed_body = j.value("sealedBody", "");
  return r;
}

ojson request_json(const RequestRecord& r, bool body) {
  ojson headers = ojson::array();
  for (const auto& [name, value] : r.headers) headers.push_back({{"name", name}, {"value", value}});
  ojson events = ojson::array();
  for (const auto& e : r.events)
    events.push_back(
        {{"callId", e.call_id}, {"eventType", e.event_type}, {"idempotencyKey", e.idempotency_key}});
  ojson out{{"id", r.id},
            {"at", format_iso8601(r.at)},
            {"source", r.source},
            {"method", r.method},
            {"target", r.target},
            {"remote", r.remote},
            {"status", r.status},
            {"verdict", r.verdict},
            {"reason", r.reason.empty() ? ojson(nullptr) : ojson(r.reason)},
            {"eventType", r.event_type.empty() ? ojson(nullptr) : ojson(r.event_type)},
            {"latencyMs", static_cast<double>(r.latency_us) / 1000.0},
            {"bodySize", r.body_size},
            {"replayOf", r.replay_of == 0 ? ojson(nullptr) : ojson(r.replay_of)},
            {"events", events}};
  if (!r.diagnosis.empty()) out["diagnosis"] = ojson::parse(r.diagnosis, nullptr, false);
  if (!body) return out;
  out["headers"] = headers;
  out["body"] = r.body;
  out["bodyTruncated"] = static_cast<std::int64_t>(r.body.size()) < r.body_size;
  out["replayable"] = r.replayable;
  return out;
}

}  // namespace callgate::store
