// The operator console: its assets and the browser session. Its page reads the admin API.
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <callgate/http/console.hpp>
#include <callgate/http/query.hpp>
#include <callgate/verify/hmac.hpp>
#include <nlohmann/json.hpp>

namespace callgate::http {
namespace {

using json = nlohmann::ordered_json;

constexpr std::string_view kCookie = "cg_console";
constexpr auto kSessionLife = std::chrono::hours(12);

/** Every console answer: same-origin only, never framed, never sniffed. */
Response secured(Response res) {
  res.set("Content-Security-Policy",
          "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  res.set(bhttp::field::cache_control, "no-store");
  return res;
}

Response answer(bhttp::status status, unsigned version, const json& body) {
  return secured(
      json_response(status, version, body.dump(-1, ' ', false, json::error_handler_t::replace)));
}

Response failure(bhttp::status status, unsigned version, std::string_view message) {
  return answer(status, version, json{{"error", message}});
}

std::string_view content_type(std::string_view name) {
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  if (name.ends_with(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

}  // namespace

Console::Console(std::function<bool(std::string_view token)> token_ok)
    : token_ok_(std::move(token_ok)) {}

bool Console::owns(std::string_view path) { return path == "/" || path.starts_with("/console"); }

Response Console::handle(const Request& req) {
  const unsigned v = req.version();
  const std::string_view target{req.target().data(), req.target().size()};
  const auto path = target.substr(0, target.find('?'));
  const bool get = req.method() == bhttp::verb::get;
  const bool post = req.method() == bhttp::verb::post;

  if (get && path == "/") return asset("/index.html", v);
  if (get && path.starts_with("/console/") && path != "/console/index.html" &&
      path != "/console/session")
    return asset(path.substr(8), v);  // every file of console/ (the page itself only at /)
  if (path == "/console/session" && post) return sign_in(req);
  if (path == "/console/session" && get)  // the page asks before it shows anything
    return answer(bhttp::status::ok, v, json{{"signedIn", signed_in(req)}});
  if (path != "/console/signout" || !post)
    return failure(bhttp::status::not_found, v,
                   "no such console page (the console reads the admin API, /admin/...)");
  if (!signed_in(req)) return failure(bhttp::status::unauthorized, v, "sign in first");
  if (!same_origin(req))
    return failure(bhttp::status::forbidden, v, "sign out from the console's own page");
  {
    std::lock_guard lock(mutex_);
    sessions_.erase(session_id(req));
  }
  auto res = answer(bhttp::status::ok, v, json{{"signedOut", true}});
  res.set(bhttp::field::set_cookie,
          std::string(kCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
  return res;
}

Response Console::asset(std::string_view name, unsigned version) {
  for (const auto& f : console_assets())
    if (name == f.name) {
      Response res{bhttp::status::ok, version};
      res.set(bhttp::field::content_type, content_type(name));
      res.body() = f.text;
      res.prepare_payload();
      return secured(std::move(res));
    }
  return failure(bhttp::status::not_found, version, "no such console file");
}

Response Console::sign_in(const Request& req) {
  const unsigned v = req.version();
  if (!same_origin(req))
    return failure(bhttp::status::forbidden, v, "sign in from the console's own page");
  std::chrono::milliseconds wait{};
  {
    std::lock_guard lock(mutex_);
    if (!sign_ins_.take(now(), wait)) {
      auto res = failure(bhttp::status::too_many_requests, v, "too many sign-in attempts");
      res.set(bhttp::field::retry_after,
              std::to_string(std::chrono::ceil<std::chrono::seconds>(wait).count()));
      return res;
    }
  }
  const auto body = nlohmann::json::parse(req.body(), nullptr, false);
  const auto token = body.is_object() ? body.value("token", std::string()) : std::string();
  if (token.empty() || !token_ok_(token)) {
    spdlog::warn("console: a sign-in with a wrong token was refused");
    return failure(bhttp::status::unauthorized, v, "wrong admin token");
  }
  std::string raw(32, '\0');
  randombytes_buf(raw.data(), raw.size());
  const auto id = verify::hex_encode(raw);
  {
    std::lock_guard lock(mutex_);
    const auto t = now();
    std::erase_if(sessions_, [t](const auto& kv) { return kv.second < t; });
    sessions_[id] = t + kSessionLife;
  }
  spdlog::info("console: signed in");
  auto res = answer(bhttp::status::ok, v, json{{"signedIn", true}});
  const auto proto = req.find("X-Forwarded-Proto");
  const bool tls = proto != req.end() && proto->value() == "https";
  res.set(bhttp::field::set_cookie,
          std::string(kCookie) + "=" + id + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
              std::to_string(std::chrono::seconds(kSessionLife).count()) + (tls ? "; Secure" : ""));
  return res;
}

std::string Console::session_id(const Request& req) {
  const auto cookies = req.find(bhttp::field::cookie);
  if (cookies == req.end()) return {};
  const std::string_view text{cookies->value().data(), cookies->value().size()};
  const auto at = text.find(std::string(kCookie) + "=");
  if (at == std::string_view::npos) return {};
  auto value = text.substr(at + kCookie.size() + 1);
  return std::string(value.substr(0, value.find(';')));
}

bool Console::signed_in(const Request& req) {
  const auto id = session_id(req);
  if (id.empty()) return false;
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  return it != sessions_.end() && it->second > now();
}

bool Console::same_origin(const Request& req) {
  const auto origin = req.find(bhttp::field::origin);
  const auto host = req.find(bhttp::field::host);
  if (origin == req.end() || host == req.end()) return false;
  const std::string_view o{origin->value().data(), origin->value().size()};
  const std::string h(host->value());
  return o == "http://" + h || o == "https://" + h;
}

}  // namespace callgate::http
