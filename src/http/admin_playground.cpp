// POST /admin/playground: pasted requests tried on a configured source, as `callgate provider
// test` tries them (adapters::try_requests): verdicts, observations and the unified events they
// would give. Nothing is stored, recorded or sent.
#include <callgate/adapters/trial.hpp>
#include <callgate/http/admin_router.hpp>
#include <nlohmann/json.hpp>

namespace callgate::http {
namespace {

using json = nlohmann::ordered_json;

/** One request of the playground's body: {method, query, headers: {name: value}, body}. */
std::optional<adapters::TrialRequest> trial_request(const json& j) {
  if (!j.is_object() || !j.contains("body") || !j["body"].is_string()) return std::nullopt;
  adapters::TrialRequest r;
  r.body = j["body"].get<std::string>();
  r.query = j.value("query", "");
  r.get = j.value("method", "POST") == "GET";
  if (const auto headers = j.value("headers", json::object()); headers.is_object()) {
    for (const auto& [name, value] : headers.items())
      if (value.is_string()) r.headers.emplace_back(name, value.get<std::string>());
  }
  return r;
}

json observation_json(const core::Observation& o) {
  json j{{"callKey", o.call_key},
         {"phase", to_string(o.phase)},
         {"direction", to_string(o.direction)},
         {"eventTime", format_iso8601(o.event_time)},
         {"externalNumber", o.external_number},
         {"internalNumber", o.internal_number}};
  j["warnings"] = o.warnings;
  return j;
}

}  // namespace

Response AdminRouter::playground(const Request& req) {
  const unsigned v = req.version();
  const auto in = json::parse(req.body(), nullptr, false);
  if (!in.is_object())
    return admin_error(bhttp::status::bad_request, v,
                       R"(send JSON: {"source": NAME, "headers": {...}, "body": TEXT})");
  const auto name = in.value("source", "");
  const auto source = sources_.find(name);
  if (source == sources_.end())
    return admin_error(bhttp::status::not_found, v, "no source named '" + name + "'");
  std::vector<adapters::TrialRequest> requests;
  for (const auto& item : in.contains("requests") ? in["requests"] : json::array({in})) {
    auto r = trial_request(item);
    if (!r)
      return admin_error(bhttp::status::bad_request, v,
                         "each request needs a \"body\" string (headers: an object of strings)");
    requests.push_back(std::move(*r));
  }
  TimePoint at = now();
  if (const auto text = in.value("at", ""); !text.empty()) {
    auto parsed = parse_iso8601(text);
    if (!parsed) return admin_error(bhttp::status::bad_request, v, "at must be an ISO 8601 time");
    at = *parsed;
  }
  const auto trial =
      adapters::try_requests(*source->second, requests, at, in.value("verify", true));
  json verdicts = json::array();
  for (const auto& t : trial.requests) {
    json j{{"verdict", t.verdict}};
    if (!t.reason.empty()) j["reason"] = t.reason;
    if (!t.event_type.empty()) j["eventType"] = t.event_type;
    if (t.verdict == "handshake") j["answer"] = t.answer;
    json observations = json::array();
    for (const auto& o : t.observations) observations.push_back(observation_json(o));
    j["observations"] = observations;
    verdicts.push_back(std::move(j));
  }
  json events = json::array();
  for (const auto& e : trial.events) events.push_back(json::parse(e, nullptr, false));
  return json_response(bhttp::status::ok, v,
                       json{{"source", name}, {"requests", verdicts}, {"events", events}}.dump(
                           -1, ' ', false, json::error_handler_t::replace));
}

}  // namespace callgate::http
