#include <spdlog/spdlog.h>

#include <algorithm>
#include <callgate/core/correlate.hpp>
#include <callgate/http/admin_router.hpp>
#include <callgate/http/metrics_endpoint.hpp>
#include <callgate/http/query.hpp>
#include <callgate/store/store.hpp>
#include <callgate/verify/bearer.hpp>
#include <charconv>
#include <map>
#include <nlohmann/json.hpp>

namespace callgate::http {
namespace {

using json = nlohmann::ordered_json;

constexpr std::size_t kMaxLimit = 1000;  // a page: a larger one would grow RSS by megabytes

Response unavailable(unsigned version) { return error_response(errc::store_unavailable, version); }

/** An admin error whose message names the problem (the webhook answers stay terse on purpose). */
Response admin_error(bhttp::status status, unsigned version, std::string_view message) {
  return json_response(status, version, json{{"error", message}}.dump());
}

std::string_view kind_name(store::CallLogEntry::Kind k) {
  switch (k) {
    case store::CallLogEntry::Kind::received:
      return "received";
    case store::CallLogEntry::Kind::duplicate:
      return "duplicate";
    case store::CallLogEntry::Kind::emitted:
      return "emitted";
    case store::CallLogEntry::Kind::attempt:
      return "attempt";
  }
  return "received";
}

}  // namespace

AdminRouter::AdminRouter(store::Store& store, metrics::Metrics& metrics,
                         std::vector<std::string> tokens, std::vector<std::string> sinks,
                         std::function<void()> wake_sinks)
    : store_(store),
      metrics_(metrics),
      tokens_(std::move(tokens)),
      sinks_(std::move(sinks)),
      wake_sinks_(wake_sinks),
      console_(store, metrics, sinks_, std::move(wake_sinks),
               {[this](std::string_view id, unsigned v) { return timeline(id, v); },
                [this](std::string_view token) {
                  for (const auto& t : tokens_)
                    if (verify::equal_constant_time(t, token)) return true;
                  return false;
                }}) {}

Response AdminRouter::reject(errc why, std::string_view, unsigned version) {
  return error_response(why, version);
}

void AdminRouter::handle(Request&& req, ConnectionState&, Reply reply) {
  // The console signs in with a cookie; everything else here wants the bearer token.
  const std::string_view target{req.target().data(), req.target().size()};
  if (Console::owns(target.substr(0, target.find('?')))) return reply(console_.handle(req));
  if (auto ok = verify::verify_bearer(req.base(), tokens_); !ok) {
    const bool missing = ok.error() == make_error_code(errc::missing_signature);
    spdlog::warn("admin: refused a request with {} token", missing ? "no" : "a wrong");
    auto res = admin_error(bhttp::status::unauthorized, req.version(),
                           missing ? "missing admin token: send Authorization: Bearer <admin.token>"
                                   : "invalid admin token");
    res.set(bhttp::field::www_authenticate, "Bearer");
    return reply(std::move(res));
  }
  reply(route(req));
}

Response AdminRouter::route(const Request& req) {
  const unsigned v = req.version();
  const auto q = parse_query({req.target().data(), req.target().size()});
  if (!q)
    return admin_error(bhttp::status::bad_request, v, "the request target is not a valid URL");
  const bool get = req.method() == bhttp::verb::get;
  const bool post = req.method() == bhttp::verb::post;

  if (q->path == "/metrics" && get) return metrics_response(metrics_, v);
  if (q->path == "/admin/events" && get) {
    const auto since = parse_since(q->get("since", "1h"), now());
    if (!since)
      return admin_error(bhttp::status::bad_request, v,
                         "since must be an ISO 8601 time or an age such as 90s, 15m, 2h, 7d");
    auto rows = store_.outbox_since(*since, q->limit(kMaxLimit));
    if (!rows) return unavailable(v);
    json out = json::array();
    for (const auto& r : *rows) out.push_back(store::row_json(r));
    return json_response(bhttp::status::ok, v, json{{"events", out}}.dump());
  }
  if (q->path == "/admin/dead-letters" && get) {
    auto dead = store_.list_dead_letters(q->get("sink"), q->limit(kMaxLimit));
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
  if (q->path == "/admin/calls" && get) {
    auto calls = store_.list_live_calls(q->limit(kMaxLimit));
    if (!calls) return unavailable(v);
    json out = json::array();
    for (const auto& c : *calls)
      out.push_back({{"id", c.id},
                     {"source", c.source},
                     {"createdAt", format_iso8601(c.created_at)},
                     {"fields", json::parse(core::unified_fields(c).dump())}});
    return json_response(bhttp::status::ok, v, json{{"calls", out}}.dump());
  }
  if (q->path.starts_with(kCallPrefix) && q->path.size() > kCallPrefix.size() && get)
    return timeline(q->path.substr(kCallPrefix.size()), v);
  if (q->path == "/admin/dead-letters/redeliver" && post) {
    const auto sink = q->get("sink");
    if (sink.empty())
      return admin_error(bhttp::status::bad_request, v, "sink is required: ?sink=NAME[&seq=N]");
    if (std::find(sinks_.begin(), sinks_.end(), sink) == sinks_.end())
      return admin_error(bhttp::status::not_found, v, "no sink named '" + sink + "'");
    std::int64_t seq = 0;
    const auto seq_text = q->get("seq", "0");
    const auto [end, ec] = std::from_chars(seq_text.data(), seq_text.data() + seq_text.size(), seq);
    if (ec != std::errc{} || end != seq_text.data() + seq_text.size() || seq < 0)
      return admin_error(bhttp::status::bad_request, v, "seq must be a whole number");
    auto moved = store_.redeliver_dead_letters(sink, seq, now());
    if (!moved) return unavailable(v);
    spdlog::info("admin: {} dead letter(s) of sink {} queued for delivery again", *moved, sink);
    wake_sinks_();
    return json_response(bhttp::status::ok, v, json{{"redelivered", *moved}}.dump());
  }
  for (const auto* known : {"/admin/events", "/admin/dead-letters", "/admin/calls", "/metrics"})
    if (q->path == known) {
      auto res = admin_error(bhttp::status::method_not_allowed, v, "use GET");
      res.set(bhttp::field::allow, "GET");
      return res;
    }
  if (q->path == "/admin/dead-letters/redeliver") {
    auto res = admin_error(bhttp::status::method_not_allowed, v, "use POST");
    res.set(bhttp::field::allow, "POST");
    return res;
  }
  return admin_error(bhttp::status::not_found, v,
                     "no such admin endpoint: " + q->path +
                         " (see /admin/events, /admin/dead-letters, /admin/calls, "
                         "/admin/calls/<id>, /admin/dead-letters/redeliver)");
}

// One call's story, in order: every provider event received for it (accepted or duplicate) and
// every unified event emitted, each of those with where each sink has got with it.
Response AdminRouter::timeline(std::string_view id, unsigned v) {
  auto state = store_.load_call(id);
  if (!state) return unavailable(v);
  auto log = store_.call_log(id);
  if (!log) return unavailable(v);
  if (!*state && log->empty())
    return admin_error(bhttp::status::not_found, v, "no call '" + std::string(id) + "' is kept");
  // Per sink: its cursor, and its dead letters of this call by idempotency key.
  struct SinkView {
    std::int64_t cursor = 0;
    std::map<std::string, store::DeadLetter, std::less<>> dead;
  };
  std::map<std::string, SinkView, std::less<>> sinks;
  for (const auto& name : sinks_) {
    auto c = store_.load_cursor(name);
    auto dead = store_.list_dead_letters(name, kMaxLimit);
    if (!c || !dead) return unavailable(v);
    auto& view = sinks[name];
    view.cursor = *c ? (*c)->seq : 0;
    for (auto& d : *dead)
      if (d.row.call_id == id) view.dead.emplace(d.row.idempotency_key, std::move(d));
  }
  json entries = json::array();
  for (const auto& e : *log) {
    json j = {{"kind", kind_name(e.kind)},
              {"at", format_iso8601(e.at)},
              {"source", e.source},
              {"eventType", e.event_type}};
    if (e.kind == store::CallLogEntry::Kind::attempt) {
      // One delivery attempt: the sink, its outcome, and why it failed.
      entries.push_back({{"kind", "attempt"},
                         {"at", format_iso8601(e.at)},
                         {"sink", e.source},
                         {"status", e.event_type},
                         {"idempotencyKey", e.key},
                         {"seq", e.seq},
                         {"error", e.detail}});
      continue;
    }
    if (e.kind != store::CallLogEntry::Kind::emitted) {
      j["eventTime"] = format_iso8601(e.event_time);
    } else {
      j["idempotencyKey"] = e.key;
      j["seq"] = e.seq;
      json deliveries = json::array();
      for (const auto& [name, view] : sinks) {
        json d = {{"sink", name}};
        if (auto dead = view.dead.find(e.key); dead != view.dead.end()) {
          d["status"] = "dead letter";
          d["attempts"] = dead->second.attempts;
          d["error"] = dead->second.reason;
        } else {
          d["status"] = e.seq > 0 && view.cursor >= e.seq ? "delivered" : "pending";
        }
        deliveries.push_back(std::move(d));
      }
      j["deliveries"] = std::move(deliveries);
    }
    entries.push_back(std::move(j));
  }
  json call = nullptr;
  if (*state)
    call = {{"id", (*state)->id},
            {"source", (*state)->source},
            {"createdAt", format_iso8601((*state)->created_at)},
            {"fields", json::parse(core::unified_fields(**state).dump())}};
  return json_response(bhttp::status::ok, v,
                       json{{"call", call}, {"timeline", entries}}.dump(
                           -1, ' ', false, json::error_handler_t::replace));
}

}  // namespace callgate::http
