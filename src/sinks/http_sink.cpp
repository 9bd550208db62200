#include <callgate/redact.hpp>
#include <callgate/sinks/http_sink.hpp>
#include <callgate/sinks/registry.hpp>
#include <stdexcept>

#include "http_client.hpp"

namespace callgate::sinks {

outbox::Attempt classify_http_status(int status, std::optional<std::chrono::seconds> retry_after) {
  using R = outbox::Attempt::Result;
  const auto reason = "receiver answered " + std::to_string(status);
  if (status >= 200 && status < 300) return {R::delivered, "", std::nullopt};
  if (status == 408 || status == 429 || status >= 500) {
    std::optional<std::chrono::milliseconds> after;
    if (retry_after) after = std::chrono::duration_cast<std::chrono::milliseconds>(*retry_after);
    return {R::retry, reason, after};
  }
  return {R::dead, reason, std::nullopt};
}

HttpSink::HttpSink(std::string name, HttpSinkOptions options, store::Store& store,
                   metrics::Metrics& metrics)
    : Sink(std::move(name), store, metrics,
           {.per_call = true,
            .max_in_flight = options.concurrency,
            .max_attempts = options.max_attempts,
            .backoff_base = options.retry_base,
            .backoff_max = options.retry_max}),
      options_(std::move(options)) {
  auto target = HttpTarget::parse(options_.url);
  if (!target)
    throw std::invalid_argument("not an http:// or https:// URL: " + redact_url(options_.url));
  // user:password@ in the URL is sent as HTTP Basic credentials (and never shown).
  if (!target->authorization.empty())
    options_.headers.insert(options_.headers.begin(), {"authorization", target->authorization});
  client_ = std::make_unique<HttpClient>(std::move(*target), options_.timeout);
}

HttpSink::~HttpSink() { stop(); }

void HttpSink::interrupt_() { client_->interrupt(); }

boost::beast::http::fields HttpSink::headers_for(const store::OutboxRow& row, TimePoint now) const {
  boost::beast::http::fields h;
  for (const auto& [name, value] : options_.headers) h.set(name, value);
  // Rows stored before callgate kept whose they are fall back to the top-level ids.
  if (!row.source.empty()) h.set("x-callgate-source", row.source);
  h.set("x-connector-id", row.source.empty() ? options_.connector_id : row.connector_id);
  h.set("x-owner-id", row.source.empty() ? options_.owner_id : row.owner_id);
  h.set("x-idempotency-key", row.idempotency_key);
  h.set("x-callgate-event", row.event_type);
  if (options_.secret) {
    const auto ts = std::to_string(to_unix_ms(now) / 1000);
    h.set("webhook-id", row.idempotency_key);
    h.set("webhook-timestamp", ts);
    h.set("webhook-signature",
          verify::standard_webhooks_sign(*options_.secret, row.idempotency_key, ts, row.body));
  }
  return h;
}

std::vector<outbox::Attempt> HttpSink::deliver_(const std::vector<store::OutboxRow>& rows) {
  const auto t = callgate::now();
  std::vector<HttpPost> posts;
  posts.reserve(rows.size());
  for (const auto& row : rows) posts.push_back({headers_for(row, t), row.body});
  const auto outcomes = client_->post_all(posts);
  std::vector<outbox::Attempt> attempts;
  attempts.reserve(outcomes.size());
  for (const auto& o : outcomes) {
    auto a = o.status == 0 ? outbox::Attempt{outbox::Attempt::Result::retry, o.error}
                           : classify_http_status(o.status, o.retry_after);
    a.status = o.status;
    a.latency = o.latency;
    a.response = o.body;
    attempts.push_back(std::move(a));
  }
  return attempts;
}

}  // namespace callgate::sinks

namespace callgate::sinks {

HttpSinkOptions read_http_sink_options(const yaml::Node& node) {
  HttpSinkOptions o;
  o.url = node.string("url");
  if (!HttpTarget::parse(o.url)) node.fail("url", "must be an http:// or https:// URL with a host");
  const auto secret = node.string_or("secret", "");
  if (!secret.empty()) {
    o.secret = verify::StandardWebhooksSecret::parse(secret);
    if (!o.secret) node.fail("secret", "must be whsec_ followed by the base64 of the key");
  }
  o.headers = node.string_entries("headers");
  for (const auto& [name, value] : o.headers) {
    std::string lower(name);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const char* own :
         {"content-type", "content-length", "host", "transfer-encoding", "connection",
          "x-connector-id", "x-owner-id", "x-idempotency-key", "x-callgate-event",
          "x-callgate-source", "webhook-id", "webhook-timestamp", "webhook-signature"})
      if (lower == own) node.fail("headers", "callgate sets " + lower + " itself");
  }
  o.timeout = std::chrono::milliseconds(node.integer("timeout_ms", 5000, 100, 600'000));
  o.max_attempts = static_cast<int>(node.integer("max_attempts", 12, 0, 1000));
  o.concurrency = static_cast<std::size_t>(node.integer("concurrency", 8, 1, 1024));
  o.retry_base = std::chrono::milliseconds(node.integer("retry_base_ms", 1000, 1, 3'600'000));
  o.retry_max = std::chrono::milliseconds(node.integer("retry_max_ms", 3'600'000, 1, 86'400'000));
  return o;
}

SinkType http_sink_type() {
  return {"http", [](const yaml::Node& node, std::string& name, store::StoreConfig&) -> SinkMaker {
            auto options = read_http_sink_options(node);
            // The name is a metric label and in every log line: no credentials in it.
            if (name.empty()) name = "http:" + redact_url(options.url);
            return [name, options](const SinkContext& ctx) -> std::unique_ptr<Sink> {
              auto o = options;
              o.connector_id = ctx.connector_id;
              o.owner_id = ctx.owner_id;
              return std::make_unique<HttpSink>(name, std::move(o), ctx.store, ctx.metrics);
            };
          }};
}

}  // namespace callgate::sinks
