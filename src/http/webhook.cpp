#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <callgate/adapters/json_fields.hpp>
#include <callgate/http/router.hpp>
#include <callgate/log_limit.hpp>

namespace callgate::http {

Response refuse(metrics::Metrics& metrics, std::string_view source, errc why, unsigned version) {
  const auto reason = make_error_code(why).message();
  const auto status = status_for(why);
  metrics.inc("callgate_rejections_total", {{"source", source}, {"reason", reason}});
  if (status == bhttp::status::unauthorized)
    metrics.inc("callgate_verification_failures_total", {{"source", source}, {"reason", reason}});
  // Anyone can send these, as fast as they like: the log follows them only a few lines at a time.
  const auto code = static_cast<unsigned>(status);
  const auto key = std::string("webhook ").append(source).append(" ").append(reason);
  if (status >= bhttp::status::internal_server_error)
    log_limited(spdlog::level::err, key, "webhook {}: answered {}: {}", source, code, reason);
  else
    log_limited(spdlog::level::warn, key, "webhook {}: rejected {}: {}", source, code, reason);
  return error_response(why, version);
}

Response too_many_requests(metrics::Metrics& metrics, std::string_view source, errc why,
                           std::chrono::milliseconds wait, unsigned version) {
  auto res = refuse(metrics, source, why, version);
  res.set(bhttp::field::retry_after,
          std::to_string(std::chrono::ceil<std::chrono::seconds>(wait).count()));
  return res;
}

void handle_webhook(const adapters::Source& source, Request&& req, outbox::Submitter& committer,
                    metrics::Metrics& metrics, WebhookLimits limits,
                    const boost::asio::any_io_executor& connection, Reply reply) {
  const auto& name = source.settings().name;
  const unsigned version = req.version();
  const auto target = req.target();
  const auto mark = target.find('?');
  const adapters::Request request{
      req.base(), req.body(), now(),
      mark == std::string_view::npos
          ? std::string_view{}
          : std::string_view{target.data() + mark + 1, target.size() - mark - 1}};

  std::chrono::milliseconds wait{};
  if (auto ok = source.verify(request); !ok) {
    if (limits.unverified) limits.unverified->take(request.received_at, wait);
    return reply(refuse(metrics, name, to_errc(ok.error()), version));
  }
  if (limits.source && !limits.source->take(request.received_at, wait))
    return reply(too_many_requests(metrics, name, errc::rate_limited, wait, version));
  auto parsed = source.parse(request);
  if (!parsed) return reply(refuse(metrics, name, to_errc(parsed.error()), version));

  if (parsed->answer) {
    // A validation handshake: its signature verified above, so the answer may use the secret.
    metrics.inc("callgate_handshakes_total", {{"source", name}});
    spdlog::info("webhook {}: answered the {} handshake", name, parsed->event_type);
    auto res = json_response(bhttp::status::ok, version, std::move(parsed->answer->body));
    for (const auto& [field, value] : parsed->answer->headers) res.set(field, value);
    return reply(std::move(res));
  }
  if (parsed->observations.empty()) {
    metrics.inc("callgate_events_ignored_total", {{"source", name}});
    spdlog::debug("webhook {}: {} changes no call", name, parsed->event_type);
    return reply(json_response(bhttp::status::ok, version, R"({"status":"ignored"})"));
  }
  // Without a provider event id, the body itself identifies a redelivery.
  adapters::fill_redelivery_keys(parsed->observations, request.body);

  // The committer calls back on its own thread, the one serial section: it only hands the
  // outcome over; the answer is built, counted and sent on the connection's strand.
  auto answer = [&metrics, name, version,
                 reply = std::move(reply)](result<outbox::Outcome> outcome) mutable {
    if (!outcome) return reply(refuse(metrics, name, to_errc(outcome.error()), version));
    const bool repeat = outcome->emitted == 0 && outcome->redelivered > 0;
    // Written out rather than through a JSON DOM: two fixed keys, in the documented order.
    reply(json_response(bhttp::status::ok, version,
                        std::string(repeat ? R"({"status":"duplicate","events":)"
                                           : R"({"status":"accepted","events":)") +
                            std::to_string(outcome->emitted) + "}"));
  };
  committer.submit(std::move(parsed->observations), [connection, answer = std::move(answer)](
                                                        result<outbox::Outcome> outcome) mutable {
    if (!connection) return answer(std::move(outcome));
    boost::asio::post(connection,
                      [answer = std::move(answer), outcome = std::move(outcome)]() mutable {
                        answer(std::move(outcome));
                      });
  });
}

}  // namespace callgate::http
