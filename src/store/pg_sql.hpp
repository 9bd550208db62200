#pragma once
// What both sides of the PostgreSQL store use: the statements they share, the parsing of a
// stored call, and the connection settings a config gives. Private to store/ (as sqlite_sql.hpp).

#include <callgate/core/call_state.hpp>
#include <callgate/error.hpp>
#include <callgate/store/store.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "pg_connection.hpp"

namespace callgate::store::pg {

inline constexpr const char* kLoadCall = "SELECT state FROM calls WHERE id = $1";
inline constexpr const char* kCountLive = "SELECT count(*) FROM calls WHERE live";

/** A stored call state; one that does not parse is corrupt_state (never a new call invented). */
inline result<core::CallState> state_of(std::string_view text) {
  auto state = core::call_state_from_json(nlohmann::json::parse(text, nullptr, false));
  if (!state) return make_error_code(errc::corrupt_state);
  return std::move(*state);
}

/** A time as the tables keep it: Unix milliseconds, as text. */
inline std::string ms(TimePoint t) { return std::to_string(to_unix_ms(t)); }

/** The connection timeouts store.* sets. */
inline Timeouts timeouts_of(const StoreConfig& c) {
  return {std::chrono::milliseconds(c.connect_timeout_ms),
          std::chrono::milliseconds(c.command_timeout_ms),
          std::chrono::milliseconds(c.reconnect_interval_ms)};
}

}  // namespace callgate::store::pg
