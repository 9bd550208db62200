#pragma once

#include <callgate/core/boxed.hpp>
#include <callgate/core/observation.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace callgate::core {

/** A value plus the provider event time it came from, so a later-arriving older event loses. */
template <class T>
struct Timed {
  T value{};
  TimePoint at{};
  bool set = false;
  friend bool operator==(const Timed&, const Timed&) = default;
};

/**
 * Everything callgate remembers about one call between its events. Stored as JSON by every store.
 * Time fields merge by taking the earliest value; other fields by the newest provider event time.
 */
struct CallState {
  std::string id;
  std::string source;
  std::string call_key;
  std::string match_key;
  TimePoint created_at{};           ///< when callgate first saw the call
  TimePoint updated_at{};           ///< when callgate last emitted for it
  std::int64_t events_emitted = 0;  ///< numbers the idempotency keys of this call's events
  bool deleted_emitted = false;
  Phase phase = Phase::other;
  bool answered = false;
  bool voicemail = false;
  std::optional<TimePoint> first_event_at;
  std::optional<TimePoint> started_at;
  std::optional<TimePoint> answered_at;
  std::optional<TimePoint> ended_at;
  Timed<Direction> direction;
  Timed<std::string> recording_url;
  Timed<std::string> external_number;
  Timed<std::string> internal_number;
  Timed<std::vector<ResourceRef>> users;
  Timed<std::vector<ResourceRef>> contacts;
  Timed<nlohmann::json> raw;
  std::vector<std::string> warnings;  ///< sorted, unique
  /** Its transcript, kept and purged with it. A call known only by its transcript (text came
   * first) has events_emitted == 0: its first call event is still `created`. */
  Boxed<Transcript> transcript;

  bool ended() const { return phase == Phase::ended; }
  friend bool operator==(const CallState&, const CallState&) = default;
};

nlohmann::json to_json(const CallState& s);
/** Inverse of to_json; nullopt if the stored document is not a call state. */
std::optional<CallState> call_state_from_json(const nlohmann::json& j);

}  // namespace callgate::core
