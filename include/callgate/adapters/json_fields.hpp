#pragma once

#include <callgate/core/observation.hpp>
#include <callgate/error.hpp>
#include <callgate/time.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace callgate::adapters {

/** Parses a body without exceptions, with a nesting limit; errc::bad_json on failure. */
result<nlohmann::json> parse_json(std::string_view body);

/** j[key] as a string when it is one, else "". Never throws. */
std::string str(const nlohmann::json& j, std::string_view key);
/** j[key] as an ISO 8601 time when it is one. */
std::optional<TimePoint> iso_time(const nlohmann::json& j, std::string_view key);
/** j[key] when it is an object, else a null json. */
const nlohmann::json& object(const nlohmann::json& j, std::string_view key);

/** "sha256:" + hex digest of the raw body: the redelivery key when a provider gives no event id. */
std::string body_digest(std::string_view body);

/** Gives every observation without a provider event id the body's digest as its redelivery key. */
void fill_redelivery_keys(std::vector<core::Observation>& observations, std::string_view body);

}  // namespace callgate::adapters
