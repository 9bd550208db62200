#include <spdlog/spdlog.h>

#include <boost/url/parse.hpp>
#include <callgate/app/replay.hpp>
#include <callgate/core/correlate.hpp>
#include <callgate/http/admin_router.hpp>
#include <callgate/store/store.hpp>
#include <callgate/verify/bearer.hpp>
#include <map>
#include <nlohmann/json.hpp>

namespace callgate::http {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxLimit = 10'000;

struct Query {
  std::string path;
  std::map<std::string, std::string, std::less<>> params;

  std::string get(std::string_view key, std::string fallback = {}) const {
    auto it = params.find(key);
    return it == params.end() ? fallback : it->second;
  }
  std::size_t limit() const {
    const auto text = get("limit", "100");
    std::size_t n = 100;
    try {
      n = std::stoul(text);
    } catch (const std::exception&) {
    }
    return std::min(n, kMaxLimit);
  }
};

std::optional<Query> parse_query(std::string_view target) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return std::nullopt;
  Query q;
  q.path = std::string(url->path());
  for (const auto& p : url->params()) q.params[std::string(p.key)] = std::string(p.value);
  return q;
}

json row_json(const outbox::OutboxRow& r) {
  return {{"seq", r.seq},
          {"createdAt", format_iso8601(r.created_at)},
          {"callId", r.call_id},
          {"eventType", r.event_type},
          {"idempotencyKey", r.idempotency_key},
          {"sink", r.sink.empty() ? json(nullptr) : json(r.sink)},
          {"body", json::parse(r.body, nullptr, false)}};
}

Response unavailable(unsigned version) { return error_response(errc::store_unavailable, version); }

}  // namespace

AdminRouter::AdminRouter(store::Store& store, std::vector<std::string> tokens,
                         std::function<void()> wake_sinks)
    : store_(store), tokens_(std::move(tokens)), wake_sinks_(std::move(wake_sinks)) {}

Response AdminRouter::reject(errc why, std::string_view, unsigned version) {
  return error_response(why, version);
}

void AdminRouter::handle(Request&& req, Reply reply) {
  if (auto ok = verify::verify_bearer(req.base(), tokens_); !ok) {
    spdlog::warn("admin: refused a request without a valid token");
    return reply(error_response(static_cast<errc>(ok.error().value()), req.version()));
  }
  reply(route(req));
}

Response AdminRouter::route(const Request& req) {
  const unsigned v = req.version();
  const auto q = parse_query({req.target().data(), req.target().size()});
  if (!q) return error_response(errc::bad_request, v);
  const bool get = req.method() == bhttp::verb::get;
  const bool post = req.method() == bhttp::verb::post;

  if (q->path == "/admin/events" && get) {
    const auto since = app::parse_since(q->get("since", "1h"), now());
    if (!since) return error_response(errc::bad_request, v);
    auto rows = store_.outbox_since(*since, q->limit());
    if (!rows) return unavailable(v);
    json out = json::array();
    for (const auto& r : *rows) out.push_back(row_json(r));
    return json_response(bhttp::status::ok, v, json{{"events", out}}.dump());
  }
  if (q->path == "/admin/dead-letters" && get) {
    auto dead = store_.list_dead_letters(q->get("sink"), q->limit());
    if (!dead) return unavailable(v);
    json out = json::array();
    for (const auto& d : *dead) {
      auto j = row_json(d.row);
      j["sink"] = d.sink;
      j["reason"] = d.reason;
      j["attempts"] = d.attempts;
      j["deadAt"] = format_iso8601(d.at);
      out.push_back(std::move(j));
    }
    return json_response(bhttp::status::ok, v, json{{"deadLetters", out}}.dump());
  }
  if (q->path == "/admin/calls" && get) {
    auto calls = store_.list_live_calls(q->limit());
    if (!calls) return unavailable(v);
    json out = json::array();
    for (const auto& c : *calls)
      out.push_back({{"id", c.id},
                     {"source", c.source},
                     {"createdAt", format_iso8601(c.created_at)},
                     {"fields", json::parse(core::unified_fields(c).dump())}});
    return json_response(bhttp::status::ok, v, json{{"calls", out}}.dump());
  }
  if (q->path == "/admin/dead-letters/redeliver" && post) {
    const auto sink = q->get("sink");
    std::int64_t seq = 0;
    try {
      seq = std::stoll(q->get("seq", "0"));
    } catch (const std::exception&) {
      return error_response(errc::bad_request, v);
    }
    if (sink.empty()) return error_response(errc::bad_request, v);
    auto moved = store_.redeliver_dead_letters(sink, seq, now());
    if (!moved) return unavailable(v);
    spdlog::info("admin: {} dead letter(s) of sink {} queued for delivery again", *moved, sink);
    wake_sinks_();
    return json_response(bhttp::status::ok, v, json{{"redelivered", *moved}}.dump());
  }
  if (q->path.starts_with("/admin/")) return error_response(errc::method_not_allowed, v);
  return error_response(errc::not_found, v);
}

}  // namespace callgate::http
