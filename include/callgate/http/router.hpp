#pragma once

#include <callgate/adapters/source.hpp>
#include <callgate/http/handler.hpp>
#include <callgate/http/rate_limiter.hpp>
#include <callgate/metrics/metrics.hpp>
#include <callgate/outbox/submitter.hpp>
#include <map>
#include <memory>
#include <string>

namespace callgate::http {

/** The sources by name, as served at POST /webhooks/<name>. */
using Sources = std::map<std::string, std::shared_ptr<const adapters::Source>, std::less<>>;

/**
 * Routes: POST /webhooks/<source> (and GET, for a source whose provider calls back with GET;
 * a source's allow_from is checked first, 403 from elsewhere), GET /healthz, GET /readyz (and GET
 * /metrics when asked to). Every response passes through one place that counts it by source and
 * status and times it.
 */
class Router final : public Handler {
 public:
  /** serve_metrics: answer GET /metrics here too (metrics.on_webhook_listener); off by default,
   * since the webhook listener is public. */
  Router(Sources sources, outbox::Submitter& committer, metrics::Metrics& metrics,
         bool serve_metrics = false, Networks trusted_proxies = {});

  void handle(Request&& req, ConnectionState& connection, Reply reply) override;
  Response reject(errc why, std::string_view target, unsigned version) override;

 private:
  /** Wraps reply so the response is counted under source and timed. */
  Reply counted(std::string source, Reply reply);

  Sources sources_;
  std::map<std::string, std::unique_ptr<TokenBucket>, std::less<>> limits_;
  outbox::Submitter& committer_;
  metrics::Metrics& metrics_;
  bool serve_metrics_;
  Networks trusted_proxies_;
};

/** The buckets a webhook request spends, when its source has a rate_limit. */
struct WebhookLimits {
  TokenBucket* source = nullptr;      ///< the source's: spent by verified requests only
  TokenBucket* unverified = nullptr;  ///< the connection's: spent by failed verifications
};

/**
 * POST /webhooks/<source>: verify the signature on the raw bytes, parse into observations, hand
 * them to the committer, and reply only once they are committed. Logs and counts every rejection.
 * A forged request spends the connection's bucket, never the source's, so a flood of forgeries
 * cannot use up the real provider's rate.
 */
void handle_webhook(const adapters::Source& source, Request&& req, outbox::Submitter& committer,
                    metrics::Metrics& metrics, WebhookLimits limits,
                    const boost::asio::any_io_executor& connection, Reply reply);

/** 429 with Retry-After (whole seconds, rounded up), logged and counted as refuse() does. */
Response too_many_requests(metrics::Metrics& metrics, std::string_view source, errc why,
                           std::chrono::milliseconds wait, unsigned version);

/** Logs and counts a refused webhook request (never its body or secrets), returns its answer. */
Response refuse(metrics::Metrics& metrics, std::string_view source, errc why, unsigned version);

}  // namespace callgate::http
