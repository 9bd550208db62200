#pragma once

#include <callgate/core/transcript.hpp>
#include <callgate/time.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace callgate::core {

/** Direction as the unified model knows it; unknown until some event says. */
enum class Direction { unknown, inbound, outbound };

/** How far a call had got according to one provider event. Phases only move forward. */
enum class Phase { other = 0, ringing = 1, answered = 2, ended = 3 };

/** Distinct warnings a call or a transcript keeps at most: a noisy source cannot grow a state
 * without bound. */
inline constexpr std::size_t kMaxWarnings = 16;
/** Adds w to a sorted list of distinct warnings, unless it is there or the list is full. */
void add_warning(std::vector<std::string>& warnings, std::string_view w);

std::string_view to_string(Direction d);
std::string_view to_string(Phase p);

/** A reference to a participant, rendered as {"object":"resourceRef","model":..,"id":..}. */
struct ResourceRef {
  std::string model;
  std::string id;
  friend bool operator==(const ResourceRef&, const ResourceRef&) = default;
};

/** Whose calls a source's are: its connector and owner ids (per source, defaulting to the
 * top-level ones), carried by every event it causes to every sink. */
struct Identity {
  std::string connector_id;
  std::string owner_id;
  friend bool operator==(const Identity&, const Identity&) = default;
};

/**
 * What one provider event says about one call, already in unified terms. Adapters produce these;
 * the correlation core folds them into a CallState. Empty strings and nullopt mean "not said".
 */
struct Observation {
  std::string source;     ///< configured source name (the URL path segment)
  Identity identity;      ///< the source's connector and owner ids (set with the source)
  std::string call_key;   ///< provider's call key; empty when the call must be matched by match_key
  std::string match_key;  ///< source-specific tuple used to find a live call when call_key is empty
  std::string dedup_key;  ///< identifies this delivery: provider event id, or a hash of the body
  /** How long dedup_key is remembered when shorter than the configured window: set when the
   * key cannot tell a redelivery from an identical new event (a PBX body with no id or time). */
  std::optional<std::chrono::seconds> dedup_window;
  std::string event_type;  ///< provider's own event name, for logs and metrics
  TimePoint event_time{};  ///< provider's time for this event (receive time if it gave none)
  Phase phase = Phase::other;
  Direction direction = Direction::unknown;
  std::optional<TimePoint> started_at;
  std::optional<TimePoint> answered_at;
  std::optional<TimePoint> ended_at;
  bool answered = false;   ///< the provider says the call was answered, possibly without a time
  bool voicemail = false;  ///< the provider says the call went to voicemail
  std::string recording_url;
  std::string external_number;
  std::string internal_number;
  std::vector<ResourceRef> users;     ///< internal participants
  std::vector<ResourceRef> contacts;  ///< external participants
  std::vector<std::string> warnings;  ///< what was missing or odd in the payload
  nlohmann::json raw;                 ///< the provider payload when the source sets include_raw
  /** Transcript text this event carries (a transcription callback). When set, the observation
   * says nothing else about the call: only its key and source are read. */
  std::optional<TranscriptObservation> transcript;
};

}  // namespace callgate::core
