#pragma once

#include <callgate/http/handler.hpp>
#include <callgate/metrics/metrics.hpp>

namespace callgate::http {

/** `metrics.listen`: GET /metrics in the Prometheus text format, and nothing else. */
class MetricsEndpoint final : public Handler {
 public:
  explicit MetricsEndpoint(metrics::Metrics& metrics) : metrics_(metrics) {}
  void handle(Request&& req, ConnectionState& connection, Reply reply) override;
  Response reject(errc why, std::string_view target, unsigned version) override;

 private:
  metrics::Metrics& metrics_;
};

/** The Prometheus text response; every listener that serves /metrics answers with this. */
Response metrics_response(const metrics::Metrics& metrics, unsigned version);

}  // namespace callgate::http
