#pragma once

#include <algorithm>
#include <boost/url/parse.hpp>
#include <charconv>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace callgate::http {

/** A request target's path and its query parameters, decoded (admin API and console). */
struct Query {
  std::string path;
  std::map<std::string, std::string, std::less<>> params;

  std::string get(std::string_view key, std::string fallback = {}) const {
    auto it = params.find(key);
    return it == params.end() ? fallback : it->second;
  }
  /** A parameter that must be a whole number (0 or more); fallback when absent, nullopt when it
   * is anything else. */
  std::optional<std::int64_t> whole(std::string_view key, std::int64_t fallback) const {
    auto it = params.find(key);
    if (it == params.end()) return fallback;
    std::int64_t n = 0;
    const auto& text = it->second;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || end != text.data() + text.size() || n < 0) return std::nullopt;
    return n;
  }
  /** `limit` (default 100), at most max. */
  std::size_t limit(std::size_t max) const {
    std::size_t n = 100;
    try {
      n = std::stoul(get("limit", "100"));
    } catch (const std::exception&) {
    }
    return std::min(n, max);
  }
};

/** nullopt when the target is not a valid origin-form URL. */
inline std::optional<Query> parse_query(std::string_view target) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return std::nullopt;
  Query q;
  q.path = std::string(url->path());
  for (const auto& p : url->params()) q.params[std::string(p.key)] = std::string(p.value);
  return q;
}

}  // namespace callgate::http
