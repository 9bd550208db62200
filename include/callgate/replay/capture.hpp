#pragma once

#include <callgate/error.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace callgate::replay {

/** One captured webhook request. */
struct CaptureItem {
  std::string body;  ///< the request body as bytes (a captured JSON object is re-serialised)
  std::string method = "POST";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  ///< as captured, when they were
};

/**
 * Reads a capture file: a JSON array, or JSON values one after another (with or without commas
 * between them, as hand-made captures often are), each either
 * {"body":..,"method":..,"url":..,"headers":{..}} or a bare body. errc::bad_json when a value
 * cannot be read.
 */
result<std::vector<CaptureItem>> read_capture(std::string_view text);

}  // namespace callgate::replay
