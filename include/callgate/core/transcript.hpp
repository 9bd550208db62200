#pragma once
// The unified API's second telephony model, telephonyCallTranscript: the text of a call, built
// from the utterances providers push, as pure functions beside the call's (correlate.hpp).

#include <callgate/time.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace callgate::core {

/** Who spoke: the call's own side (an agent, a user), the other party, or not known. */
enum class SpeakerOrigin { unknown, internal, external };
std::string_view to_string(SpeakerOrigin o);  ///< "internal", "external", "unknown"

/** One piece of text as a provider sent it. */
struct Utterance {
  /** The leg or speaker it came from ("inbound_track", a speaker id): one speaker a track. */
  std::string track;
  /** Its identity within the track, for redeliveries (Twilio's SequenceId, Telnyx's event id);
   * empty: the sequence and start are. */
  std::string id;
  std::int64_t sequence = 0;  ///< its order within the track; across tracks, start orders
  SpeakerOrigin origin = SpeakerOrigin::unknown;
  std::string speaker_name;  ///< when the provider names the speaker
  bool final = true;         ///< a non-final (interim) utterance never becomes a segment
  double start = 0;          ///< seconds from the start of the call (or of the recording)
  double end = 0;
  /** When the provider times an utterance by the clock (Twilio's Timestamp) rather than by offset:
   * start and end are then taken from the call's start (see transcript_fields). */
  std::optional<TimePoint> at;
  std::string text;
};

/** What one provider event says about a call's transcript. */
struct TranscriptObservation {
  std::vector<Utterance> utterances;
  bool complete = false;  ///< the provider's end marker (transcription stopped, a whole recording)
  std::vector<std::string> warnings = {};  ///< what was odd in the utterances (an unreadable time)
};

/** A segment of the transcript, as Morph's model has it, plus what orders and dedupes it. */
struct Segment {
  double start = 0, end = 0;  ///< seconds: from the call's start, or Unix time when `timed`
  bool timed = false;         ///< start and end are clock times, made offsets when rendered
  std::string text;
  std::string speaker_id;  ///< the track's speaker
  std::int64_t sequence = 0;
  std::string key;  ///< track + id: a segment is added once
  friend bool operator==(const Segment&, const Segment&) = default;
};

struct Speaker {
  std::string id;
  SpeakerOrigin origin = SpeakerOrigin::unknown;
  std::string name;
  friend bool operator==(const Speaker&, const Speaker&) = default;
};

/** A call's transcript as callgate keeps it between events. */
struct Transcript {
  std::string id;  ///< transcript_id(call_id): a receiver joins it to its call without a lookup
  std::string call_id;
  std::vector<Segment> segments;  ///< by start, then sequence, then speaker: arrival order never
  std::vector<Speaker> speakers;  ///< by id
  bool complete = false;
  std::size_t text_bytes = 0;
  std::vector<std::string> warnings;  ///< sorted, unique
  std::int64_t events_emitted = 0;    ///< numbers the idempotency keys of its events
  TimePoint created_at{}, updated_at{};
  friend bool operator==(const Transcript&, const Transcript&) = default;
};

enum class TranscriptEvent { created, updated };
std::string_view to_string(TranscriptEvent e);  ///< "telephonyCallTranscript::created", ...

/** The outcome of folding one observation into a transcript. */
struct TranscriptDecision {
  Transcript transcript;
  std::optional<TranscriptEvent> event;  ///< the one event to emit, carrying the whole transcript
  bool changed = false;
};

/**
 * The transcript rules, as one pure function: given the previous transcript (nullopt: none yet),
 * one observation, the call's id and the current time, the new transcript and its event.
 * - only final utterances become segments; one redelivered or repeated is added once;
 * - segments are ordered by start, sequence and speaker, so shuffled utterances give the same
 *   transcript as in-order ones;
 * - `created` when the first segment is known, then `updated` each time segments are added or the
 *   transcript becomes complete; nothing when nothing changed;
 * - text past max_bytes is dropped with a warning, never refused.
 * A transcript does not need its call: it may come before the call's first event or after its end.
 */
TranscriptDecision decide_transcript(const Transcript* previous, const TranscriptObservation& obs,
                                     const std::string& call_id, TimePoint now,
                                     std::size_t max_bytes);
inline TranscriptDecision decide_transcript(const std::optional<Transcript>& previous,
                                            const TranscriptObservation& obs,
                                            const std::string& call_id, TimePoint now,
                                            std::size_t max_bytes) {
  return decide_transcript(previous ? &*previous : nullptr, obs, call_id, now, max_bytes);
}

/** "transcript_" + the call id's 32 hex digits. */
std::string transcript_id(std::string_view call_id);

/** Morph's fields: call (a resourceRef), duration (whole seconds covered), segments, speakers.
 * Clock-timed segments are given as seconds from call_start (the call's start as known), or from
 * the earliest segment when that is unknown or later. */
nlohmann::ordered_json transcript_fields(const Transcript& t,
                                         std::optional<TimePoint> call_start = std::nullopt);

/** The event body, in the call event's envelope ({"event":..,"data":{object, model, id, fields,
 * createdAt, updatedAt, rawResource, warnings}}), plus data.complete: callgate's own, outside
 * Morph's fields, true once the provider's end marker came. */
nlohmann::ordered_json transcript_event(TranscriptEvent e, const Transcript& t,
                                        std::optional<TimePoint> call_start = std::nullopt);

/** Whether the call shows its transcript yet (Morph's `transcript` ref): once it has had an event.
 */
inline bool announced(const Transcript* t) { return t && t->events_emitted > 0; }

/** max_transcript_bytes by default: 1 MiB of text a call. */
inline constexpr std::size_t kDefaultMaxTranscriptBytes = std::size_t{1} << 20;

/** The stored form, and its inverse (nullopt for a document that is not a transcript). */
nlohmann::json to_json(const Transcript& t);
std::optional<Transcript> transcript_from_json(const nlohmann::json& j);

}  // namespace callgate::core
