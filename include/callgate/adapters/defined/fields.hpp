#pragma once

#include <callgate/adapters/defined/definition.hpp>
#include <callgate/error.hpp>
#include <callgate/time.hpp>
#include <callgate/verify/common.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace callgate::adapters::defined {

/** A form body's fields, decoded, in the order sent (a name may repeat). */
using FormFields = std::vector<std::pair<std::string, std::string>>;

/** One request as templates and fields read it. Pointers are null where not needed. */
struct Input {
  const verify::Headers& headers;
  std::string_view body;
  std::string_view query;               ///< the request's query string, without '?'
  const nlohmann::json* doc = nullptr;  ///< the body as JSON (a form body as an object)
  const FormFields* form = nullptr;     ///< a form body's fields
  const std::vector<std::pair<std::string, std::string>>* settings = nullptr;  ///< url/string keys
};

/** Decodes application/x-www-form-urlencoded ('+' is a space); errc::bad_json when malformed. */
result<FormFields> parse_form(std::string_view body);
/** A form as a JSON object of strings; a repeated name keeps its last value. */
nlohmann::json form_object(const FormFields& form);

/** The value at a path, as text (numbers and booleans as written); nullopt when absent. */
std::optional<std::string> lookup(const nlohmann::json& doc, const Path& path);
/** The template's text, or nullopt when one of its placeholders is absent or empty. */
std::optional<std::string> render(const Template& t, const Input& in);
/** The field's value: the first alternative present, its prefix, then the value map. */
std::optional<std::string> read(const Field& f, const Input& in);
/** The field as a time in its format; nullopt when absent or unreadable. */
std::optional<TimePoint> read_time(const Field& f, const Input& in);
/** A duration in seconds, a number or a string ("42", "42.5" counts 42). */
std::optional<std::chrono::seconds> parse_seconds(std::string_view text);
/** Parses a time as written in format (RFC 2822: "Tue, 14 Aug 2018 17:19:38 +0000"). */
std::optional<TimePoint> parse_time(std::string_view text, TimeFormat format);

}  // namespace callgate::adapters::defined
