#pragma once

#include <callgate/core/call_state.hpp>
#include <callgate/core/observation.hpp>
#include <optional>
#include <string>
#include <vector>

namespace callgate::core {

/** The unified event types: the call's three and its transcript's two. */
enum class EventType { created, updated, deleted, transcript_created, transcript_updated };
inline constexpr EventType kEventTypes[] = {EventType::created, EventType::updated,
                                            EventType::deleted, EventType::transcript_created,
                                            EventType::transcript_updated};
std::string_view to_string(EventType t);  ///< "telephonyCall::created", ...
/** Whether it is one of the transcript's events (whose body is telephonyCallTranscript). */
inline bool is_transcript(EventType t) {
  return t == EventType::transcript_created || t == EventType::transcript_updated;
}

/** One event to emit downstream; body is exactly what a sink delivers. */
struct Emission {
  EventType type;
  std::string call_id;  ///< the call's id, for a transcript's events too (they follow the call)
  /** "<call id>:<n>" ("<transcript id>:<n>" for a transcript's), the same on every retry */
  std::string idempotency_key;
  std::string body;    ///< the event's JSON, keys in the documented order: unified_event(), dumped
  std::string source;  ///< the source whose observation caused it
  Identity identity;   ///< that source's connector and owner ids
};

/** The outcome of folding one observation into a call. */
struct Decision {
  CallState state;
  std::vector<Emission> events;  ///< in the order they must leave
  bool state_changed = false;    ///< whether state differs from the previous one at all
};

/**
 * The correlation rules, as one pure function: given the call's previous state (nullopt for a
 * call never seen), one observation and the current time, returns the new state and the events.
 * - exactly one created per call, whichever event comes first;
 * - at most one deleted, when the call has ended, carrying the final state; afterwards only
 *   updated for post-call enrichment;
 * - state never regresses (phases only advance, older events only fill gaps);
 * - an observation that changes no field emits nothing;
 * - one carrying transcript text goes to decide_transcript (its text bounded by
 *   max_transcript_bytes) and emits the transcript's event; the call's `transcript` field is set
 *   with it, and a call already announced gets an updated then. Text may come before the call's
 *   first event (the call is kept, unannounced) or after its end.
 * Redelivery (the same dedup key twice) is caught before this by the store.
 */
Decision decide(const std::optional<CallState>& previous, const Observation& obs,
                const std::string& call_id, TimePoint now,
                std::size_t max_transcript_bytes = kDefaultMaxTranscriptBytes);

/** The "fields" object of the unified model for a state (status and duration are derived). */
nlohmann::ordered_json unified_fields(const CallState& s);

/** Whether two states give equal unified_fields, without building them (decide's hot path). */
bool same_unified_fields(const CallState& a, const CallState& b);

/** The call's start as the unified model gives it (startedAt): the provider's start time, else
 * the time of the call's earliest event; what a transcript's clock times are placed from. */
std::optional<TimePoint> call_start(const CallState& s);

/** The unified status: inProgress, completed, missed or voicemail. */
std::string_view unified_status(const CallState& s);

/** The unified event body for a state: {"event":..,"data":{..}}. Emission::body is this, dumped
 * (written directly, without the DOM, on the hot path). */
nlohmann::ordered_json unified_event(EventType type, const CallState& s);

/** Stable call id from the source name and the provider's call key: "call_" + 32 hex digits. */
std::string derive_call_id(std::string_view source, std::string_view call_key);

}  // namespace callgate::core
