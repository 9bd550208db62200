#pragma once

#include <callgate/http/console.hpp>
#include <callgate/http/handler.hpp>
#include <callgate/metrics/metrics.hpp>
#include <functional>
#include <string>
#include <vector>

namespace callgate::store {
class Store;
}

namespace callgate::http {

/**
 * The admin API, served on its own listen address and only with `Authorization: Bearer <token>`:
 *   GET  /admin/events?since=15m&limit=100         recent events from the outbox
 *   GET  /admin/dead-letters?sink=NAME&limit=100   dead letters, newest first
 *   GET  /admin/calls?limit=100                    live calls in unified form
 *   POST /admin/dead-letters/redeliver?sink=NAME[&seq=N]   put them back in that sink's queue
 *   GET  /metrics                                   Prometheus text (a scraper sends the token)
 */
class AdminRouter final : public Handler {
 public:
  /** sinks: the configured sink names (a redeliver names one of them). */
  AdminRouter(store::Store& store, metrics::Metrics& metrics, std::vector<std::string> tokens,
              std::vector<std::string> sinks, std::function<void()> wake_sinks);

  void handle(Request&& req, ConnectionState& connection, Reply reply) override;
  Response reject(errc why, std::string_view target, unsigned version) override;

 private:
  Response route(const Request& req);
  /** GET /admin/calls/<id>: the call and its timeline. */
  Response timeline(std::string_view id, unsigned version);
  static constexpr std::string_view kCallPrefix = "/admin/calls/";

  store::Store& store_;
  metrics::Metrics& metrics_;
  std::vector<std::string> tokens_;
  std::vector<std::string> sinks_;
  std::function<void()> wake_sinks_;
  Console console_;
};

}  // namespace callgate::http
