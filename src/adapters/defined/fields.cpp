// Reading values out of a request for a provider definition: field paths, templates, times.
#include <algorithm>
#include <boost/url/parse_query.hpp>
#include <callgate/adapters/defined/fields.hpp>
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

std::optional<TimePoint> epoch(std::string_view text, bool ms) {
  auto v = whole(text);
  if (!v) return std::nullopt;
  return from_unix_ms(ms ? *v : *v * 1000);
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

std::optional<std::string> lookup(const json& doc, const Path& path) {
  const json* at = &doc;
  for (const auto& step : path.steps) {
    if (!at->is_object()) return std::nullopt;
    auto it = at->find(step.key);
    if (it == at->end()) return std::nullopt;
    at = &*it;
    if (step.index >= 0) {
      if (!at->is_array() || at->size() <= static_cast<std::size_t>(step.index))
        return std::nullopt;
      at = &(*at)[static_cast<std::size_t>(step.index)];
    }
  }
  if (at->is_string()) return at->get<std::string>();
  if (at->is_number_integer() || at->is_number_unsigned() || at->is_number_float() ||
      at->is_boolean())
    return at->dump();
  return std::nullopt;
}

std::optional<std::string> render(const Template& t, const Input& in) {
  using Kind = Template::Part::Kind;
  std::string out;
  for (const auto& part : t.parts) {
    switch (part.kind) {
      case Kind::literal:
        out += part.text;
        break;
      case Kind::body:
        out += in.body;
        break;
      case Kind::field: {
        if (in.doc == nullptr) return std::nullopt;
        auto v = lookup(*in.doc, part.path);
        if (!v || v->empty()) return std::nullopt;
        out += *v;
        break;
      }
      case Kind::header: {
        auto h = verify::single_header(in.headers, part.text);
        if (!h || !*h || (*h)->empty()) return std::nullopt;
        out += **h;
        break;
      }
      case Kind::url: {
        if (in.settings == nullptr) return std::nullopt;
        auto it = std::find_if(in.settings->begin(), in.settings->end(),
                               [&](const auto& kv) { return kv.first == part.text; });
        if (it == in.settings->end()) return std::nullopt;
        out += it->second;
        if (!in.query.empty())
          out.append(it->second.find('?') == std::string::npos ? "?" : "&").append(in.query);
        break;
      }
      case Kind::form_sorted: {
        if (in.form == nullptr) return std::nullopt;
        // Sorted by name (a repeated name by value), each name followed by its value.
        std::vector<const std::pair<std::string, std::string>*> sorted;
        for (const auto& kv : *in.form) sorted.push_back(&kv);
        std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return *a < *b; });
        for (auto* kv : sorted) out.append(kv->first).append(kv->second);
        break;
      }
    }
  }
  return out;
}

std::optional<std::string> read(const Field& f, const Input& in) {
  for (std::size_t i = 0; i < f.alternatives.size(); ++i) {
    auto v = render(f.alternatives[i], in);
    if (!v) continue;
    std::string value = f.prefixes[i] + *v;
    if (!f.values.empty()) {
      auto it = f.values.find(value);
      if (it == f.values.end()) return value;  // unmapped: the caller reports it
      return it->second;
    }
    return value;
  }
  return std::nullopt;
}

std::optional<TimePoint> parse_time(std::string_view text, TimeFormat format) {
  switch (format) {
    case TimeFormat::iso8601:
      return parse_iso8601(text);
    case TimeFormat::rfc2822:
      return rfc2822(text);
    case TimeFormat::epoch_seconds:
      return epoch(text, false);
    case TimeFormat::epoch_ms:
      return epoch(text, true);
    case TimeFormat::automatic:
      break;
  }
  if (!text.empty() && std::isdigit(static_cast<unsigned char>(text.front())) &&
      text.find_first_not_of("0123456789.") == std::string_view::npos) {
    auto v = integer(text.substr(0, text.find('.')));
    if (!v) return std::nullopt;
    return from_unix_ms(*v > 100'000'000'000 ? *v : *v * 1000);
  }
  if (auto t = parse_iso8601(text)) return t;
  return rfc2822(text);
}

std::optional<std::chrono::seconds> parse_seconds(std::string_view text) {
  auto v = whole(text);
  if (!v) return std::nullopt;
  return std::chrono::seconds{*v};
}

std::optional<TimePoint> read_time(const Field& f, const Input& in) {
  auto v = read(f, in);
  if (!v) return std::nullopt;
  return parse_time(*v, f.format);
}

}  // namespace callgate::adapters::defined
