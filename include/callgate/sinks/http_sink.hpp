#pragma once

#include <callgate/sinks/sink.hpp>
#include <callgate/verify/standard_webhooks.hpp>
#include <callgate/yaml/node.hpp>
#include <memory>

namespace callgate::sinks {

class HttpClient;

/** Settings of one `type: http` sink. */
struct HttpSinkOptions {
  std::string url;
  std::optional<verify::StandardWebhooksSecret> secret;  ///< sign deliveries when set
  std::chrono::milliseconds timeout{5000};
  int max_attempts = 12;
  std::size_t concurrency = 8;
  std::chrono::milliseconds retry_base{1000};
  std::chrono::milliseconds retry_max{3'600'000};
  std::string connector_id;
  std::string owner_id;
  /** Sent with every delivery (an Authorization or API key header); callgate's own headers
   * are set after them, so they cannot be overridden. */
  std::vector<std::pair<std::string, std::string>> headers;
};

/** An `http` entry of `sinks:` read into options (connector and owner ids are left empty: the
 * runtime's); throws yaml::ConfigError, naming the key, on a mistake. */
HttpSinkOptions read_http_sink_options(const yaml::Node& node);

/**
 * POSTs each event's body to a URL with the connector id, owner id and idempotency key headers,
 * signed with Standard Webhooks. 2xx is delivered; network errors, timeouts, 408, 429 and 5xx are
 * retried (honouring Retry-After); any other status dead-letters the event at once. A call's
 * events go out in order; different calls do not wait for each other.
 */
class HttpSink final : public Sink {
 public:
  /** Throws std::invalid_argument for a URL that is not http:// or https://. */
  HttpSink(std::string name, HttpSinkOptions options, store::Store& store,
           metrics::Metrics& metrics);
  ~HttpSink() override;

  /** The headers a delivery of row carries (exposed for tests). */
  boost::beast::http::fields headers_for(const store::OutboxRow& row, TimePoint now) const;

 private:
  std::vector<outbox::Attempt> deliver_(const std::vector<store::OutboxRow>& rows) override;
  void interrupt_() override;

  HttpSinkOptions options_;
  std::unique_ptr<HttpClient> client_;
};

/** Whether an HTTP status means delivered, retry later, or give up now. */
outbox::Attempt classify_http_status(int status, std::optional<std::chrono::seconds> retry_after);

}  // namespace callgate::sinks
