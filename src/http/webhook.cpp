#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <callgate/adapters/json_fields.hpp>
#include <callgate/http/request_capture.hpp>
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

namespace {

/** The request as a source sees it: headers, body, when it arrived and its query string. */
adapters::Request view_of(const Request& req, TimePoint received_at) {
  const auto target = req.target();
  const auto mark = target.find('?');
  return {req.base(), req.body(), received_at,
          mark == std::string_view::npos
              ? std::string_view{}
              : std::string_view{target.data() + mark + 1, target.size() - mark - 1},
          req.method() == bhttp::verb::get};
}

/** A verified body that commits nothing: a validation handshake (answered as the provider
 * asks; its signature verified, so the answer may use the secret), or an event that changes no
 * call. nullopt for observations to commit. */
std::optional<Response> answer_uncommitted(adapters::Parsed& parsed, metrics::Metrics& metrics,
                                           const std::string& name, unsigned version,
                                           store::RequestRecord* record) {
  if (parsed.answer) {
    if (record) record->verdict = "handshake";
    metrics.inc("callgate_handshakes_total", {{"source", name}});
    spdlog::info("webhook {}: answered the {} handshake", name, parsed.event_type);
    auto res = json_response(bhttp::status::ok, version, std::move(parsed.answer->body));
    for (const auto& [field, value] : parsed.answer->headers) res.set(field, value);
    return res;
  }
  if (parsed.observations.empty()) {
    if (record) record->verdict = "ignored";
    metrics.inc("callgate_events_ignored_total", {{"source", name}});
    spdlog::debug("webhook {}: {} changes no call", name, parsed.event_type);
    return json_response(bhttp::status::ok, version, R"({"status":"ignored"})");
  }
  return std::nullopt;
}

/** Hands the observations to the committer. It calls back on its own thread, the one serial
 * section, which only hands the outcome over: the answer is built, counted and sent on the
 * connection's strand. */
void commit_then_answer(std::vector<core::Observation> observations, outbox::Submitter& committer,
                        metrics::Metrics& metrics, const std::string& name, unsigned version,
                        const boost::asio::any_io_executor& connection, Reply reply,
                        store::RequestRecord* record) {
  // record lives as long as reply (which owns it), and is written just before reply runs.
  auto answer = [&metrics, name, version, record,
                 reply = std::move(reply)](result<outbox::Outcome> outcome) mutable {
    if (!outcome) return reply(refuse(metrics, name, to_errc(outcome.error()), version));
    const bool repeat = outcome->emitted == 0 && outcome->redelivered > 0;
    if (record) {
      record->verdict = repeat ? "duplicate" : "accepted";
      record->events = std::move(outcome->events);
    }
    // Written out rather than through a JSON DOM: two fixed keys, in the documented order.
    reply(json_response(bhttp::status::ok, version,
                        std::string(repeat ? R"({"status":"duplicate","events":)"
                                           : R"({"status":"accepted","events":)") +
                            std::to_string(outcome->emitted) + "}"));
  };
  committer.submit(std::move(observations), [connection, answer = std::move(answer)](
                                                result<outbox::Outcome> outcome) mutable {
    if (!connection) return answer(std::move(outcome));
    boost::asio::post(connection,
                      [answer = std::move(answer), outcome = std::move(outcome)]() mutable {
                        answer(std::move(outcome));
                      });
  });
}

}  // namespace

void handle_webhook(const adapters::Source& source, Request&& req, outbox::Submitter& committer,
                    metrics::Metrics& metrics, WebhookLimits limits,
                    const boost::asio::any_io_executor& connection, Reply reply, WebhookNote note) {
  const auto& name = source.settings().name;
  const unsigned version = req.version();
  const auto request = view_of(req, note.received_at.value_or(now()));

  std::chrono::milliseconds wait{};
  if (auto ok = source.verify(request); !ok) {
    if (limits.unverified) limits.unverified->take(request.received_at, wait);
    if (note.record)
      note.record->diagnosis = diagnose(source.describe_check(), req, request.received_at);
    return reply(refuse(metrics, name, to_errc(ok.error()), version));
  }
  if (limits.source && !limits.source->take(request.received_at, wait))
    return reply(too_many_requests(metrics, name, errc::rate_limited, wait, version));
  auto parsed = source.parse(request);  // the body, parsed once (verify may have begun it)
  if (!parsed) return reply(refuse(metrics, name, to_errc(parsed.error()), version));
  if (note.record) note.record->event_type = parsed->event_type;
  if (auto res = answer_uncommitted(*parsed, metrics, name, version, note.record))
    return reply(std::move(*res));
  // Without a provider event id, the body itself identifies a redelivery (a GET's query).
  adapters::finish_observations(parsed->observations, source.settings(),
                                request.get ? request.query : request.body);
  commit_then_answer(std::move(parsed->observations), committer, metrics, name, version, connection,
                     std::move(reply), note.record);
}

}  // namespace callgate::http
