#include <callgate/http/metrics_endpoint.hpp>

namespace callgate::http {

Response metrics_response(const metrics::Metrics& metrics, unsigned version) {
  auto res = json_response(bhttp::status::ok, version, metrics.render());
  res.set(bhttp::field::content_type, "text/plain; version=0.0.4");
  return res;
}

void MetricsEndpoint::handle(Request&& req, ConnectionState&, Reply reply) {
  const auto target = req.target();
  if (std::string_view(target.data(), target.size()).substr(0, target.find('?')) != "/metrics")
    return reply(error_response(errc::not_found, req.version()));
  if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::head) {
    auto res = error_response(errc::method_not_allowed, req.version());
    res.set(bhttp::field::allow, "GET");
    return reply(std::move(res));
  }
  reply(metrics_response(metrics_, req.version()));
}

Response MetricsEndpoint::reject(errc why, std::string_view, unsigned version) {
  return error_response(why, version);
}

}  // namespace callgate::http
