#include <callgate/replay/capture.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

namespace callgate::replay {
namespace {

using nlohmann::json;

CaptureItem item_from(const json& v) {
  CaptureItem item;
  if (v.is_object() && v.contains("body")) {
    const auto& body = v["body"];
    item.body = body.is_string() ? body.get<std::string>() : body.dump();
    if (v.contains("method") && v["method"].is_string()) item.method = v["method"];
    if (v.contains("url") && v["url"].is_string()) item.url = v["url"];
    if (v.contains("headers") && v["headers"].is_object())
      for (const auto& [name, value] : v["headers"].items())
        if (value.is_string()) item.headers.emplace_back(name, value.get<std::string>());
  } else {
    item.body = v.dump();
  }
  return item;
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

}  // namespace

result<std::vector<CaptureItem>> read_capture(std::string_view text) {
  text = trim(text);
  std::vector<CaptureItem> items;
  // The well-formed case first: one array, or one value.
  auto whole = json::parse(text, nullptr, false);
  if (!whole.is_discarded()) {
    if (whole.is_array())
      for (const auto& v : whole) items.push_back(item_from(v));
    else
      items.push_back(item_from(whole));
    return items;
  }
  // Otherwise read values one by one, skipping the separators a broken array leaves.
  if (text.starts_with('[') && text.ends_with(']')) text = trim(text.substr(1, text.size() - 2));
  std::istringstream in{std::string(text)};
  for (;;) {
    while (in && (std::isspace(in.peek()) || in.peek() == ',')) in.get();
    if (in.peek() == std::char_traits<char>::eof()) break;
    json v;
    try {
      in >> v;
    } catch (const json::exception&) {
      return make_error_code(errc::bad_json);
    }
    items.push_back(item_from(v));
  }
  return items;
}

}  // namespace callgate::replay
