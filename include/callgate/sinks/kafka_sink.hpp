#pragma once

#include <atomic>
#include <callgate/sinks/sink.hpp>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

struct rd_kafka_s;

namespace callgate::sinks {

/** `type: kafka` as configured: where to produce, and librdkafka's own properties. */
struct KafkaSinkOptions {
  std::string brokers;  ///< bootstrap.servers
  std::string topic;
  /** Passed to librdkafka as they are (sasl.*, ssl.*, linger.ms, ...), after callgate's own
   * defaults; `${VAR}` is expanded like every value. */
  std::vector<std::pair<std::string, std::string>> properties;
  std::chrono::milliseconds timeout{30'000};  ///< message.timeout.ms: a report comes by then
  int max_attempts = 0;                       ///< 0: never dead-letter
  std::size_t concurrency = 256;              ///< events in flight at once
};

/**
 * Produces each event to a Kafka topic with librdkafka's idempotent producer (acks=all): the key
 * is the call id, so one call's events keep their order in one partition; the value is the
 * event's body, byte for byte; the headers carry its idempotency key, type and source. An event
 * counts as delivered only on the broker's delivery report, so the cursor never passes an event
 * the broker has not acknowledged. A failed report is retried with the usual backoff; a
 * receiver dedupes a retry whose first try did land by the idempotency-key header.
 */
class KafkaSink final : public Sink {
 public:
  /** Throws std::runtime_error when librdkafka refuses a property (startup only). */
  KafkaSink(std::string name, KafkaSinkOptions options, store::Store& store,
            metrics::Metrics& metrics);
  ~KafkaSink() override;

 private:
  std::vector<outbox::Attempt> deliver_(const std::vector<store::OutboxRow>& rows) override;
  void interrupt_() override { interrupted_ = true; }

  KafkaSinkOptions options_;
  rd_kafka_s* producer_ = nullptr;
  std::atomic<bool> interrupted_{false};
};

}  // namespace callgate::sinks
