// The admin API: who may use it, its table of endpoints, and the endpoints that are one store
// read each. The calls and a call's timeline are in admin_calls.cpp; sinks, deliveries and dead
// letters in admin_sinks.cpp.
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
    {bhttp::verb::get, "/admin/deliveries", false, &AdminRouter::deliveries},
    {bhttp::verb::post, "/admin/deliveries/retry", false, &AdminRouter::retry},
    {bhttp::verb::post, "/admin/events/resend", false, &AdminRouter::resend},
    {bhttp::verb::get, "/admin/calls", false, &AdminRouter::calls},
    {bhttp::verb::get, "/admin/calls/", true, &AdminRouter::timeline},
    {bhttp::verb::get, "/admin/requests", false, &AdminRouter::requests},
    {bhttp::verb::get, "/admin/requests/", true, &AdminRouter::request},
    {bhttp::verb::get, "/admin/history", false, &AdminRouter::history},
    {bhttp::verb::get, "/metrics", false, &AdminRouter::metrics},
};

AdminRouter::AdminRouter(store::Store& store, metrics::Metrics& metrics,
                         std::vector<std::string> tokens, std::vector<std::string> sinks,
                         Hooks hooks, Sources sources)
    : store_(store),
      metrics_(metrics),
      tokens_(std::move(tokens)),
      sinks_(std::move(sinks)),
      hooks_(std::move(hooks)),
      sources_(std::move(sources)),
      overview_(store, metrics, sinks_),
      console_([this](std::string_view token) {
        for (const auto& t : tokens_)
          if (verify::equal_constant_time(t, token)) return true;
        return false;
      }) {
  for (const auto& [name, source] : sources_)
    regions_.emplace(name, source->settings().numbers.region);
}

Response AdminRouter::reject(errc why, std::string_view, unsigned version) {
  return error_response(why, version);
}

void AdminRouter::handle(Request&& req, ConnectionState& connection, Reply reply) {
  const std::string_view target{req.target().data(), req.target().size()};
  if (Console::owns(target.substr(0, target.find('?')))) return reply(console_.handle(req));
  if (auto refused = refusal(req)) return reply(std::move(*refused));
  // The endpoints beyond the route table: a replay answers once committed, the playground reads
  // a body.
  const auto path = target.substr(0, target.find('?'));
  if (req.method() == bhttp::verb::post && path.starts_with("/admin/requests/") &&
      path.ends_with("/replay"))
    if (auto q = parse_query(target))
      return replay(*q, req.version(), connection.executor, std::move(reply));
  if (path == "/admin/playground") {
    if (req.method() != bhttp::verb::post) {
      auto res = admin_error(bhttp::status::method_not_allowed, req.version(), "use POST");
      res.set(bhttp::field::allow, "POST");
      return reply(std::move(res));
    }
    return reply(playground(req));
  }
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
  store::EventQuery eq;
  eq.type = q.get("type");
  eq.source = q.get("source");
  eq.call_id = q.get("call");
  const auto before = q.whole("before", 0);
  const auto after = q.whole("after", 0);
  if (!before || !after)
    return admin_error(bhttp::status::bad_request, v, "before and after must be whole numbers");
  eq.before_seq = *before;
  if (q.params.contains("after")) eq.after_seq = *after;
  if (auto bad = read_times(q, {"since", &eq.from}, {"until", &eq.to}, v)) return std::move(*bad);
  eq.limit = std::max<std::size_t>(1, q.limit(kMaxLimit));
  auto page = store::find_events(store_, eq);
  if (!page) return unavailable(v);
  json out = json::array();
  for (const auto& r : page->events) out.push_back(store::row_json(r));
  return json_response(bhttp::status::ok, v,
                       json{{"events", out},
                            {"order", eq.after_seq ? "oldest first" : "newest first"},
                            {"next", page->next == 0 ? json(nullptr) : json(page->next)}}
                           .dump());
}

std::optional<Response> AdminRouter::read_times(const Query& q, TimeParam from, TimeParam to,
                                                unsigned version) {
  for (auto [key, bound] : {from, to}) {
    const auto text = q.get(key);
    if (text.empty()) continue;
    *bound = parse_since(text, now());
    if (!*bound)
      return admin_error(
          bhttp::status::bad_request, version,
          std::string(key) + " must be an ISO 8601 time or an age such as 90s, 15m, 2h, 7d");
  }
  return std::nullopt;
}

Response AdminRouter::metrics(const Query&, unsigned v) { return metrics_response(metrics_, v); }

Response AdminRouter::history(const Query& q, unsigned v) {
  std::optional<TimePoint> since = now() - std::chrono::hours(24);
  if (const auto text = q.get("since"); !text.empty() && !(since = parse_since(text, now())))
    return admin_error(bhttp::status::bad_request, v,
                       "since must be an ISO 8601 time or an age such as 90s, 15m, 2h, 7d");
  if (!hooks_.history) return json_response(bhttp::status::ok, v, R"({"minutes":[]})");
  // The minute in progress too, so a chart is current.
  return json_response(bhttp::status::ok, v,
                       hooks_.history->to_json(*since, &metrics_, now()).dump());
}

}  // namespace callgate::http
