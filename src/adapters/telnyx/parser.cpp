// Telnyx Call Control webhooks: the delivery envelope {"data":{event},"meta":{..}} or the bare
// event.
#include <callgate/adapters/json_fields.hpp>
#include <callgate/adapters/telnyx/telnyx.hpp>

namespace callgate::adapters::telnyx {
namespace {

using core::Direction;
using core::Phase;
using nlohmann::json;

/** The first recording URL Telnyx offers, public ones first, mp3 before wav. */
std::string recording_url(const json& p) {
  for (const char* group : {"public_recording_urls", "recording_urls"}) {
    const json& urls = object(p, group);
    for (const char* format : {"mp3", "wav"})
      if (auto u = str(urls, format); !u.empty()) return u;
  }
  return {};
}

void set_numbers(core::Observation& o, const json& p) {
  const auto direction = str(p, "direction");
  const auto from = str(p, "from");
  const auto to = str(p, "to");
  if (direction == "incoming") {
    o.direction = Direction::inbound;
    o.external_number = from;
    o.internal_number = to;
  } else if (direction == "outgoing") {
    o.direction = Direction::outbound;
    o.external_number = to;
    o.internal_number = from;
  } else if (!direction.empty()) {
    o.warnings.push_back("telnyx: unknown direction '" + direction + "'");
  }
}

// Live transcription (one utterance an event, timed by occurred_at) and a recording's text.
// The track is the leg's: inbound is what the far party says, outbound what the call's own side
// (the application, an agent) says.
core::TranscriptObservation transcript(const std::string& type, const json& event, const json& p,
                                       TimePoint at) {
  core::TranscriptObservation t;
  core::Utterance u;
  u.id = str(event, "id");
  if (type == "call.transcription") {
    const json& data = object(p, "transcription_data");
    u.text = str(data, "transcript");
    // Interim only when it says so; a value of another type must not throw (parse never does).
    const auto is_final = data.find("is_final");
    u.final = is_final == data.end() || !is_final->is_boolean() || is_final->get<bool>();
    const auto track = str(data, "transcription_track");
    u.track = track.empty() ? "call" : track;
    u.origin = track == "inbound"    ? core::SpeakerOrigin::external
               : track == "outbound" ? core::SpeakerOrigin::internal
                                     : core::SpeakerOrigin::unknown;
    u.at = at;
  } else {  // call.recording.transcription.saved: the whole recording, one speaker unknown
    u.text = str(p, "transcription_text");
    u.track = "recording";
    if (auto id = str(p, "recording_transcription_id"); !id.empty()) u.id = id;
    t.complete = true;
  }
  t.utterances.push_back(std::move(u));
  return t;
}

}  // namespace

result<Parsed> parse(const Request& r, const SourceSettings& settings) {
  const auto& body = r.json();
  if (!body) return body.error();
  const json& j = *body;
  const json& event = j.contains("data") ? object(j, "data") : j;
  const auto type = str(event, "event_type");
  const json& p = object(event, "payload");
  if (type.empty() || !p.is_object()) return make_error_code(errc::not_an_event);

  Parsed out;
  out.event_type = type;
  Phase phase;
  if (type == "call.initiated")
    phase = Phase::ringing;
  else if (type == "call.answered" || type == "call.bridged")
    phase = Phase::answered;
  else if (type == "call.hangup")
    phase = Phase::ended;
  else if (type == "call.recording.saved" || type == "call.transcription" ||
           type == "call.recording.transcription.saved")
    phase = Phase::other;
  else
    return out;  // machine detection, DTMF, speak, playback, gather...: no change to the call

  core::Observation o;
  o.source = settings.name;
  o.event_type = type;
  o.call_key = str(p, "call_leg_id");
  if (o.call_key.empty()) o.call_key = str(p, "call_control_id");
  if (o.call_key.empty()) return make_error_code(errc::not_an_event);
  if (auto id = str(event, "id"); !id.empty()) o.dedup_key = "telnyx:" + id;

  if (auto t = iso_time(event, "occurred_at")) {
    o.event_time = *t;
  } else {
    o.event_time = r.received_at;
    o.warnings.push_back("telnyx: occurred_at missing; used the time callgate received it");
  }
  if (type == "call.transcription" || type == "call.recording.transcription.saved") {
    o.transcript = transcript(type, event, p, o.event_time);
    // Live text is timed by occurred_at: its absence is the transcript's warning.
    if (type == "call.transcription") o.transcript->warnings = o.warnings;
    out.observations.push_back(std::move(o));
    return out;
  }
  o.phase = phase;
  set_numbers(o, p);
  o.started_at = iso_time(p, "start_time");
  if (type == "call.initiated" && !o.started_at) o.started_at = o.event_time;
  if (phase == Phase::answered) {
    o.answered = true;
    o.answered_at = o.event_time;
  }
  if (phase == Phase::ended) {
    // end_time is not in every schema version; occurred_at is when the hangup happened.
    o.ended_at = iso_time(p, "end_time");
    if (!o.ended_at) o.ended_at = o.event_time;
  }
  if (type == "call.recording.saved") {
    o.recording_url = recording_url(p);
    if (o.recording_url.empty()) o.warnings.push_back("telnyx: recording.saved without a URL");
  }
  if (settings.include_raw) o.raw = event;
  out.observations.push_back(std::move(o));
  return out;
}

}  // namespace callgate::adapters::telnyx
