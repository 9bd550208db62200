#include <callgate/http/metrics_endpoint.hpp>
#include <callgate/http/router.hpp>
#include <chrono>

namespace callgate::http {
namespace {

constexpr std::string_view kWebhooks = "/webhooks/";

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

Response method_not_allowed(unsigned version, const char* allow) {
  auto res = error_response(errc::method_not_allowed, version);
  res.set(bhttp::field::allow, allow);
  return res;
}

}  // namespace

Router::Router(Sources sources, outbox::Submitter& committer, metrics::Metrics& metrics,
               bool serve_metrics, Networks trusted_proxies)
    : sources_(std::move(sources)),
      committer_(committer),
      metrics_(metrics),
      serve_metrics_(serve_metrics),
      trusted_proxies_(std::move(trusted_proxies)) {
  for (const auto& [name, source] : sources_) {
    const auto& s = source->settings();
    if (s.rate_per_second > 0)
      limits_.emplace(name, std::make_unique<TokenBucket>(s.rate_per_second, s.rate_burst));
  }
}

Reply Router::counted(std::string source, Reply reply) {
  return [this, source = std::move(source), reply = std::move(reply),
          start = std::chrono::steady_clock::now()](Response res) {
    const auto status = std::to_string(res.result_int());
    metrics_.inc("callgate_requests_total", {{"source", source}, {"status", status}});
    metrics_.observe_request_seconds(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    reply(std::move(res));
  };
}

void Router::handle(Request&& req, ConnectionState& connection, Reply reply) {
  const auto target = req.target();
  const auto path = path_of({target.data(), target.size()});
  const unsigned version = req.version();
  const bool get = req.method() == bhttp::verb::get || req.method() == bhttp::verb::head;

  if (path.starts_with(kWebhooks)) {
    const auto name = path.substr(kWebhooks.size());
    auto it = sources_.find(name);
    // Unknown names are not echoed into metrics labels: anyone can make them up.
    auto respond =
        counted(it == sources_.end() ? "(unknown)" : std::string(name), std::move(reply));
    if (it == sources_.end())
      return respond(refuse(metrics_, "(unknown)", errc::unknown_source, version));
    const auto& source = *it->second;
    if (const auto& allowed = source.settings().allow_from; !allowed.empty()) {
      const auto forwarded = req["X-Forwarded-For"];
      const auto client =
          client_address(connection.peer, {forwarded.data(), forwarded.size()}, trusted_proxies_);
      if (!allowed.contains(client))
        return respond(refuse(metrics_, name, errc::address_not_allowed, version));
    }
    const bool get_allowed = source.accepts_get() && req.method() == bhttp::verb::get;
    if (req.method() != bhttp::verb::post && !get_allowed)
      return respond(method_not_allowed(version, source.accepts_get() ? "POST, GET" : "POST"));
    WebhookLimits limits;
    if (auto limit = limits_.find(name); limit != limits_.end()) {
      limits.source = limit->second.get();
      const auto& s = it->second->settings();
      if (!connection.unverified) connection.unverified.emplace(s.rate_per_second, s.rate_burst);
      limits.unverified = &*connection.unverified;
      // A connection whose requests keep failing verification is refused before any crypto,
      // so a flood of forgeries stays cheap; other connections, the real sender's, go on.
      std::chrono::milliseconds wait{};
      if (!limits.unverified->available(now(), wait))
        return respond(too_many_requests(metrics_, name, errc::failing_connection, wait, version));
    }
    return handle_webhook(*it->second, std::move(req), committer_, metrics_, limits,
                          connection.executor, std::move(respond));
  }

  auto respond = counted("", std::move(reply));
  if (path == "/healthz") {
    if (!get) return respond(method_not_allowed(version, "GET"));
    return respond(json_response(bhttp::status::ok, version, R"({"status":"ok"})"));
  }
  if (path == "/readyz") {
    if (!get) return respond(method_not_allowed(version, "GET"));
    return committer_.probe([respond = std::move(respond), version](result<void> ok) {
      if (!ok) return respond(error_response(errc::store_unavailable, version));
      respond(json_response(bhttp::status::ok, version, R"({"status":"ready"})"));
    });
  }
  if (path == "/metrics" && serve_metrics_) {
    if (!get) return respond(method_not_allowed(version, "GET"));
    return respond(metrics_response(metrics_, version));
  }
  respond(error_response(errc::not_found, version));
}

Response Router::reject(errc why, std::string_view target, unsigned version) {
  const auto path = path_of(target);
  std::string source;
  if (path.starts_with(kWebhooks) && sources_.contains(path.substr(kWebhooks.size())))
    source = std::string(path.substr(kWebhooks.size()));
  metrics_.inc(
      "callgate_requests_total",
      {{"source", source}, {"status", std::to_string(static_cast<unsigned>(status_for(why)))}});
  return refuse(metrics_, source, why, version);
}

}  // namespace callgate::http
