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
  const nlohmann::json* item = nullptr;   ///< with `items:`, the element being read
  std::string_view item_name = {};        ///< the name paths give that element ("item")
  const date::time_zone* zone = nullptr;  ///< where times without a zone are read (null: UTC)
  bool get = false;                       ///< a GET: the query is the form
};

/** Decodes application/x-www-form-urlencoded ('+' is a space); errc::bad_json when malformed. */
result<FormFields> parse_form(std::string_view body);
/** A form as a JSON object of strings; a repeated name keeps its last value. */
nlohmann::json form_object(const FormFields& form);

/** The value at a path, as text (numbers and booleans as written); nullopt when absent. */
std::optional<std::string> lookup(const nlohmann::json& doc, const Path& path);
/** The JSON value at a path (of the element when the path starts with the items' name). */
const nlohmann::json* find(const Input& in, const Path& path);
/** The template's text, or nullopt when one of its placeholders is absent or empty. */
std::optional<std::string> render(const Template& t, const Input& in);
/** The field's value: the first alternative present, its prefix, then the value map; nullopt
 * also when the field's `when` does not hold. */
std::optional<std::string> read(const Field& f, const Input& in);
/** What read found, and the alternative it came from (for its time format). */
struct Read {
  std::string text;
  const Alternative* from = nullptr;
};
std::optional<Read> read_with(const Field& f, const Input& in);
/** Whether a condition holds for this request. */
bool holds(const Condition& c, const Input& in);
/** A duration in whole seconds: "42", "42.5" (42) in seconds, "20056" in milliseconds, or ISO
 * 8601 "PT20.056S" (20); nullopt when unreadable. */
std::optional<std::chrono::seconds> parse_duration(std::string_view text, DurationUnit unit);
/** Parses a time as the alternative says (RFC 2822: "Tue, 14 Aug 2018 17:19:38 +0000"); a time
 * written without a zone is read in `zone` (null: UTC). */
std::optional<TimePoint> parse_time(std::string_view text, const Alternative& how,
                                    const date::time_zone* zone = nullptr);

}  // namespace callgate::adapters::defined
