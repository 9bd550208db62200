#include <algorithm>
#include <callgate/core/correlate.hpp>

namespace callgate::core {
namespace {

using nlohmann::json;

void take_earliest(std::optional<TimePoint>& cur, const std::optional<TimePoint>& v) {
  if (v && (!cur || *v < *cur)) cur = v;
}

// A said value replaces the stored one only if it comes from a strictly newer provider event.
template <class T>
void take_newest(Timed<T>& f, const T& v, bool said, TimePoint at) {
  if (!said) return;
  if (!f.set || at > f.at) {
    f.value = v;
    f.at = at;
    f.set = true;
  }
}

void merge(CallState& s, const Observation& o) {
  s.phase = std::max(s.phase, o.phase);
  s.answered = s.answered || o.answered || o.answered_at.has_value();
  s.voicemail = s.voicemail || o.voicemail;
  take_earliest(s.first_event_at, o.event_time);
  take_earliest(s.started_at, o.started_at);
  take_earliest(s.answered_at, o.answered_at);
  take_earliest(s.ended_at, o.ended_at);
  if (o.phase == Phase::ended && !s.ended_at) s.ended_at = o.event_time;
  const TimePoint at = o.event_time;
  take_newest(s.direction, o.direction, o.direction != Direction::unknown, at);
  take_newest(s.recording_url, o.recording_url, !o.recording_url.empty(), at);
  take_newest(s.external_number, o.external_number, !o.external_number.empty(), at);
  take_newest(s.internal_number, o.internal_number, !o.internal_number.empty(), at);
  take_newest(s.users, o.users, !o.users.empty(), at);
  take_newest(s.contacts, o.contacts, !o.contacts.empty(), at);
  take_newest(s.raw, o.raw, !o.raw.is_null(), at);
  for (const auto& w : o.warnings) add_warning(s.warnings, w);
  if (s.ended() && s.answered && !s.answered_at)
    add_warning(s.warnings, "answered, but the answer time is unknown; duration is 0");
}

using ojson = nlohmann::ordered_json;

ojson iso_or_null(const std::optional<TimePoint>& t) {
  return t ? ojson(format_iso8601(*t)) : ojson(nullptr);
}

ojson string_or_null(const Timed<std::string>& f) {
  return f.set && !f.value.empty() ? ojson(f.value) : ojson(nullptr);
}

ojson refs(const Timed<std::vector<ResourceRef>>& f) {
  ojson a = ojson::array();
  for (const auto& r : f.value)
    a.push_back({{"object", "resourceRef"}, {"model", r.model}, {"id", r.id}});
  return a;
}

std::int64_t duration_seconds(const CallState& s) {
  if (s.answered_at && s.ended_at && *s.ended_at > *s.answered_at)
    return std::chrono::duration_cast<std::chrono::seconds>(*s.ended_at - *s.answered_at).count();
  return 0;
}

// The event body written straight into one string (the committer's hot path). unified_event()
// is its reference: render_event(t, s) == unified_event(t, s).dump() for every state, which the
// tests and fuzz_correlate hold it to. Text that is plain printable ASCII is copied as it is;
// anything else is escaped by nlohmann's serializer.
void put_string(std::string& out, std::string_view v) {
  const bool plain = std::all_of(v.begin(), v.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f &&
           c != '"' && c != '\\';
  });
  if (!plain) {
    out += ojson(std::string(v)).dump(-1, ' ', false, ojson::error_handler_t::replace);
    return;
  }
  out += '"';
  out += v;
  out += '"';
}

/** ,"key": (every key but an object's first). */
void put_key(std::string& out, std::string_view key) {
  out += ",\"";
  out += key;
  out += "\":";
}

void put_time(std::string& out, const std::optional<TimePoint>& t) {
  if (!t) {
    out += "null";
    return;
  }
  out += '"';
  out += format_iso8601(*t);
  out += '"';
}

void put_text(std::string& out, const Timed<std::string>& f) {
  if (f.set && !f.value.empty())
    put_string(out, f.value);
  else
    out += "null";
}

void put_refs(std::string& out, const Timed<std::vector<ResourceRef>>& f) {
  out += '[';
  for (std::size_t i = 0; i < f.value.size(); ++i) {
    if (i) out += ',';
    out += R"({"object":"resourceRef","model":)";
    put_string(out, f.value[i].model);
    out += R"(,"id":)";
    put_string(out, f.value[i].id);
    out += '}';
  }
  out += ']';
}

std::string render_event(EventType type, const CallState& s) {
  std::string out;
  out.reserve(768);
  out += R"({"event":")";
  out += to_string(type);
  out += R"(","data":{"object":"resource","model":"telephonyCall","id":)";
  put_string(out, s.id);
  out += R"(,"fields":{"direction":)";
  if (s.direction.set && s.direction.value != Direction::unknown) {
    out += '"';
    out += to_string(s.direction.value);
    out += '"';
  } else {
    out += "null";
  }
  put_key(out, "status");
  out += '"';
  out += unified_status(s);
  out += '"';
  put_key(out, "startedAt");
  put_time(out, call_start(s));
  put_key(out, "endedAt");
  put_time(out, s.ended() ? s.ended_at : std::nullopt);
  put_key(out, "answeredAt");
  put_time(out, s.answered_at);
  put_key(out, "duration");
  out += std::to_string(duration_seconds(s));
  put_key(out, "recordingUrl");
  put_text(out, s.recording_url);
  put_key(out, "transcript");
  if (announced(s.transcript.get())) {
    out += R"({"object":"resourceRef","model":"telephonyCallTranscript","id":)";
    put_string(out, s.transcript->id);
    out += '}';
  } else {
    out += "null";
  }
  put_key(out, "users");
  put_refs(out, s.users);
  put_key(out, "contacts");
  put_refs(out, s.contacts);
  put_key(out, "externalNumber");
  put_text(out, s.external_number);
  put_key(out, "internalNumber");
  put_text(out, s.internal_number);
  out += '}';
  put_key(out, "createdAt");
  put_time(out, s.created_at);
  put_key(out, "updatedAt");
  put_time(out, s.updated_at);
  put_key(out, "rawResource");
  if (s.raw.set)
    out += s.raw.value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  else
    out += "null";
  put_key(out, "warnings");
  out += '[';
  for (std::size_t i = 0; i < s.warnings.size(); ++i) {
    if (i) out += ',';
    put_string(out, s.warnings[i]);
  }
  out += "]}}";
  return out;
}

Emission make_emission(EventType type, CallState& s, const Observation& cause) {
  ++s.events_emitted;
  return {
      type,     s.id,          s.id + ":" + std::to_string(s.events_emitted), render_event(type, s),
      s.source, cause.identity};
}

// The transcript's event; decide_transcript numbered it already.
Emission transcript_emission(TranscriptEvent e, const CallState& s, const Observation& cause) {
  const auto& t = *s.transcript;
  const auto type =
      e == TranscriptEvent::created ? EventType::transcript_created : EventType::transcript_updated;
  return {type,
          s.id,
          t.id + ":" + std::to_string(t.events_emitted),
          transcript_event(e, t, call_start(s))
              .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
          s.source,
          cause.identity};
}

CallState unannounced(const Observation& obs, const std::string& call_id, TimePoint now) {
  CallState s;
  s.id = call_id;
  s.source = obs.source;
  s.call_key = obs.call_key;
  s.match_key = obs.match_key;
  s.created_at = now;
  s.updated_at = now;
  return s;
}

// An observation carrying transcript text: the transcript moves on, the call's other fields not.
Decision transcribe(const std::optional<CallState>& previous, const Observation& obs,
                    const std::string& call_id, TimePoint now, std::size_t max_bytes) {
  Decision d;
  d.state = previous ? *previous : unannounced(obs, call_id, now);
  auto t = decide_transcript(d.state.transcript.get(), *obs.transcript, call_id, now, max_bytes);
  if (!t.changed) return d;
  const bool had_ref = announced(d.state.transcript.get());
  d.state.transcript = std::move(t.transcript);
  d.state_changed = true;
  if (t.event) d.events.push_back(transcript_emission(*t.event, d.state, obs));
  // The call's `transcript` field is set: an announced call says so (a call not yet announced
  // will carry it in its created).
  if (!had_ref && announced(d.state.transcript.get()) && d.state.events_emitted > 0) {
    d.state.updated_at = now;
    d.events.push_back(make_emission(EventType::updated, d.state, obs));
  }
  return d;
}

}  // namespace

std::string_view to_string(EventType t) {
  switch (t) {
    case EventType::created:
      return "telephonyCall::created";
    case EventType::updated:
      return "telephonyCall::updated";
    case EventType::deleted:
      return "telephonyCall::deleted";
    case EventType::transcript_created:
      return "telephonyCallTranscript::created";
    case EventType::transcript_updated:
      return "telephonyCallTranscript::updated";
  }
  return "telephonyCall::updated";
}

std::optional<TimePoint> call_start(const CallState& s) {
  return s.started_at ? s.started_at : s.first_event_at;
}

std::string_view unified_status(const CallState& s) {
  if (!s.ended()) return "inProgress";
  if (s.answered) return "completed";
  // An unanswered call that left a recording is a voicemail.
  if (s.voicemail || (s.recording_url.set && !s.recording_url.value.empty())) return "voicemail";
  return "missed";
}

ojson unified_fields(const CallState& s) {
  const std::int64_t duration = duration_seconds(s);
  const auto started = call_start(s);
  return {
      {"direction", s.direction.set && s.direction.value != Direction::unknown
                        ? ojson(to_string(s.direction.value))
                        : ojson(nullptr)},
      {"status", unified_status(s)},
      {"startedAt", iso_or_null(started)},
      {"endedAt", s.ended() ? iso_or_null(s.ended_at) : ojson(nullptr)},
      {"answeredAt", iso_or_null(s.answered_at)},
      {"duration", duration},
      {"recordingUrl", string_or_null(s.recording_url)},
      {"transcript", announced(s.transcript.get()) ? ojson{{"object", "resourceRef"},
                                                           {"model", "telephonyCallTranscript"},
                                                           {"id", s.transcript->id}}
                                                   : ojson(nullptr)},
      {"users", refs(s.users)},
      {"contacts", refs(s.contacts)},
      {"externalNumber", string_or_null(s.external_number)},
      {"internalNumber", string_or_null(s.internal_number)},
  };
}

bool same_unified_fields(const CallState& a, const CallState& b) {
  // Each line is one key of unified_fields, compared on what it is rendered from.
  auto direction = [](const CallState& s) {
    return s.direction.set ? s.direction.value : Direction::unknown;
  };
  auto ended = [](const CallState& s) { return s.ended() ? s.ended_at : std::nullopt; };
  auto text = [](const Timed<std::string>& f) {
    return f.set ? std::string_view(f.value) : std::string_view();
  };
  return direction(a) == direction(b) && unified_status(a) == unified_status(b) &&
         call_start(a) == call_start(b) && ended(a) == ended(b) && a.answered_at == b.answered_at &&
         duration_seconds(a) == duration_seconds(b) &&
         text(a.recording_url) == text(b.recording_url) &&
         announced(a.transcript.get()) == announced(b.transcript.get()) &&
         a.users.value == b.users.value && a.contacts.value == b.contacts.value &&
         text(a.external_number) == text(b.external_number) &&
         text(a.internal_number) == text(b.internal_number);
}

ojson unified_event(EventType type, const CallState& s) {
  return {{"event", to_string(type)},
          {"data",
           {{"object", "resource"},
            {"model", "telephonyCall"},
            {"id", s.id},
            {"fields", unified_fields(s)},
            {"createdAt", format_iso8601(s.created_at)},
            {"updatedAt", format_iso8601(s.updated_at)},
            {"rawResource", s.raw.set ? ojson(s.raw.value) : ojson(nullptr)},
            {"warnings", s.warnings}}}};
}

Decision decide(const std::optional<CallState>& previous, const Observation& obs,
                const std::string& call_id, TimePoint now, std::size_t max_transcript_bytes) {
  if (obs.transcript) return transcribe(previous, obs, call_id, now, max_transcript_bytes);
  Decision d;
  // A call not yet announced: never seen, or known only by its transcript.
  if (!previous || previous->events_emitted == 0) {
    d.state = previous ? *previous : unannounced(obs, call_id, now);
    d.state.updated_at = now;
    merge(d.state, obs);
    d.state_changed = true;
    d.events.push_back(make_emission(EventType::created, d.state, obs));
    if (d.state.ended()) {
      d.state.deleted_emitted = true;
      d.events.push_back(make_emission(EventType::deleted, d.state, obs));
    }
    return d;
  }

  d.state = *previous;
  merge(d.state, obs);
  d.state_changed = d.state != *previous;
  if (same_unified_fields(d.state, *previous)) return d;

  d.state.updated_at = now;
  if (d.state.ended() && !d.state.deleted_emitted) {
    d.state.deleted_emitted = true;
    d.events.push_back(make_emission(EventType::deleted, d.state, obs));
  } else {
    // Either a live call moved on, or post-call enrichment of an ended call.
    d.events.push_back(make_emission(EventType::updated, d.state, obs));
  }
  d.state_changed = true;
  return d;
}

}  // namespace callgate::core
