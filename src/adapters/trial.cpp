#include <callgate/adapters/trial.hpp>
#include <callgate/core/correlate.hpp>
#include <map>
#include <set>

namespace callgate::adapters {

Trial try_requests(const Source& source, const std::vector<TrialRequest>& requests, TimePoint at,
                   bool verify) {
  Trial trial;
  std::set<std::string> seen;  // delivery keys, as the store remembers them
  std::vector<core::Observation> accepted;
  for (const auto& item : requests) {
    verify::Headers headers;
    for (const auto& [name, value] : item.headers) headers.insert(name, value);
    const Request r{headers, item.body, at, item.query, item.get};
    auto& v = trial.requests.emplace_back();
    if (auto ok = verify ? source.verify(r) : result<void>{}; !ok) {
      v.verdict = "refused";
      v.reason = ok.error().message();
      continue;
    }
    auto parsed = source.parse(r);
    if (!parsed) {
      v.verdict = "refused";
      v.reason = parsed.error().message();
      continue;
    }
    v.event_type = parsed->event_type;
    if (parsed->answer) {
      v.verdict = "handshake";
      v.answer = parsed->answer->body;
      continue;
    }
    if (parsed->observations.empty()) {
      v.verdict = "ignored";
      continue;
    }
    finish_observations(parsed->observations, source.settings(), r.get ? r.query : r.body);
    const bool repeat = !seen.insert(parsed->observations.front().dedup_key).second;
    v.verdict = repeat ? "duplicate" : "accepted";
    v.observations = parsed->observations;
    if (!repeat)
      for (auto& o : parsed->observations) accepted.push_back(std::move(o));
  }
  std::map<std::string, core::CallState> calls;
  for (const auto& o : accepted) {
    const auto id = core::derive_call_id(o.source, o.call_key);
    auto it = calls.find(id);
    auto decision =
        core::decide(it == calls.end() ? std::nullopt : std::optional(it->second), o, id, at);
    for (const auto& e : decision.events) trial.events.push_back(e.body);
    calls[id] = std::move(decision.state);
  }
  return trial;
}

}  // namespace callgate::adapters
