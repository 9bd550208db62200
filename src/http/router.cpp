#include <callgate/http/metrics_endpoint.hpp>
#include <callgate/http/request_capture.hpp>
#include <callgate/http/router.hpp>
#include <chrono>
#include <nlohmann/json.hpp>

namespace callgate::http {
namespace {

constexpr std::string_view kWebhooks = "/webhooks/";
const adapters::CheckDescription kNoCheck{};  // an unknown source's

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

Response method_not_allowed(unsigned version, const char* allow) {
  auto res = error_response(errc::method_not_allowed, version);
  res.set(bhttp::field::allow, allow);
  return res;
}

/** What the request log says of an answer that handle_webhook gave no verdict: a refusal, and
 * its reason from the error body. */
void settle(store::RequestRecord& r, const Response& res) {
  r.status = static_cast<int>(res.result_int());
  if (!r.verdict.empty()) return;
  r.verdict = r.status >= 500 ? "unavailable" : r.status >= 400 ? "refused" : "accepted";
  if (r.status < 400) return;
  auto body = nlohmann::json::parse(res.body(), nullptr, false);
  if (body.is_object() && body.contains("error") && body["error"].is_string())
    r.reason = body["error"].get<std::string>();
}

}  // namespace

Router::Router(Sources sources, outbox::Submitter& committer, metrics::Metrics& metrics,
               bool serve_metrics, Networks trusted_proxies, outbox::RequestRecorder* recorder)
    : sources_(std::move(sources)),
      committer_(committer),
      metrics_(metrics),
      serve_metrics_(serve_metrics),
      trusted_proxies_(std::move(trusted_proxies)),
      recorder_(recorder) {
  for (const auto& [name, source] : sources_) checks_.emplace(name, source->describe_check());
  for (const auto& [name, source] : sources_) {
    const auto& s = source->settings();
    if (s.rate_per_second > 0)
      limits_.emplace(name, std::make_unique<TokenBucket>(s.rate_per_second, s.rate_burst));
  }
}

Reply Router::counted(std::string source, Reply reply,
                      std::shared_ptr<store::RequestRecord> record) {
  return [this, source = std::move(source), reply = std::move(reply), record = std::move(record),
          start = std::chrono::steady_clock::now()](Response res) {
    const auto status = std::to_string(res.result_int());
    metrics_.inc("callgate_requests_total", {{"source", source}, {"status", status}});
    const auto took = std::chrono::steady_clock::now() - start;
    metrics_.observe_request_seconds(std::chrono::duration<double>(took).count());
    if (record) {
      settle(*record, res);
      record->latency_us = std::chrono::duration_cast<std::chrono::microseconds>(took).count();
      recorder_->record(*record);
    }
    reply(std::move(res));
  };
}

void Router::handle(Request&& req, ConnectionState& connection, Reply reply) {
  const auto target = req.target();
  const auto path = path_of({target.data(), target.size()});
  const unsigned version = req.version();
  const bool get = req.method() == bhttp::verb::get || req.method() == bhttp::verb::head;

  if (path.starts_with(kWebhooks))
    return webhook(std::move(req), path, connection, std::move(reply), nullptr);

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

void Router::webhook(Request&& req, std::string_view path, ConnectionState& connection, Reply reply,
                     const Replay* replay) {
  const unsigned version = req.version();
  const auto name = path.substr(kWebhooks.size());
  auto it = sources_.find(name);
  const adapters::Source* source = it == sources_.end() ? nullptr : it->second.get();
  const auto forwarded = req["X-Forwarded-For"];
  const auto client = [&] {
    return client_address(connection.peer, {forwarded.data(), forwarded.size()}, trusted_proxies_);
  };
  std::shared_ptr<store::RequestRecord> record;
  if (recorder_) {
    record = std::make_shared<store::RequestRecord>(
        capture(req, name, source, source ? checks_.find(name)->second : kNoCheck,
                replay ? replay->remote : client().to_string(), recorder_->config(), now()));
    if (replay) record->replay_of = replay->of;
  }
  // Unknown names are not echoed into metrics labels: anyone can make them up.
  auto respond = counted(source ? std::string(name) : "(unknown)", std::move(reply), record);
  if (!source) return respond(refuse(metrics_, "(unknown)", errc::unknown_source, version));
  if (const auto& allowed = source->settings().allow_from; !allowed.empty() && !replay) {
    if (!allowed.contains(client()))
      return respond(refuse(metrics_, name, errc::address_not_allowed, version));
  }
  const bool get_allowed = source->accepts_get() && req.method() == bhttp::verb::get;
  if (req.method() != bhttp::verb::post && !get_allowed)
    return respond(method_not_allowed(version, source->accepts_get() ? "POST, GET" : "POST"));
  WebhookLimits limits;
  if (auto limit = limits_.find(name); limit != limits_.end() && !replay) {
    limits.source = limit->second.get();
    const auto& s = source->settings();
    if (!connection.unverified) connection.unverified.emplace(s.rate_per_second, s.rate_burst);
    limits.unverified = &*connection.unverified;
    // A connection whose requests keep failing verification is refused before any crypto,
    // so a flood of forgeries stays cheap; other connections, the real sender's, go on.
    std::chrono::milliseconds wait{};
    if (!limits.unverified->available(now(), wait))
      return respond(too_many_requests(metrics_, name, errc::failing_connection, wait, version));
  }
  WebhookNote note{record.get(), replay ? std::optional(replay->received_at) : std::nullopt};
  handle_webhook(*source, std::move(req), committer_, metrics_, limits, connection.executor,
                 std::move(respond), note);
}

void Router::replay(const store::RequestRecord& stored,
                    const boost::asio::any_io_executor& executor, Reply reply) {
  Request req;
  req.method_string(stored.method);
  const auto path = stored.target.substr(0, stored.target.find('?'));
  req.target(stored.sealed_query.empty() ? stored.target : path + "?" + stored.sealed_query);
  req.version(11);
  for (const auto& header : stored.headers) {
    auto sealed = std::find_if(stored.sealed_headers.begin(), stored.sealed_headers.end(),
                               [&](const auto& h) { return h.first == header.first; });
    req.insert(header.first,
               sealed != stored.sealed_headers.end() ? sealed->second : header.second);
  }
  req.body() = stored.sealed_body.empty() ? stored.body : stored.sealed_body;
  ConnectionState connection;
  connection.executor = executor;
  const Replay origin{stored.id, stored.at, stored.remote};
  webhook(std::move(req), path, connection, std::move(reply), &origin);
}

Response Router::reject(errc why, std::string_view target, unsigned version) {
  const auto path = path_of(target);
  std::string source;
  if (path.starts_with(kWebhooks) && sources_.contains(path.substr(kWebhooks.size())))
    source = std::string(path.substr(kWebhooks.size()));
  metrics_.inc(
      "callgate_requests_total",
      {{"source", source}, {"status", std::to_string(static_cast<unsigned>(status_for(why)))}});
  auto res = refuse(metrics_, source, why, version);
  if (recorder_ && path.starts_with(kWebhooks)) {  // unread: no headers, no body to keep
    store::RequestRecord r;
    r.at = now();
    r.source = std::string(path.substr(kWebhooks.size()));
    r.target = redact_target(target);
    settle(r, res);
    recorder_->record(r);
  }
  return res;
}

}  // namespace callgate::http
