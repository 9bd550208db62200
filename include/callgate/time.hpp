#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace callgate {

/** Wall-clock instant with millisecond precision; every time in callgate is one of these. */
using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;

/** Parses ISO 8601 / RFC 3339 ("2025-08-14T18:52:41.730Z", "...27.521992+02:00"). Sub-millisecond
 * digits are truncated. Returns nullopt for anything else. */
std::optional<TimePoint> parse_iso8601(std::string_view text);

/** Formats as UTC with milliseconds: "2025-08-14T18:52:41.730Z". */
std::string format_iso8601(TimePoint t);

/** Parses a decimal Unix timestamp in seconds ("1614265330"). */
std::optional<TimePoint> parse_unix_seconds(std::string_view text);

/** "2025-08-14T18:52:41Z", or an age such as "90s", "15m", "2h", "7d" before now. */
std::optional<TimePoint> parse_since(std::string_view text, TimePoint now);

/** Milliseconds since the Unix epoch. */
inline std::int64_t to_unix_ms(TimePoint t) { return t.time_since_epoch().count(); }
inline TimePoint from_unix_ms(std::int64_t ms) { return TimePoint{std::chrono::milliseconds{ms}}; }

/** The current wall-clock time; only the edges (http, app) call this, the core gets time passed in.
 */
inline TimePoint now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

}  // namespace callgate
