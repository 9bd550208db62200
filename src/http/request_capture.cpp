// What the request log keeps of a webhook request, and what it says of a refused signature.
#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <callgate/http/request_capture.hpp>
#include <nlohmann/json.hpp>

namespace callgate::http {
namespace {

// Case-insensitive, without allocating: this runs for every header of every request.
bool same(char a, char b) {
  return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
}

bool icontains(std::string_view text, std::string_view word) {
  return std::search(text.begin(), text.end(), word.begin(), word.end(), same) != text.end();
}

bool istarts(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         boost::beast::iequals(text.substr(0, prefix.size()), prefix);
}

bool secret_name(std::string_view name) {
  // Lower-cased once into a buffer on the stack; a longer name is searched as it is.
  char buffer[64];
  if (name.size() <= sizeof buffer) {
    for (std::size_t i = 0; i < name.size(); ++i)
      buffer[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
    name = {buffer, name.size()};
  }
  if (name == "cookie") return true;
  for (std::string_view word :
       {"auth", "signature", "token", "secret", "api-key", "apikey", "api_key", "password"})
    if (name.size() > sizeof buffer ? icontains(name, word) : name.find(word) != name.npos)
      return true;  // auth: authorization, proxy-authorization too
  return false;
}

/** The JSON body with the string at a dotted path redacted; nullopt when there is none. */
std::optional<std::string> redact_field(const std::string& body, std::string_view path) {
  auto doc = nlohmann::json::parse(body, nullptr, false);
  nlohmann::json* at = &doc;
  while (!path.empty()) {
    const auto dot = path.find('.');
    const std::string key(path.substr(0, dot));
    path = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
    if (!at->is_object() || !at->contains(key)) return std::nullopt;
    at = &(*at)[key];
  }
  if (!at->is_string()) return std::nullopt;
  *at = redact_value(at->get<std::string>());
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

bool secret_header(std::string_view name, const adapters::CheckDescription& check) {
  for (const auto& h : check.headers)
    if (boost::beast::iequals(h, name)) return true;
  return secret_name(name);
}

std::string redact_value(std::string_view value) {
  std::string out;
  for (std::string_view scheme : {"Bearer ", "Basic ", "Token "})
    if (value.size() > scheme.size() && istarts(value, scheme)) {
      out = std::string(value.substr(0, scheme.size()));
      value.remove_prefix(scheme.size());
      break;
    }
  if (value.size() >= 16) out.append(value.substr(0, 4));
  return out + "… (" + std::to_string(value.size()) + " chars)";
}

std::string redact_target(std::string_view target) {
  const auto mark = target.find('?');
  if (mark == std::string_view::npos) return std::string(target);
  std::string out(target.substr(0, mark + 1));
  std::string_view query = target.substr(mark + 1);
  bool first = true;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const auto eq = pair.find('=');
    if (!first) out += '&';
    first = false;
    if (eq != std::string_view::npos && secret_name(pair.substr(0, eq)))
      out.append(pair.substr(0, eq + 1)).append(redact_value(pair.substr(eq + 1)));
    else
      out.append(pair);
  }
  return out;
}

store::RequestRecord capture(const Request& req, std::string_view source_name,
                             const adapters::Source* source,
                             const adapters::CheckDescription& check, std::string remote,
                             const store::RequestLogConfig& config, TimePoint at) {
  store::RequestRecord r;
  r.at = at;
  r.source = std::string(source_name);
  r.method = std::string(req.method_string());
  const std::string_view target{req.target().data(), req.target().size()};
  r.target = redact_target(target);
  r.remote = std::move(remote);
  r.headers.reserve(static_cast<std::size_t>(std::distance(req.base().begin(), req.base().end())));
  for (const auto& field : req.base()) {
    const std::string_view name{field.name_string().data(), field.name_string().size()};
    const std::string_view value{field.value().data(), field.value().size()};
    if (!secret_header(name, check)) {
      r.headers.emplace_back(name, value);
      continue;
    }
    r.headers.emplace_back(name, redact_value(value));
    if (config.bodies) r.sealed_headers.emplace_back(name, value);
  }
  const auto& body = req.body();
  r.body_size = static_cast<std::int64_t>(body.size());
  if (config.bodies) {
    const bool whole = body.size() <= config.max_body_bytes;
    auto shown = check.body_field.empty() ? std::nullopt : redact_field(body, check.body_field);
    if (shown && whole) r.sealed_body = body;
    r.body = (shown ? *shown : body).substr(0, config.max_body_bytes);
    r.replayable = source != nullptr && whole;
    if (r.replayable && r.target != target)  // the redacted query hides what the replay needs
      r.sealed_query = std::string(target.substr(target.find('?') + 1));
  }
  return r;
}

std::string diagnose(const adapters::CheckDescription& check, const Request& req, TimePoint at) {
  using json = nlohmann::ordered_json;
  json d{{"scheme", check.scheme.empty() ? "none" : check.scheme}};
  if (!check.signs.empty()) d["signs"] = check.signs;
  json headers = json::array();
  for (const auto& name : check.headers) {
    const auto it = req.base().find(name);
    headers.push_back({{"name", name}, {"present", it != req.base().end()}});
  }
  if (!check.body_field.empty()) d["bodyField"] = check.body_field;
  d["headers"] = headers;
  if (!check.timestamp_header.empty()) {
    json ts{{"header", check.timestamp_header}, {"toleranceSeconds", check.tolerance.count()}};
    const auto it = req.base().find(check.timestamp_header);
    if (it == req.base().end()) {
      ts["value"] = nullptr;
    } else {
      const std::string value(it->value());
      ts["value"] = value;
      char* end = nullptr;
      const auto n = std::strtoll(value.c_str(), &end, 10);
      if (end != value.c_str() && *end == '\0') {
        const auto sent = check.timestamp_ms ? n / 1000 : n;
        ts["skewSeconds"] = to_unix_ms(at) / 1000 - sent;  // positive: it was signed earlier
      }
    }
    d["timestamp"] = ts;
  }
  if (!check.urls.empty()) {
    json urls = json::array();
    for (const auto& [key, value] : check.urls) urls.push_back({{"key", key}, {"url", value}});
    d["signedUrls"] = urls;
    // Where the request was sent, as the proxy in front of callgate passed it on: a signed URL
    // that differs from it (scheme, host, path) is the usual cause of a URL-signing mismatch.
    const auto host = req.base().find(bhttp::field::host);
    const auto proto = req.base().find("X-Forwarded-Proto");
    const auto fwd_host = req.base().find("X-Forwarded-Host");
    std::string reached = std::string(proto != req.base().end() ? proto->value() : "http") + "://" +
                          std::string(fwd_host != req.base().end() ? fwd_host->value()
                                      : host != req.base().end()   ? host->value()
                                                                   : "") +
                          std::string(req.target());
    d["requestUrl"] = redact_target(reached);
  }
  d["secretsTried"] = check.secrets;
  return d.dump();
}

}  // namespace callgate::http
