#pragma once

#include <callgate/http/console.hpp>
#include <callgate/http/handler.hpp>
#include <callgate/http/overview.hpp>
#include <callgate/http/query.hpp>
#include <callgate/http/router.hpp>
#include <callgate/metrics/history.hpp>
#include <callgate/metrics/metrics.hpp>
#include <callgate/outbox/delivery_log.hpp>
#include <callgate/store/requests.hpp>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace callgate::store {
class Store;
}

namespace callgate::http {

/**
 * The admin API, on its own listen address. A request is let in with `Authorization: Bearer
 * <token>`, or from the console signed in with that token (its POSTs from its own origin only):
 *   GET  /admin/overview                          sources, sinks, newest events, live calls
 *   GET  /admin/events?type=&source=&call=&since=&until=&before=|after=&limit=
 *                                                 events, newest first (oldest first after=)
 *   GET  /admin/dead-letters?sink=NAME&limit=100&cursor=  dead letters, newest event first
 *   GET  /admin/calls?state=live|ended|all&q=&source=&status=&direction=&since=&until=&before=
 *                                                 calls in unified form, newest first, by cursor
 *   GET  /admin/calls/<id>                        one call and its timeline
 *   POST /admin/dead-letters/redeliver?sink=NAME[&seq=N]   put them back in that sink's queue
 *   GET  /admin/deliveries?sink=NAME              its recent attempts, failing since, retries
 *   POST /admin/deliveries/retry?sink=NAME        retry what waits for a retry, now
 *   POST /admin/events/resend?sink=NAME&seq=N     send one event to that sink again
 *   GET  /admin/requests?source=&verdict=&status=&from=&to=&q=&before=&limit=
 *                                                 the request log, newest first, by cursor
 *   GET  /admin/requests/<id>                     one request: headers, body, diagnosis, events
 *   POST /admin/requests/<id>/replay              send it through its source again
 *   POST /admin/playground                        try requests on a source; nothing is stored
 *   GET  /admin/history?since=24h                 per-minute counts for the charts, oldest first
 *   GET  /metrics                                 Prometheus text (a scraper sends the token)
 * The console (GET /, /console/...) is served here too, and reads only these endpoints.
 */
class AdminRouter final : public Handler {
 public:
  /** Each source's default_region, by source name: a call search reads a number in it. */
  using Regions = std::map<std::string, std::string, std::less<>>;
  /** What the API reaches beyond the store. */
  struct Hooks {
    std::function<void()> wake_sinks;  ///< after dead letters are put back
    /** Sends a stored request through its source again (Router::replay). */
    std::function<void(const store::RequestRecord&, const boost::asio::any_io_executor&, Reply)>
        replay;
    /** Returns once the request log has written what it was given. */
    std::function<void()> flush_requests;
    /** What a sink has lately done (nullopt: it does not run in this process). */
    std::function<std::optional<outbox::DeliveryLog::Snapshot>(std::string_view sink)>
        sink_activity;
    /** Makes a sink retry what waits for a retry now; false: it does not run here. */
    std::function<bool(std::string_view sink)> retry_sink;
    /** The per-minute history the charts draw (null: none). */
    const metrics::History* history = nullptr;
  };
  /** sinks: the configured sink names (a redeliver names one of them); sources: the configured
   * sources (the playground tries requests on them; a call search reads numbers in their
   * default_region). */
  AdminRouter(store::Store& store, metrics::Metrics& metrics, std::vector<std::string> tokens,
              std::vector<std::string> sinks, Hooks hooks, Sources sources = {});

  void handle(Request&& req, ConnectionState& connection, Reply reply) override;
  Response reject(errc why, std::string_view target, unsigned version) override;

 private:
  /** One endpoint: a method and a path (or, with prefix, every path under it). */
  struct Route {
    bhttp::verb method;
    std::string_view path;
    bool prefix;
    Response (AdminRouter::*answer)(const Query& q, unsigned version);
  };
  static const Route kRoutes[];
  /** The largest page any endpoint answers: a larger one would grow RSS by megabytes. */
  static constexpr std::size_t kMaxLimit = 1000;

  /** A time parameter's name, and where its value goes (absent: left unset). */
  using TimeParam = std::pair<const char*, std::optional<TimePoint>*>;
  /** Reads two time parameters (an ISO 8601 time or an age: 15m, 2h, 7d); a 400 naming the
   * first that is neither, or nullopt. */
  static std::optional<Response> read_times(const Query& q, TimeParam from, TimeParam to,
                                            unsigned version);
  /** The answer to a request that may not use the API, or nullopt when it may. */
  std::optional<Response> refusal(const Request& req);
  Response route(const Request& req);

  Response overview(const Query& q, unsigned version);
  Response events(const Query& q, unsigned version);
  // In admin_sinks.cpp:
  /** A 400 or 404 unless `sink` names a configured sink. */
  std::optional<Response> unknown_sink(const std::string& sink, unsigned version) const;
  Response dead_letters(const Query& q, unsigned version);
  Response redeliver(const Query& q, unsigned version);
  Response deliveries(const Query& q, unsigned version);
  Response retry(const Query& q, unsigned version);
  Response resend(const Query& q, unsigned version);
  Response metrics(const Query& q, unsigned version);
  Response history(const Query& q, unsigned version);
  // In admin_calls.cpp:
  Response calls(const Query& q, unsigned version);
  Response timeline(const Query& q, unsigned version);
  // In admin_requests.cpp:
  Response requests(const Query& q, unsigned version);
  Response request(const Query& q, unsigned version);
  /** POST /admin/requests/<id>/replay, answered once the replay is (async). */
  void replay(const Query& q, unsigned version, const boost::asio::any_io_executor& executor,
              Reply reply);
  // In admin_playground.cpp:
  /** POST /admin/playground: requests tried on a source, nothing stored. */
  Response playground(const Request& req);

  store::Store& store_;
  metrics::Metrics& metrics_;
  std::vector<std::string> tokens_;
  std::vector<std::string> sinks_;
  Hooks hooks_;
  Sources sources_;
  Regions regions_;
  Overview overview_;
  Console console_;
};

/** An admin error whose message names the problem (the webhook answers stay terse on purpose). */
Response admin_error(bhttp::status status, unsigned version, std::string_view message);

}  // namespace callgate::http
