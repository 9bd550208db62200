#pragma once

#include <callgate/adapters/source.hpp>
#include <callgate/http/handler.hpp>
#include <callgate/http/rate_limiter.hpp>
#include <callgate/metrics/metrics.hpp>
#include <callgate/outbox/request_recorder.hpp>
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
  /** recorder: where every webhook request is recorded (null: the request log is off). */
  Router(Sources sources, outbox::Submitter& committer, metrics::Metrics& metrics,
         bool serve_metrics = false, Networks trusted_proxies = {},
         outbox::RequestRecorder* recorder = nullptr);

  void handle(Request&& req, ConnectionState& connection, Reply reply) override;
  Response reject(errc why, std::string_view target, unsigned version) override;

  /** A stored request sent through its source again, as it arrived (its time, its client),
   * with the source's current secret and definition: POST /admin/requests/<id>/replay. It is
   * recorded as a new request that names the one it replays. Any thread; reply runs on
   * `executor` (never on the committer's thread). */
  void replay(const store::RequestRecord& stored, const boost::asio::any_io_executor& executor,
              Reply reply);

 private:
  /** A replayed request's origin: it skips the rate limits and keeps its first arrival. */
  struct Replay {
    std::int64_t of = 0;
    TimePoint received_at{};
    std::string remote;
  };
  void webhook(Request&& req, std::string_view path, ConnectionState& connection, Reply reply,
               const Replay* replay);
  /** Wraps reply so the response is counted under source and timed, and (with a record) the
   * request is recorded with its answer. */
  Reply counted(std::string source, Reply reply,
                std::shared_ptr<store::RequestRecord> record = nullptr);

  Sources sources_;
  std::map<std::string, std::unique_ptr<TokenBucket>, std::less<>> limits_;
  outbox::Submitter& committer_;
  metrics::Metrics& metrics_;
  bool serve_metrics_;
  Networks trusted_proxies_;
  outbox::RequestRecorder* recorder_;
  /** Each source's describe_check(), made once: the request log redacts by it. */
  std::map<std::string, adapters::CheckDescription, std::less<>> checks_;
};

/** The buckets a webhook request spends, when its source has a rate_limit. */
struct WebhookLimits {
  TokenBucket* source = nullptr;      ///< the source's: spent by verified requests only
  TokenBucket* unverified = nullptr;  ///< the connection's: spent by failed verifications
};

/** What handle_webhook tells the request log beyond the answer (all optional). */
struct WebhookNote {
  store::RequestRecord* record = nullptr;  ///< filled in: verdict, event type, diagnosis, events
  std::optional<TimePoint> received_at;    ///< a replay: the time it first arrived
};

/**
 * POST /webhooks/<source>: verify the signature on the raw bytes, parse into observations, hand
 * them to the committer, and reply only once they are committed. Logs and counts every rejection.
 * A forged request spends the connection's bucket, never the source's, so a flood of forgeries
 * cannot use up the real provider's rate.
 */
void handle_webhook(const adapters::Source& source, Request&& req, outbox::Submitter& committer,
                    metrics::Metrics& metrics, WebhookLimits limits,
                    const boost::asio::any_io_executor& connection, Reply reply,
                    WebhookNote note = {});

/** 429 with Retry-After (whole seconds, rounded up), logged and counted as refuse() does. */
Response too_many_requests(metrics::Metrics& metrics, std::string_view source, errc why,
                           std::chrono::milliseconds wait, unsigned version);

/** Logs and counts a refused webhook request (never its body or secrets), returns its answer. */
Response refuse(metrics::Metrics& metrics, std::string_view source, errc why, unsigned version);

}  // namespace callgate::http
