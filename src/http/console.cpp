// The operator console: its assets, the browser session, and the JSON its page reads.
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <callgate/core/correlate.hpp>
#include <callgate/http/console.hpp>
#include <callgate/http/query.hpp>
#include <callgate/verify/hmac.hpp>
#include <nlohmann/json.hpp>

namespace callgate::http {
namespace {

using json = nlohmann::ordered_json;

constexpr std::string_view kCookie = "cg_console";
constexpr auto kSessionLife = std::chrono::hours(12);
constexpr auto kSampleEvery = std::chrono::seconds(5);
constexpr auto kHistory = std::chrono::minutes(10);
constexpr std::size_t kPage = 50;
constexpr std::size_t kMaxScan = 20000;  // live calls a search looks through at most

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

/** The value of label `key` in a rendered label set such as {source="pbx",status="200"}. */
std::string label(std::string_view labels, std::string_view key) {
  const auto start = labels.find(std::string(key) + "=\"");
  if (start == std::string_view::npos) return {};
  std::string out;
  for (auto i = start + key.size() + 2; i < labels.size() && labels[i] != '"'; ++i) {
    if (labels[i] == '\\' && i + 1 < labels.size()) ++i;
    out += labels[i];
  }
  return out;
}

std::string digits(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c >= '0' && c <= '9') out += c;
  return out;
}

}  // namespace

Console::Console(store::Store& store, metrics::Metrics& metrics, std::vector<std::string> sinks,
                 std::function<void()> wake_sinks, Sources sources)
    : store_(store),
      metrics_(metrics),
      sinks_(std::move(sinks)),
      wake_sinks_(std::move(wake_sinks)),
      sources_(std::move(sources)) {}

bool Console::owns(std::string_view path) { return path == "/" || path.starts_with("/console"); }

Response Console::handle(const Request& req) {
  const unsigned v = req.version();
  const std::string_view target{req.target().data(), req.target().size()};
  const auto query = parse_query(target);
  if (!query)
    return failure(bhttp::status::bad_request, v, "the request target is not a valid URL");
  const auto path = target.substr(0, target.find('?'));
  const bool get = req.method() == bhttp::verb::get;
  const bool post = req.method() == bhttp::verb::post;

  if (get && (path == "/" || path == "/console/console.js" || path == "/console/console.css" ||
              path == "/console/favicon.svg"))
    return asset(path == "/" ? "/index.html" : path.substr(8), v);
  if (path == "/console/session" && post) return sign_in(req);
  if (path == "/console/session" && get)  // the page asks before it shows anything
    return answer(bhttp::status::ok, v, json{{"signedIn", signed_in(req)}});
  if (!path.starts_with("/console/api/") && path != "/console/signout")
    return failure(bhttp::status::not_found, v, "no such console page");
  if (!signed_in(req)) return failure(bhttp::status::unauthorized, v, "sign in first");
  if (post && !same_origin(req))
    return failure(bhttp::status::forbidden, v, "a change must come from the console's own page");
  if (path == "/console/signout" && post) {
    {
      std::lock_guard lock(mutex_);
      sessions_.erase(session_id(req));
    }
    auto res = answer(bhttp::status::ok, v, json{{"signedOut", true}});
    res.set(bhttp::field::set_cookie, std::string(kCookie) +
                                          "=; Path=/; HttpOnly; "
                                          "SameSite=Strict; Max-Age=0");
    return res;
  }
  if (path == "/console/api/overview" && get) return overview(v);
  if (path == "/console/api/calls" && get) return calls(*query, v);
  if (path.starts_with("/console/api/calls/") && get)
    return secured(sources_.timeline(path.substr(19), v));
  if (path == "/console/api/redeliver" && post) return redeliver(*query, v);
  return failure(bhttp::status::not_found, v, "no such console endpoint");
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
  if (token.empty() || !sources_.token_ok(token)) {
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

Console::Sample Console::snapshot(TimePoint t) const {
  Sample s{t, {}};
  for (const auto& [labels, n] : metrics_.series_of("callgate_requests_total")) {
    const auto source = label(labels, "source");
    if (source.empty() || source == "(unknown)") continue;
    if (label(labels, "status") == "200") s.by_source[source].first += n;
  }
  for (const auto& [labels, n] : metrics_.series_of("callgate_rejections_total")) {
    const auto source = label(labels, "source");
    if (!source.empty() && source != "(unknown)") s.by_source[source].second += n;
  }
  return s;
}

void Console::sample(const Sample& now) {
  std::lock_guard lock(mutex_);
  if (!samples_.empty() && now.at - samples_.back().at < kSampleEvery) return;
  samples_.push_back(now);
  while (samples_.size() > 1 && now.at - samples_.front().at > kHistory) samples_.pop_front();
}

Response Console::overview(unsigned v) {
  const auto t = now();
  const auto current = snapshot(t);  // the numbers now; every kSampleEvery also the chart's
  sample(current);
  json sources = json::array();
  {
    std::lock_guard lock(mutex_);
    std::map<std::string, json> reasons;
    for (const auto& [labels, n] : metrics_.series_of("callgate_rejections_total")) {
      const auto source = label(labels, "source");
      if (source.empty() || source == "(unknown)") continue;
      if (!reasons.contains(source)) reasons[source] = json::object();
      reasons[source][label(labels, "reason")] = n;
    }
    for (const auto& [name, totals] : current.by_source) {
      json series = json::array();
      for (std::size_t i = 1; i < samples_.size(); ++i) {
        const auto& a = samples_[i - 1].by_source;
        const auto& b = samples_[i].by_source;
        const auto before = a.contains(name) ? a.at(name) : std::pair<std::int64_t, std::int64_t>{};
        const auto after = b.contains(name) ? b.at(name) : before;
        series.push_back({{"at", format_iso8601(samples_[i].at)},
                          {"accepted", after.first - before.first},
                          {"rejected", after.second - before.second}});
      }
      sources.push_back({{"name", name},
                         {"accepted", totals.first},
                         {"rejected", totals.second},
                         {"rejectedBy", reasons.contains(name) ? reasons[name] : json::object()},
                         {"series", series}});
    }
  }
  json sinks = json::array();
  for (const auto& name : sinks_) {
    auto dead = store_.list_dead_letters(name, kPage);
    if (!dead) return failure(bhttp::status::service_unavailable, v, "the store is unavailable");
    json letters = json::array();
    for (const auto& d : *dead)
      letters.push_back({{"seq", d.row.seq},
                         {"callId", d.row.call_id},
                         {"eventType", d.row.event_type},
                         {"idempotencyKey", d.row.idempotency_key},
                         {"error", d.reason},
                         {"attempts", d.attempts},
                         {"deadAt", format_iso8601(d.at)}});
    sinks.push_back({{"name", name},
                     {"lag", metrics_.value("callgate_sink_lag_events", {{"sink", name}})},
                     {"deadLetters", letters}});
  }
  json events = json::array();
  auto last = store_.last_outbox_seq();
  if (!last) return failure(bhttp::status::service_unavailable, v, "the store is unavailable");
  if (auto rows = store_.read_outbox(std::max<std::int64_t>(*last - 20, 0), 20); rows) {
    for (auto i = rows->size(); i-- > 0;)
      events.push_back({{"seq", (*rows)[i].seq},
                        {"at", format_iso8601((*rows)[i].created_at)},
                        {"callId", (*rows)[i].call_id},
                        {"eventType", (*rows)[i].event_type},
                        {"idempotencyKey", (*rows)[i].idempotency_key}});
  }
  return with_live_count(json{{"sources", sources}, {"sinks", sinks}, {"events", events}}, v);
}

Response Console::with_live_count(json body, unsigned v) {
  auto live = store_.count_live_calls();
  body["liveCalls"] = live ? *live : 0;
  return answer(bhttp::status::ok, v, body);
}

Response Console::calls(const Query& query, unsigned v) {
  const auto q = query.get("q");
  std::size_t offset = 0;
  try {
    offset = std::stoul(query.get("offset", "0"));
  } catch (const std::exception&) {
  }
  const auto wanted = digits(q);
  // A page needs only its own calls; a search looks through the newest kMaxScan.
  auto all = store_.list_live_calls(q.empty() ? offset + kPage : kMaxScan);
  if (!all) return failure(bhttp::status::service_unavailable, v, "the store is unavailable");
  json out = json::array();
  std::size_t matched = 0;
  for (const auto& c : *all) {
    const bool match =
        q.empty() || c.id.starts_with(q) ||
        (!wanted.empty() && (digits(c.external_number.value).find(wanted) != std::string::npos ||
                             digits(c.internal_number.value).find(wanted) != std::string::npos));
    if (!match) continue;
    if (matched++ < offset || out.size() >= kPage) continue;
    const auto f = core::unified_fields(c);
    out.push_back({{"id", c.id},
                   {"source", c.source},
                   {"externalNumber", f["externalNumber"]},
                   {"internalNumber", f["internalNumber"]},
                   {"direction", f["direction"]},
                   {"status", f["status"]},
                   {"startedAt", f["startedAt"]}});
  }
  return with_live_count(json{{"calls", out}, {"matched", matched}, {"offset", offset}}, v);
}

Response Console::redeliver(const Query& query, unsigned v) {
  const auto sink = query.get("sink");
  if (std::find(sinks_.begin(), sinks_.end(), sink) == sinks_.end())
    return failure(bhttp::status::not_found, v, "no sink named '" + sink + "'");
  std::int64_t seq = 0;
  try {
    seq = std::stoll(query.get("seq"));
  } catch (const std::exception&) {
    return failure(bhttp::status::bad_request, v, "seq must be a whole number");
  }
  if (seq <= 0) return failure(bhttp::status::bad_request, v, "seq must be a dead letter's seq");
  auto moved = store_.redeliver_dead_letters(sink, seq, now());
  if (!moved) return failure(bhttp::status::service_unavailable, v, "the store is unavailable");
  spdlog::info("console: dead letter {} of sink {} queued for delivery again", seq, sink);
  wake_sinks_();
  return answer(bhttp::status::ok, v, json{{"redelivered", *moved}});
}

}  // namespace callgate::http
