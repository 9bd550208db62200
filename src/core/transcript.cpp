#include <algorithm>
#include <callgate/core/observation.hpp>
#include <callgate/core/transcript.hpp>
#include <cmath>
#include <tuple>

namespace callgate::core {
namespace {

constexpr std::string_view kTruncated = "transcript text beyond max_transcript_bytes was dropped";

std::string segment_key(const Utterance& u) {
  const auto when = u.at ? to_unix_ms(*u.at) : std::llround(u.start * 1000);
  const std::string id =
      !u.id.empty() ? u.id : std::to_string(u.sequence) + '@' + std::to_string(when);
  return u.track + '\x1f' + id;
}

bool before(const Segment& a, const Segment& b) {
  return std::tie(a.start, a.sequence, a.speaker_id, a.key) <
         std::tie(b.start, b.sequence, b.speaker_id, b.key);
}

void add_speaker(Transcript& t, const Utterance& u) {
  auto it = std::lower_bound(t.speakers.begin(), t.speakers.end(), u.track,
                             [](const Speaker& s, const std::string& id) { return s.id < id; });
  if (it == t.speakers.end() || it->id != u.track) {
    t.speakers.insert(it, {u.track, u.origin, u.speaker_name});
    return;
  }
  // What a later utterance knows of its speaker fills what was unknown.
  if (it->origin == SpeakerOrigin::unknown) it->origin = u.origin;
  if (it->name.empty()) it->name = u.speaker_name;
}

}  // namespace

std::string_view to_string(SpeakerOrigin o) {
  switch (o) {
    case SpeakerOrigin::internal:
      return "internal";
    case SpeakerOrigin::external:
      return "external";
    case SpeakerOrigin::unknown:
      break;
  }
  return "unknown";
}

std::string_view to_string(TranscriptEvent e) {
  return e == TranscriptEvent::created ? "telephonyCallTranscript::created"
                                       : "telephonyCallTranscript::updated";
}

std::string transcript_id(std::string_view call_id) {
  constexpr std::string_view kCall = "call_";
  if (call_id.starts_with(kCall)) call_id.remove_prefix(kCall.size());
  return "transcript_" + std::string(call_id);
}

TranscriptDecision decide_transcript(const Transcript* previous, const TranscriptObservation& obs,
                                     const std::string& call_id, TimePoint now,
                                     std::size_t max_bytes) {
  TranscriptDecision d;
  Transcript& t = d.transcript;
  if (previous) {
    t = *previous;
  } else {
    t.id = transcript_id(call_id);
    t.call_id = call_id;
    t.created_at = now;
  }
  const auto speakers_before = t.speakers;
  bool added = false;
  for (const auto& u : obs.utterances) {
    if (!u.final || u.text.empty()) continue;
    Segment s{u.start,       std::max(u.start, u.end), false, u.text, u.track, u.sequence,
              segment_key(u)};
    if (u.at) {  // by the clock: kept as Unix seconds, the length (if any) kept
      s.timed = true;
      s.start = static_cast<double>(to_unix_ms(*u.at)) / 1000;
      s.end = s.start + std::max(0.0, u.end - u.start);
    }
    if (std::any_of(t.segments.begin(), t.segments.end(),
                    [&](const Segment& have) { return have.key == s.key; }))
      continue;  // a redelivery, or the same utterance again
    if (t.text_bytes + s.text.size() > max_bytes) {
      add_warning(t.warnings, kTruncated);
      continue;
    }
    t.text_bytes += s.text.size();
    t.segments.insert(std::upper_bound(t.segments.begin(), t.segments.end(), s, before), s);
    add_speaker(t, u);
    added = true;
  }
  for (const auto& w : obs.warnings) add_warning(t.warnings, w);
  const bool completed = obs.complete && !t.complete;
  t.complete = t.complete || obs.complete;
  d.changed = added || completed || t.speakers != speakers_before ||
              (previous && t.warnings != previous->warnings);
  // An event carries text: none until the first segment, then one for each change.
  if (d.changed && !t.segments.empty()) {
    d.event = t.events_emitted == 0 ? TranscriptEvent::created : TranscriptEvent::updated;
    ++t.events_emitted;
    t.updated_at = now;
  }
  return d;
}

nlohmann::ordered_json transcript_fields(const Transcript& t, std::optional<TimePoint> call_start) {
  // Clock times become offsets from the call's start, or from the first segment when the call's
  // start is not known (or is later: offsets are never negative).
  double origin = 0;
  const auto first_timed =
      std::find_if(t.segments.begin(), t.segments.end(), [](const Segment& s) { return s.timed; });
  if (first_timed != t.segments.end()) {  // segments are by start: the earliest clock time
    origin = first_timed->start;
    if (call_start) origin = std::min(origin, static_cast<double>(to_unix_ms(*call_start)) / 1000);
  }
  auto offset = [&](const Segment& s, double v) {
    return s.timed ? std::round((v - origin) * 1000) / 1000 : v;
  };
  double covered = 0;
  auto segments = nlohmann::ordered_json::array();
  for (const auto& s : t.segments) {
    covered = std::max(covered, offset(s, s.end));
    segments.push_back({{"start", offset(s, s.start)},
                        {"end", offset(s, s.end)},
                        {"text", s.text},
                        {"speakerId", s.speaker_id}});
  }
  auto speakers = nlohmann::ordered_json::array();
  for (const auto& s : t.speakers) {
    nlohmann::ordered_json one{{"id", s.id}, {"origin", to_string(s.origin)}};
    if (!s.name.empty()) one["name"] = s.name;
    speakers.push_back(std::move(one));
  }
  return {{"call", {{"object", "resourceRef"}, {"model", "telephonyCall"}, {"id", t.call_id}}},
          {"duration", static_cast<std::int64_t>(std::floor(covered))},
          {"segments", std::move(segments)},
          {"speakers", std::move(speakers)}};
}

nlohmann::ordered_json transcript_event(TranscriptEvent e, const Transcript& t,
                                        std::optional<TimePoint> call_start) {
  return {{"event", to_string(e)},
          {"data",
           {{"object", "resource"},
            {"model", "telephonyCallTranscript"},
            {"id", t.id},
            {"fields", transcript_fields(t, call_start)},
            {"createdAt", format_iso8601(t.created_at)},
            {"updatedAt", format_iso8601(t.updated_at)},
            {"rawResource", nullptr},
            {"warnings", t.warnings},
            {"complete", t.complete}}}};
}

nlohmann::json to_json(const Transcript& t) {
  auto segments = nlohmann::json::array();
  for (const auto& s : t.segments)
    segments.push_back({s.start, s.end, s.text, s.speaker_id, s.sequence, s.key, s.timed});
  auto speakers = nlohmann::json::array();
  for (const auto& s : t.speakers) speakers.push_back({s.id, static_cast<int>(s.origin), s.name});
  return {{"id", t.id},
          {"call", t.call_id},
          {"segments", std::move(segments)},
          {"speakers", std::move(speakers)},
          {"complete", t.complete},
          {"bytes", t.text_bytes},
          {"warnings", t.warnings},
          {"events", t.events_emitted},
          {"created", to_unix_ms(t.created_at)},
          {"updated", to_unix_ms(t.updated_at)}};
}

std::optional<Transcript> transcript_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  try {
    Transcript t;
    t.id = j.at("id").get<std::string>();
    t.call_id = j.at("call").get<std::string>();
    for (const auto& s : j.at("segments"))
      t.segments.push_back({s.at(0).get<double>(), s.at(1).get<double>(), s.at(6).get<bool>(),
                            s.at(2).get<std::string>(), s.at(3).get<std::string>(),
                            s.at(4).get<std::int64_t>(), s.at(5).get<std::string>()});
    for (const auto& s : j.at("speakers")) {
      const int origin = s.at(1).get<int>();
      if (origin < 0 || origin > static_cast<int>(SpeakerOrigin::external)) return std::nullopt;
      t.speakers.push_back({s.at(0).get<std::string>(), static_cast<SpeakerOrigin>(origin),
                            s.at(2).get<std::string>()});
    }
    t.complete = j.at("complete").get<bool>();
    t.text_bytes = j.at("bytes").get<std::size_t>();
    t.warnings = j.at("warnings").get<std::vector<std::string>>();
    t.events_emitted = j.at("events").get<std::int64_t>();
    t.created_at = from_unix_ms(j.at("created").get<std::int64_t>());
    t.updated_at = from_unix_ms(j.at("updated").get<std::int64_t>());
    return t;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;  // a stored document of another shape: corrupt, never guessed at
  }
}

}  // namespace callgate::core
