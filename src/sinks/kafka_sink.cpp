// The Kafka sink: librdkafka's idempotent producer, one delivery report per event.
#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <callgate/log_limit.hpp>
#include <callgate/sinks/kafka_sink.hpp>
#include <callgate/sinks/registry.hpp>
#include <optional>
#include <stdexcept>

namespace callgate::sinks {
namespace {

using Clock = std::chrono::steady_clock;

/** Per-call order, as the HTTP sink: a call's next event waits for the report of its last. */
outbox::DeliveryQueue::Policy policy(const KafkaSinkOptions& o) {
  return {.per_call = true,
          .max_in_flight = o.concurrency,
          .max_attempts = o.max_attempts,
          .backoff_base = std::chrono::milliseconds(1000),
          .backoff_max = std::chrono::milliseconds(300'000)};
}

/** What one produced event's delivery report fills in (the report's opaque). */
struct Slot {
  outbox::Attempt* attempt = nullptr;
  Clock::time_point sent{};
  std::size_t* pending = nullptr;
};

void on_report(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
  auto* slot = static_cast<Slot*>(m->_private);
  auto& a = *slot->attempt;
  a.latency = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - slot->sent);
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    a.result = outbox::Attempt::Result::delivered;
  } else {
    // A body the broker will never take is not retried; everything else is (brokers down,
    // the leader moving, a timeout).
    a.result = m->err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE ? outbox::Attempt::Result::dead
                                                              : outbox::Attempt::Result::retry;
    a.reason = std::string("kafka: ") + rd_kafka_err2str(m->err);
  }
  --*slot->pending;
}

void on_error(rd_kafka_t*, int err, const char* reason, void*) {
  log_limited(spdlog::level::warn, "kafka error", "kafka: {}: {}",
              rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(err)), reason);
}

void on_log(const rd_kafka_t*, int level, const char* facility, const char* message) {
  // syslog levels: 0-3 errors, 4 warnings, the rest is librdkafka's chatter.
  if (level <= 4)
    log_limited(level <= 3 ? spdlog::level::err : spdlog::level::warn, "kafka log", "kafka: {}: {}",
                facility, message);
  else
    spdlog::debug("kafka: {}: {}", facility, message);
}

/** Sets one property; librdkafka's reason when it refuses. */
std::optional<std::string> set_property(rd_kafka_conf_t* conf, const std::string& key,
                                        const std::string& value) {
  char error[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), error, sizeof error) == RD_KAFKA_CONF_OK)
    return std::nullopt;
  return key + ": " + error;
}

rd_kafka_t* make_producer(const KafkaSinkOptions& o) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char error[512];
  const auto set = [&](const std::string& key, const std::string& value) {
    if (auto refused = set_property(conf, key, value)) {
      rd_kafka_conf_destroy(conf);
      throw std::runtime_error("kafka sink: " + *refused);
    }
  };
  set("bootstrap.servers", o.brokers);
  set("enable.idempotence", "true");  // acks=all, ordered retries, no duplicates from retries
  set("acks", "all");
  set("message.timeout.ms", std::to_string(o.timeout.count()));
  set("client.id", "callgate");
  for (const auto& [key, value] : o.properties) set(key, value);
  rd_kafka_conf_set_dr_msg_cb(conf, on_report);
  rd_kafka_conf_set_error_cb(conf, on_error);
  rd_kafka_conf_set_log_cb(conf, on_log);
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  if (!producer) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("kafka sink: ") + error);
  }
  return producer;  // it owns conf now
}

rd_kafka_vu_t header(const char* name, const std::string& value) {
  rd_kafka_vu_t vu{};
  vu.vtype = RD_KAFKA_VTYPE_HEADER;
  vu.u.header = {name, value.data(), static_cast<ssize_t>(value.size())};
  return vu;
}

/** Queues one row (librdkafka copies it); the error's text when it cannot. */
std::optional<std::string> produce(rd_kafka_t* producer, const std::string& topic,
                                   const store::OutboxRow& r, Slot* slot) {
  rd_kafka_vu_t vus[8]{};
  vus[0].vtype = RD_KAFKA_VTYPE_TOPIC;
  vus[0].u.cstr = topic.c_str();
  vus[1].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
  vus[1].u.i = RD_KAFKA_MSG_F_COPY;
  vus[2].vtype = RD_KAFKA_VTYPE_KEY;
  vus[2].u.mem = {const_cast<char*>(r.call_id.data()), r.call_id.size()};
  vus[3].vtype = RD_KAFKA_VTYPE_VALUE;
  vus[3].u.mem = {const_cast<char*>(r.body.data()), r.body.size()};
  vus[4] = header("idempotency-key", r.idempotency_key);
  vus[5] = header("event-type", r.event_type);
  vus[6] = header("source", r.source);
  vus[7].vtype = RD_KAFKA_VTYPE_OPAQUE;  // its delivery report's
  vus[7].u.ptr = slot;
  rd_kafka_error_t* error = rd_kafka_produceva(producer, vus, std::size(vus));
  if (!error) return std::nullopt;
  std::string text = rd_kafka_error_string(error);
  rd_kafka_error_destroy(error);
  return text;
}

/** Fails at the property librdkafka (or callgate) would refuse, when the config is read. */
void check_properties(const yaml::Node& node,
                      const std::vector<std::pair<std::string, std::string>>& properties) {
  for (const auto& [key, value] : properties)
    for (const char* own : {"bootstrap.servers", "enable.idempotence", "acks", "message.timeout.ms",
                            "transactional.id"})
      if (key == own)
        node.fail("properties", key +
                                    " is callgate's to set (brokers, timeout_ms; an "
                                    "idempotent producer with acks=all)");
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (const auto& [key, value] : properties)
    if (auto refused = set_property(conf, key, value)) {
      rd_kafka_conf_destroy(conf);
      node.fail("properties", *refused);
    }
  rd_kafka_conf_destroy(conf);
}

}  // namespace

KafkaSink::KafkaSink(std::string name, KafkaSinkOptions options, store::Store& store,
                     metrics::Metrics& metrics)
    : Sink(std::move(name), store, metrics, policy(options)),
      options_(std::move(options)),
      producer_(make_producer(options_)) {}

KafkaSink::~KafkaSink() {
  stop();
  rd_kafka_destroy(producer_);  // nothing is in flight: every deliver_ waits for its reports
}

std::vector<outbox::Attempt> KafkaSink::deliver_(const std::vector<store::OutboxRow>& rows) {
  std::vector<outbox::Attempt> attempts(rows.size());
  std::vector<Slot> slots(rows.size());
  std::size_t pending = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    slots[i] = {&attempts[i], Clock::now(), &pending};
    if (auto error = produce(producer_, options_.topic, r, &slots[i])) {
      attempts[i].result = outbox::Attempt::Result::retry;  // its queue full, the topic unknown
      attempts[i].reason = "kafka: " + *error;
      continue;
    }
    ++pending;
  }
  // Every report arrives by message.timeout.ms. Cut short (stop's deadline), what is still
  // queued or in flight is purged: its report comes at once, as a failure to retry next start.
  bool purged = false;
  while (pending > 0) {
    rd_kafka_poll(producer_, 50);
    if (interrupted_ && !purged) {
      rd_kafka_purge(producer_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
      purged = true;
    }
  }
  char reason[256];
  if (rd_kafka_fatal_error(producer_, reason, sizeof reason) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    // The idempotent producer cannot go on (its sequence was lost): start a new one, whose
    // first sends the failed events are again.
    log_limited(spdlog::level::err, "kafka fatal", "kafka: {}: a new producer takes over", reason);
    rd_kafka_destroy(producer_);
    producer_ = make_producer(options_);
  }
  return attempts;
}

SinkType kafka_sink_type() {
  return {"kafka", [](const yaml::Node& node, std::string& name, store::StoreConfig&) -> SinkMaker {
            KafkaSinkOptions o;
            o.brokers = node.string("brokers");
            o.topic = node.string("topic");
            if (o.brokers.empty()) node.fail("brokers", "names no broker (host:port, ...)");
            if (o.topic.empty()) node.fail("topic", "names no topic");
            o.properties = node.string_entries("properties");
            check_properties(node, o.properties);
            o.timeout =
                std::chrono::milliseconds(node.integer("timeout_ms", 30'000, 1000, 3'600'000));
            o.max_attempts = static_cast<int>(node.integer("max_attempts", 0, 0, 1000));
            o.concurrency = static_cast<std::size_t>(node.integer("concurrency", 256, 1, 10'000));
            if (name.empty()) name = "kafka:" + o.topic;
            return [name, o](const SinkContext& ctx) -> std::unique_ptr<Sink> {
              return std::make_unique<KafkaSink>(name, o, ctx.store, ctx.metrics);
            };
          }};
}

}  // namespace callgate::sinks
