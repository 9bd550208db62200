#include <callgate/core/call_state.hpp>

namespace callgate::core {
namespace {

using nlohmann::json;

json ms_or_null(const std::optional<TimePoint>& t) {
  return t ? json(to_unix_ms(*t)) : json(nullptr);
}

std::optional<TimePoint> time_from(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return from_unix_ms(it->get<std::int64_t>());
}

json refs_to_json(const std::vector<ResourceRef>& refs) {
  json a = json::array();
  for (const auto& r : refs) a.push_back({{"model", r.model}, {"id", r.id}});
  return a;
}

std::vector<ResourceRef> refs_from_json(const json& a) {
  std::vector<ResourceRef> out;
  if (!a.is_array()) return out;
  for (const auto& r : a) out.push_back({r.value("model", ""), r.value("id", "")});
  return out;
}

// Timed<T> is stored as [value, at_ms] so that "set" survives the round trip.
template <class T, class ToJson>
void put_timed(json& j, const char* key, const Timed<T>& f, ToJson to) {
  if (f.set) j[key] = json::array({to(f.value), to_unix_ms(f.at)});
}

template <class T, class FromJson>
void get_timed(const json& j, const char* key, Timed<T>& f, FromJson from) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_array() || it->size() != 2) return;
  f.value = from((*it)[0]);
  f.at = from_unix_ms((*it)[1].get<std::int64_t>());
  f.set = true;
}

json same(const json& v) { return v; }
json str(const std::string& v) { return v; }
std::string str_from(const json& v) { return v.is_string() ? v.get<std::string>() : std::string{}; }

}  // namespace

json to_json(const CallState& s) {
  json j = {
      {"v", 1},
      {"id", s.id},
      {"source", s.source},
      {"call_key", s.call_key},
      {"match_key", s.match_key},
      {"created_at", to_unix_ms(s.created_at)},
      {"updated_at", to_unix_ms(s.updated_at)},
      {"events_emitted", s.events_emitted},
      {"deleted_emitted", s.deleted_emitted},
      {"phase", static_cast<int>(s.phase)},
      {"answered", s.answered},
      {"voicemail", s.voicemail},
      {"first_event_at", ms_or_null(s.first_event_at)},
      {"started_at", ms_or_null(s.started_at)},
      {"answered_at", ms_or_null(s.answered_at)},
      {"ended_at", ms_or_null(s.ended_at)},
      {"warnings", s.warnings},
  };
  put_timed(j, "direction", s.direction, [](Direction d) { return json(static_cast<int>(d)); });
  put_timed(j, "recording_url", s.recording_url, str);
  put_timed(j, "external_number", s.external_number, str);
  put_timed(j, "internal_number", s.internal_number, str);
  put_timed(j, "users", s.users, refs_to_json);
  put_timed(j, "contacts", s.contacts, refs_to_json);
  put_timed(j, "raw", s.raw, same);
  if (s.transcript) j["transcript"] = to_json(*s.transcript);
  return j;
}

std::optional<CallState> call_state_from_json(const json& j) {
  if (!j.is_object() || j.value("v", 0) != 1) return std::nullopt;
  try {
    CallState s;
    s.id = j.at("id").get<std::string>();
    s.source = j.at("source").get<std::string>();
    s.call_key = j.value("call_key", "");
    s.match_key = j.value("match_key", "");
    s.created_at = from_unix_ms(j.at("created_at").get<std::int64_t>());
    s.updated_at = from_unix_ms(j.at("updated_at").get<std::int64_t>());
    s.events_emitted = j.at("events_emitted").get<std::int64_t>();
    s.deleted_emitted = j.at("deleted_emitted").get<bool>();
    s.phase = static_cast<Phase>(j.at("phase").get<int>());
    s.answered = j.value("answered", false);
    s.voicemail = j.value("voicemail", false);
    s.first_event_at = time_from(j, "first_event_at");
    s.started_at = time_from(j, "started_at");
    s.answered_at = time_from(j, "answered_at");
    s.ended_at = time_from(j, "ended_at");
    s.warnings = j.value("warnings", std::vector<std::string>{});
    get_timed(j, "direction", s.direction,
              [](const json& v) { return static_cast<Direction>(v.get<int>()); });
    get_timed(j, "recording_url", s.recording_url, str_from);
    get_timed(j, "external_number", s.external_number, str_from);
    get_timed(j, "internal_number", s.internal_number, str_from);
    get_timed(j, "users", s.users, refs_from_json);
    get_timed(j, "contacts", s.contacts, refs_from_json);
    get_timed(j, "raw", s.raw, same);
    if (const auto t = j.find("transcript"); t != j.end()) {
      auto transcript = transcript_from_json(*t);
      if (!transcript) return std::nullopt;
      s.transcript = std::move(*transcript);
    }
    return s;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

}  // namespace callgate::core
