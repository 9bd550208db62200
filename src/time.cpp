#include <callgate/time.hpp>
#include <charconv>
#include <cstdio>

namespace callgate {
namespace {

bool read_int(std::string_view s, std::size_t pos, std::size_t len, int& out) {
  if (pos + len > s.size()) return false;
  const char* b = s.data() + pos;
  auto [ptr, ec] = std::from_chars(b, b + len, out);
  return ec == std::errc{} && ptr == b + len;
}

}  // namespace

std::optional<TimePoint> parse_iso8601(std::string_view s) {
  using namespace std::chrono;
  // YYYY-MM-DDTHH:MM:SS at fixed positions, then optional fraction, then Z or +HH:MM / -HH:MM.
  int y, mo, d, h, mi, sec;
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' ||
      (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' || s[16] != ':')
    return std::nullopt;
  if (!read_int(s, 0, 4, y) || !read_int(s, 5, 2, mo) || !read_int(s, 8, 2, d) ||
      !read_int(s, 11, 2, h) || !read_int(s, 14, 2, mi) || !read_int(s, 17, 2, sec))
    return std::nullopt;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;

  std::size_t pos = 19;
  int millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 3) millis = millis * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (int i = digits; i < 3; ++i) millis *= 10;
  }
  int offset_minutes = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!read_int(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !read_int(s, pos + 4, 2, om) || oh > 23 || om > 59)
      return std::nullopt;
    offset_minutes = (oh * 60 + om) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;

  auto t = sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec} + milliseconds{millis} -
           minutes{offset_minutes};
  return time_point_cast<milliseconds>(t);
}

std::string format_iso8601(TimePoint t) {
  using namespace std::chrono;
  auto days = floor<std::chrono::days>(t);
  year_month_day ymd{days};
  hh_mm_ss hms{t - days};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                static_cast<int>(hms.subseconds().count()));
  return buf;
}

std::optional<TimePoint> parse_unix_seconds(std::string_view s) {
  std::int64_t v = 0;
  if (s.empty() || s.size() > 12) return std::nullopt;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || ptr != s.data() + s.size() || v < 0) return std::nullopt;
  return from_unix_ms(v * 1000);
}

std::optional<TimePoint> parse_since(std::string_view text, TimePoint now) {
  if (auto t = parse_iso8601(text)) return t;
  if (text.size() < 2) return std::nullopt;
  std::int64_t n = 0;
  std::size_t used = 0;
  try {
    n = std::stoll(std::string(text), &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (used != text.size() - 1 || n < 0) return std::nullopt;
  const std::int64_t unit = text.back() == 's'   ? 1
                            : text.back() == 'm' ? 60
                            : text.back() == 'h' ? 3600
                            : text.back() == 'd' ? 86400
                                                 : 0;
  if (unit == 0) return std::nullopt;
  return now - std::chrono::seconds(n * unit);
}

}  // namespace callgate
