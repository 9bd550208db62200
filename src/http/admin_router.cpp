// The admin API: who may use it, its table of endpoints, and the endpoints that are one store
// read each. The calls and a call's timeline are in admin_calls.cpp.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <callgate/http/admin_router.hpp>
#include <callgate/http/metrics_endpoint.hpp>
#include <callgate/store/store.hpp>
#include <callgate/verify/bearer.hpp>
#include <nlohmann/json.hpp>

namespace callgate::http {
namespace {

using json = nlohmann::ordered_json;

Response unavailable(unsigned version) { return error_response(errc::store_unavailable, version); }

}  // namespace

Response admin_error(bhttp::status status, unsigned version, std::string_view message) {
  return json_response(status, version, json{{"error", message}}.dump());
}

const AdminRouter::Route AdminRouter::kRoutes[] = {
    {bhttp::verb::get, "/admin/overview", false, &AdminRouter::overview},
    {bhttp::verb::get, "/admin/events", false, &AdminRouter::events},
    {bhttp::verb::get, "/admin/dead-letters", false, &AdminRouter::dead_letters},
    {bhttp::verb::post, "/admin/dead-letters/redeliver", false, &AdminRouter::redeliver},
    {bhttp::verb::get, "/admin/calls", false, &AdminRouter::calls},
    {bhttp::verb::get, "/admin/calls/", true, &AdminRouter::timeline},
    {bhttp::verb::get, "/metrics", false, &AdminRouter::metrics},
};

AdminRouter::AdminRouter(store::Store& store, metrics::Metrics& metrics,
                         std::vector<std::string> tokens, std::vector<std::string> sinks,
                         std::function<void()> wake_sinks, Regions regions)
    : store_(store),
      metrics_(metrics),
      tokens_(std::move(tokens)),
      sinks_(std::move(sinks)),
      wake_sinks_(std::move(wake_sinks)),
      regions_(std::move(regions)),
      overview_(store, metrics, sinks_),
      console_([this](std::string_view token) {
        for (const auto& t : tokens_)
          if (verify::equal_constant_time(t, token)) return true;
        return false;
      }) {}

Response AdminRouter::reject(errc why, std::string_view, unsigned version) {
  return error_response(why, version);
}

void AdminRouter::handle(Request&& req, ConnectionState&, Reply reply) {
  const std::string_view target{req.target().data(), req.target().size()};
  if (Console::owns(target.substr(0, target.find('?')))) return reply(console_.handle(req));
  if (auto refused = refusal(req)) return reply(std::move(*refused));
  reply(route(req));
}

std::optional<Response> AdminRouter::refusal(const Request& req) {
  if (console_.signed_in(req)) {
    if (req.method() == bhttp::verb::get || Console::same_origin(req)) return std::nullopt;
    return admin_error(bhttp::status::forbidden, req.version(),
                       "a change must come from the console's own page");
  }
  auto ok = verify::verify_bearer(req.base(), tokens_);
  if (ok) return std::nullopt;
  const bool missing = ok.error() == make_error_code(errc::missing_signature);
  spdlog::warn("admin: refused a request with {} token", missing ? "no" : "a wrong");
  auto res = admin_error(bhttp::status::unauthorized, req.version(),
                         missing ? "missing admin token: send Authorization: Bearer <admin.token>"
                                 : "invalid admin token");
  res.set(bhttp::field::www_authenticate, "Bearer");
  return res;
}

Response AdminRouter::route(const Request& req) {
  const unsigned v = req.version();
  const auto q = parse_query({req.target().data(), req.target().size()});
  if (!q)
    return admin_error(bhttp::status::bad_request, v, "the request target is not a valid URL");
  const Route* wrong_method = nullptr;
  for (const auto& r : kRoutes) {
    const bool match = r.prefix ? q->path.starts_with(r.path) && q->path.size() > r.path.size()
                                : q->path == r.path;
    if (!match) continue;
    if (r.method == req.method()) return (this->*r.answer)(*q, v);
    wrong_method = &r;
  }
  if (wrong_method) {
    const auto allow = std::string(bhttp::to_string(wrong_method->method));
    auto res = admin_error(bhttp::status::method_not_allowed, v, "use " + allow);
    res.set(bhttp::field::allow, allow);
    return res;
  }
  std::string known;
  for (const auto& r : kRoutes)
    known +=
        std::string(known.empty() ? "" : ", ") + std::string(r.path) + (r.prefix ? "<id>" : "");
  return admin_error(bhttp::status::not_found, v,
                     "no such admin endpoint: " + q->path + " (see " + known + ")");
}

Response AdminRouter::overview(const Query&, unsigned v) {
  auto body = overview_.at(now());
  if (!body) return unavailable(v);
  return json_response(bhttp::status::ok, v, body->dump());
}

Response AdminRouter::events(const Query& q, unsigned v) {
  const auto since = parse_since(q.get("since", "1h"), now());
  if (!since)
    return admin_error(bhttp::status::bad_request, v,
                       "since must be an ISO 8601 time or an age such as 90s, 15m, 2h, 7d");
  auto rows = store_.outbox_since(*since, q.limit(kMaxLimit));
  if (!rows) return unavailable(v);
  json out = json::array();
  for (const auto& r : *rows) out.push_back(store::row_json(r));
  return json_response(bhttp::status::ok, v, json{{"events", out}}.dump());
}

Response AdminRouter::dead_letters(const Query& q, unsigned v) {
  auto dead = store_.list_dead_letters(q.get("sink"), q.limit(kMaxLimit));
  if (!dead) return unavailable(v);
  json out = json::array();
  for (const auto& d : *dead) {
    auto j = store::row_json(d.row);
    j["sink"] = d.sink;
    j["reason"] = d.reason;
    j["attempts"] = d.attempts;
    j["deadAt"] = format_iso8601(d.at);
    out.push_back(std::move(j));
  }
  return json_response(bhttp::status::ok, v, json{{"deadLetters", out}}.dump());
}

Response AdminRouter::redeliver(const Query& q, unsigned v) {
  const auto sink = q.get("sink");
  if (sink.empty())
    return admin_error(bhttp::status::bad_request, v, "sink is required: ?sink=NAME[&seq=N]");
  if (std::find(sinks_.begin(), sinks_.end(), sink) == sinks_.end())
    return admin_error(bhttp::status::not_found, v, "no sink named '" + sink + "'");
  const auto seq = q.whole("seq", 0);
  if (!seq)
    return admin_error(bhttp::status::bad_request, v,
                       "seq must be a whole number (a dead letter's seq; 0 or none: all)");
  auto moved = store_.redeliver_dead_letters(sink, *seq, now());
  if (!moved) return unavailable(v);
  spdlog::info("admin: {} dead letter(s) of sink {} queued for delivery again", *moved, sink);
  wake_sinks_();
  return json_response(bhttp::status::ok, v, json{{"redelivered", *moved}}.dump());
}

Response AdminRouter::metrics(const Query&, unsigned v) { return metrics_response(metrics_, v); }

}  // namespace callgate::http
