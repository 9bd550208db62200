// Reading values out of a request for a provider definition: field paths, templates, times.
#include <date/tz.h>

#include <algorithm>
#include <boost/url/parse_query.hpp>
#include <callgate/adapters/defined/fields.hpp>
#include <callgate/adapters/json_fields.hpp>
#include <cctype>
#include <charconv>
#include <ctime>

namespace callgate::adapters::defined {
namespace {

using nlohmann::json;

std::optional<std::int64_t> integer(std::string_view text) {
  std::int64_t v = 0;
  if (text.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return v;
}

/** A count with an optional fraction ("1614265330.123", "42.5"): its whole part. */
std::optional<std::int64_t> whole(std::string_view text) {
  return integer(text.substr(0, text.find('.')));
}

/** Milliseconds since the epoch of years 1 to 9999; nullopt outside (no arithmetic overflows). */
std::optional<TimePoint> in_range(std::int64_t ms) {
  if (ms < -62'135'596'800'000 || ms > 253'402'300'799'999) return std::nullopt;
  return from_unix_ms(ms);
}

std::optional<TimePoint> epoch(std::string_view text, bool ms) {
  auto v = whole(text);
  if (!v || *v > 253'402'300'799'999 || *v < -62'135'596'800'000) return std::nullopt;
  return in_range(ms ? *v : *v * 1000);
}

std::optional<TimePoint> rfc2822(std::string_view text) {
  std::tm tm{};
  const std::string s(text);
  const char* end = strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S %z", &tm);
  if (end == nullptr) end = strptime(s.c_str(), "%d %b %Y %H:%M:%S %z", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  const long offset = tm.tm_gmtoff;
  const std::time_t t = timegm(&tm);
  if (t == -1) return std::nullopt;
  return from_unix_ms((static_cast<std::int64_t>(t) - offset) * 1000);
}

/** The fraction of a time's seconds ("10:00:33.238707": 238 ms), taken out of text so that
 * strptime can read the rest; 0 when there is none. */
std::int64_t take_fraction(std::string& text) {
  for (std::size_t i = 0; i + 4 < text.size(); ++i) {
    if (text[i] != ':' || !std::isdigit(static_cast<unsigned char>(text[i + 1])) ||
        !std::isdigit(static_cast<unsigned char>(text[i + 2])) || text[i + 3] != '.' ||
        !std::isdigit(static_cast<unsigned char>(text[i + 4])))
      continue;
    std::size_t end = i + 4;
    std::int64_t ms = 0;
    for (int digits = 0; end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]));
         ++end, ++digits)
      if (digits < 3) ms = ms * 10 + (text[end] - '0');
    for (std::size_t d = end - (i + 4); d < 3; ++d) ms *= 10;
    text.erase(i + 3, end - (i + 3));
    return ms;
  }
  return 0;
}

/** text read whole by a strptime pattern (glibc's, in the C locale: no overflow or
 * uninitialised read on any input, which date::parse's %S had). %z names the offset; without
 * it (a %Z name is read and not used) the time is local to zone (null: UTC), and a time a DST
 * change skips or repeats takes its earlier reading. Fractional seconds are read to the ms. */
std::optional<TimePoint> patterned(std::string_view text, const std::string& pattern,
                                   const date::time_zone* zone) {
  using namespace std::chrono;
  std::string s(text);
  const auto fraction = take_fraction(s);
  std::tm tm{};
  const char* end = strptime(s.c_str(), pattern.c_str(), &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  const auto day = date::year{tm.tm_year + 1900} / (tm.tm_mon + 1) / tm.tm_mday;
  if (!day.ok()) return std::nullopt;
  const auto local =
      date::local_days{day} + hours{tm.tm_hour} + minutes{tm.tm_min} + seconds{tm.tm_sec};
  sys_seconds at;
  if (pattern.find("%z") != std::string::npos)
    at = sys_seconds{local.time_since_epoch()} - seconds{tm.tm_gmtoff};
  else if (zone != nullptr)
    at = zone->to_sys(local, date::choose::earliest);
  else
    at = sys_seconds{local.time_since_epoch()};
  return time_point_cast<milliseconds>(at) + milliseconds{fraction};
}

/** ISO 8601 with an offset, or without one (read in zone). */
std::optional<TimePoint> iso8601(std::string_view text, const date::time_zone* zone) {
  if (auto t = parse_iso8601(text)) return t;
  if (text.size() < 19) return std::nullopt;
  return patterned(text, text[10] == ' ' ? "%Y-%m-%d %H:%M:%S" : "%Y-%m-%dT%H:%M:%S", zone);
}

/** ISO 8601 durations in days, hours, minutes and seconds: "PT20.056S", "P1DT2H3M". */
std::optional<std::chrono::seconds> iso_duration(std::string_view text) {
  if (text.size() < 3 || text[0] != 'P') return std::nullopt;
  double total = 0;
  bool in_time = false, any = false;
  std::size_t pos = 1;
  while (pos < text.size()) {
    if (text[pos] == 'T') {
      in_time = true;
      ++pos;
      continue;
    }
    double n = 0;
    auto [end, ec] = std::from_chars(text.data() + pos, text.data() + text.size(), n);
    if (ec != std::errc{} || end == text.data() + text.size() || n < 0) return std::nullopt;
    const char unit = *end;
    const double scale = !in_time && unit == 'D'   ? 86400
                         : !in_time && unit == 'W' ? 604800
                         : in_time && unit == 'H'  ? 3600
                         : in_time && unit == 'M'  ? 60
                         : in_time && unit == 'S'  ? 1
                                                   : 0;
    if (scale == 0) return std::nullopt;  // years and months have no fixed length
    total += n * scale;
    any = true;
    pos = static_cast<std::size_t>(end - text.data()) + 1;
  }
  if (!any || total > 1e12) return std::nullopt;
  return std::chrono::seconds{static_cast<std::int64_t>(total)};
}

const json* walk(const json& doc, const Path& path, std::size_t first) {
  const json* at = &doc;
  for (std::size_t i = first; i < path.steps.size(); ++i) {
    const auto& step = path.steps[i];
    if (!at->is_object()) return nullptr;
    auto it = at->find(step.key);
    if (it == at->end()) return nullptr;
    at = &*it;
    if (step.index >= 0) {
      if (!at->is_array() || at->size() <= static_cast<std::size_t>(step.index)) return nullptr;
      at = &(*at)[static_cast<std::size_t>(step.index)];
    }
  }
  return at;
}

std::optional<std::string> text_of(const json* at) {
  if (at == nullptr) return std::nullopt;
  if (at->is_string()) return at->get<std::string>();
  if (at->is_number_integer() || at->is_number_unsigned() || at->is_number_float() ||
      at->is_boolean())
    return at->dump();
  return std::nullopt;
}

std::string_view setting(const Input& in, const std::string& name) {
  if (in.settings == nullptr) return {};
  for (const auto& [key, value] : *in.settings)
    if (key == name) return value;
  return {};
}

std::string_view before_query(std::string_view url) { return url.substr(0, url.find('?')); }

/** Name and value pairs sorted by name, then value (a repeated name keeps all its values). */
std::vector<const std::pair<std::string, std::string>*> sorted(const FormFields& form) {
  std::vector<const std::pair<std::string, std::string>*> out;
  for (const auto& kv : form) out.push_back(&kv);
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return *a < *b; });
  return out;
}

/** One placeholder's value; nullopt when absent. */
std::optional<std::string> part_value(const Template::Part& part, const Input& in) {
  using Kind = Template::Part::Kind;
  switch (part.kind) {
    case Kind::literal:
      return part.text;
    case Kind::body:
      return std::string(in.body);
    case Kind::field:
      return text_of(find(in, part.path));
    case Kind::header: {
      auto h = verify::single_header(in.headers, part.text);
      if (!h || !*h) return std::nullopt;
      return std::string(**h);
    }
    case Kind::url: {
      // The configured URL as the provider was given it; the query the request came with
      // replaces the configured one (they are the same when both are there).
      const auto url = setting(in, part.text);
      if (url.empty()) return std::nullopt;
      if (in.query.empty()) return std::string(url);
      return std::string(before_query(url)).append("?").append(in.query);
    }
    case Kind::url_base: {
      const auto url = setting(in, part.text);
      if (url.empty()) return std::nullopt;
      return std::string(before_query(url));
    }
    case Kind::query_sorted: {
      auto query = parse_form(in.query);
      if (!query) return std::nullopt;
      std::string out;
      for (auto* kv : sorted(*query))
        out.append(out.empty() ? "" : "&").append(kv->first).append("=").append(kv->second);
      return out;
    }
    case Kind::form_sorted: {
      if (in.form == nullptr) return std::nullopt;
      std::string out;
      for (auto* kv : sorted(*in.form)) out.append(kv->first).append(kv->second);
      return out;
    }
  }
  return std::nullopt;
}

}  // namespace

result<FormFields> parse_form(std::string_view body) {
  FormFields out;
  if (body.empty()) return out;
  // Boost 1.81's parse_query measures its input with strlen: give it a terminated copy.
  const std::string text(body);
  auto params = boost::urls::parse_query(text);
  if (!params) return make_error_code(errc::bad_json);
  boost::urls::encoding_opts plus_is_space;
  plus_is_space.space_as_plus = true;
  for (const auto& p : *params)
    out.emplace_back(p.key.decode(plus_is_space), p.value.decode(plus_is_space));
  // Percent-encoding can carry any byte; what callgate keeps and emits is JSON, so text that is
  // not UTF-8 is refused here (nlohmann's serializer is the check) rather than later.
  try {
    for (const auto& [k, v] : out) (void)json(k).dump(), (void)json(v).dump();
  } catch (const json::exception&) {
    return make_error_code(errc::bad_json);
  }
  return out;
}

json form_object(const FormFields& form) {
  json j = json::object();
  for (const auto& [k, v] : form) j[k] = v;
  return j;
}

const json* find(const Input& in, const Path& path) {
  if (in.item != nullptr && !path.steps.empty() && path.steps[0].index < 0 &&
      path.steps[0].key == in.item_name)
    return walk(*in.item, path, 1);
  if (in.doc == nullptr) return nullptr;
  return walk(*in.doc, path, 0);
}

std::optional<std::string> lookup(const json& doc, const Path& path) {
  return text_of(walk(doc, path, 0));
}

std::optional<std::string> render(const Template& t, const Input& in) {
  std::string out;
  for (const auto& part : t.parts) {
    auto v = part_value(part, in);
    if (part.suffix) {
      if (v && !v->empty()) out.append(*v).append(*part.suffix);
      continue;
    }
    if (!v || (v->empty() && part.kind != Template::Part::Kind::literal &&
               part.kind != Template::Part::Kind::body &&
               part.kind != Template::Part::Kind::query_sorted &&
               part.kind != Template::Part::Kind::form_sorted))
      return std::nullopt;
    out += *v;
  }
  return out;
}

std::optional<Read> read_with(const Field& f, const Input& in) {
  if (f.when && !holds(*f.when, in)) return std::nullopt;
  for (const auto& a : f.alternatives) {
    auto v = render(a.text, in);
    if (!v) continue;
    std::string value = a.prefix + *v;
    if (f.json) {  // JSON text inside a field: the value is what the path finds in it
      const auto inner = parse_json(value);  // with the body's nesting limit
      auto found = inner ? lookup(*inner, *f.json) : std::nullopt;
      if (!found) continue;
      value = std::move(*found);
    }
    if (!f.values.empty())
      if (auto it = f.values.find(value); it != f.values.end()) value = it->second;
    return Read{std::move(value), &a};  // unmapped values are returned as read: the caller says
  }
  return std::nullopt;
}

std::optional<std::string> read(const Field& f, const Input& in) {
  auto r = read_with(f, in);
  if (!r) return std::nullopt;
  return std::move(r->text);
}

bool holds(const Condition& c, const Input& in) {
  auto v = read(c.field, in);
  const auto same = [&](std::string_view want) {
    return v && std::equal(v->begin(), v->end(), want.begin(), want.end(), [](char x, char y) {
             return std::tolower(static_cast<unsigned char>(x)) ==
                    std::tolower(static_cast<unsigned char>(y));
           });
  };
  if (c.exists) return *c.exists == (v && !v->empty());
  if (c.equals) return same(*c.equals);
  if (!c.in.empty()) return std::any_of(c.in.begin(), c.in.end(), same);
  return v && !v->empty() && *v != "0" && *v != "false";
}

std::optional<TimePoint> parse_time(std::string_view text, const Alternative& how,
                                    const date::time_zone* zone) {
  switch (how.format) {
    case TimeFormat::iso8601:
      return iso8601(text, zone);
    case TimeFormat::rfc2822:
      return rfc2822(text);
    case TimeFormat::epoch_seconds:
      return epoch(text, false);
    case TimeFormat::epoch_ms:
      return epoch(text, true);
    case TimeFormat::pattern:
      return patterned(text, how.pattern, zone);
    case TimeFormat::automatic:
      break;
  }
  if (!text.empty() && std::isdigit(static_cast<unsigned char>(text.front())) &&
      text.find_first_not_of("0123456789.") == std::string_view::npos) {
    auto v = integer(text.substr(0, text.find('.')));
    if (!v) return std::nullopt;
    return in_range(*v > 100'000'000'000 ? *v : *v * 1000);
  }
  if (auto t = iso8601(text, zone)) return t;
  return rfc2822(text);
}

std::optional<std::chrono::seconds> parse_duration(std::string_view text, DurationUnit unit) {
  if (unit == DurationUnit::iso8601) return iso_duration(text);
  auto v = whole(text);
  if (!v || *v < 0 || *v > 1'000'000'000'000) return std::nullopt;  // 31,000 years at most
  return std::chrono::seconds{unit == DurationUnit::milliseconds ? *v / 1000 : *v};
}

}  // namespace callgate::adapters::defined
