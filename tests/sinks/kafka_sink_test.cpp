// The Kafka sink against librdkafka's mock cluster (three brokers that speak the real protocol,
// in this process): every event once, keyed by call and in order per call, with its headers;
// the cursor moves only on the broker's report; a broker down, a leader moved and a restart lose
// and double nothing.
#include <gtest/gtest.h>

#include <callgate/sinks/kafka_sink.hpp>
#include <callgate/sinks/registry.hpp>
#include <callgate/store/store.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <support/fixtures.hpp>
#include <support/kafka_mock.hpp>
#include <thread>

namespace callgate {
namespace {

constexpr const char* kTopic = "calls";
constexpr int kCalls = 5;

class KafkaSinkTest : public ::testing::Test, protected testing::TempStore {
 protected:
  /** Events from..to (1-based), spread over kCalls calls; event i belongs to call i % kCalls. */
  void append(int from, int to) {
    ASSERT_TRUE(writer->begin());
    for (int i = from; i <= to; ++i) {
      const auto call = "call-" + std::to_string(i % kCalls);
      core::Emission e{core::EventType::updated,
                       call,
                       call + ":" + std::to_string(i),
                       nlohmann::json{{"call", call}, {"n", i}}.dump(),
                       "pbx",
                       {"crm", "acme"}};
      ASSERT_TRUE(writer->append_outbox(e, now()));
    }
    ASSERT_TRUE(writer->commit());
  }

  std::unique_ptr<sinks::KafkaSink> make_sink(std::chrono::milliseconds timeout = {}) {
    sinks::KafkaSinkOptions o;
    o.brokers = mock.brokers();
    o.topic = kTopic;
    o.properties = {{"reconnect.backoff.max.ms", "500"}};  // brokers back: reconnect soon
    if (timeout.count() > 0) o.timeout = timeout;
    auto sink = std::make_unique<sinks::KafkaSink>("kafka", o, *store, metrics);
    sink->start_from_oldest(true);
    sink->start();
    return sink;
  }

  /** Every event 1..n exactly once, each call's in order, each call in one partition. */
  void expect_each_once_in_order(int n) {
    mock.consume(static_cast<std::size_t>(n));
    // One more than there should be, for a second: a late duplicate shows too.
    const auto all = mock.consume(static_cast<std::size_t>(n) + 1, std::chrono::seconds(1));
    ASSERT_EQ(all.size(), static_cast<std::size_t>(n)) << "lost or doubled";
    std::map<std::string, int> last;
    std::map<std::string, int> partition;
    for (const auto& m : all) {
      const auto body = nlohmann::json::parse(m.value);
      const int i = body["n"].get<int>();
      EXPECT_EQ(m.key, body["call"].get<std::string>());
      EXPECT_GT(i, last[m.key]) << m.key << " out of order";
      last[m.key] = i;
      if (!partition.contains(m.key)) partition[m.key] = m.partition;
      EXPECT_EQ(partition[m.key], m.partition) << m.key << " in two partitions";
    }
  }

  testing::KafkaMock mock{kTopic};
  metrics::Metrics metrics;
};

TEST_F(KafkaSinkTest, EachEventOnceKeyedByItsCallWithItsHeaders) {
  append(1, 40);
  auto sink = make_sink();
  ASSERT_TRUE(testing::eventually([&] { return sink->delivered_seq() == 40; }));
  expect_each_once_in_order(40);
  const auto& first = mock.consume(40).front();
  const auto body = nlohmann::json::parse(first.value);
  const auto i = body["n"].get<int>();
  EXPECT_EQ(first.headers.at("idempotency-key"), first.key + ":" + std::to_string(i));
  EXPECT_EQ(first.headers.at("event-type"), "telephonyCall::updated");
  EXPECT_EQ(first.headers.at("source"), "pbx");
  EXPECT_EQ(metrics.value("callgate_sink_delivered_total", {{"sink", "kafka"}}), 40);
}

TEST_F(KafkaSinkTest, TheCursorWaitsForTheBrokersReport) {
  append(1, 5);
  auto sink = make_sink(std::chrono::milliseconds(1000));
  ASSERT_TRUE(testing::eventually([&] { return sink->delivered_seq() == 5; }));
  for (int b = 1; b <= 3; ++b) mock.set_broker_down(b, true);
  append(6, 10);
  sink->notify();
  // No broker takes them: after the message timeout every attempt fails, and the cursor stays.
  const auto failed_after_5 = [&] {
    const auto failures = sink->activity().failures;  // newest first
    return !failures.empty() && failures.front().seq > 5;
  };
  ASSERT_TRUE(testing::eventually(failed_after_5, std::chrono::seconds(30)));
  EXPECT_EQ(sink->delivered_seq(), 5);
  EXPECT_NE(sink->activity().failures.front().attempt.reason.find("kafka: "), std::string::npos);
  for (int b = 1; b <= 3; ++b) mock.set_broker_down(b, false);
  sink->retry_now();
  ASSERT_TRUE(
      testing::eventually([&] { return sink->delivered_seq() == 10; }, std::chrono::seconds(30)));
  expect_each_once_in_order(10);
}

TEST_F(KafkaSinkTest, ABrokerDownAndALeaderMovedLoseAndDoubleNothing) {
  auto sink = make_sink();
  append(1, 30);
  sink->notify();
  mock.set_broker_down(2, true);
  append(31, 60);
  sink->notify();
  mock.set_leader(0, 3);
  mock.set_leader(1, 1);
  append(61, 90);
  sink->notify();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  mock.set_broker_down(2, false);
  ASSERT_TRUE(
      testing::eventually([&] { return sink->delivered_seq() == 90; }, std::chrono::seconds(30)));
  expect_each_once_in_order(90);
}

TEST_F(KafkaSinkTest, ARestartGoesOnFromItsCursor) {
  append(1, 20);
  {
    auto sink = make_sink();
    ASSERT_TRUE(testing::eventually([&] { return sink->delivered_seq() == 20; }));
  }
  append(21, 35);
  auto sink = make_sink();
  ASSERT_TRUE(testing::eventually([&] { return sink->delivered_seq() == 35; }));
  expect_each_once_in_order(35);
}

TEST(KafkaSinkConfig, RefusesWhatWouldBreakItsGuaranteesAndWhatLibrdkafkaRefuses) {
  sinks::SinkRegistry registry;
  sinks::register_builtin_sinks(registry);
  store::StoreConfig store_config;
  const auto read = [&](const std::string& text) {
    const auto node = yaml::load_yaml_text(text, "sink.yaml");
    std::string name;
    registry.find("kafka")->read(node, name, store_config);
    node.finish();
    return name;
  };
  EXPECT_EQ(read("{brokers: 'a:9092', topic: calls, properties: {linger.ms: '20'}}"),
            "kafka:calls");
  EXPECT_THROW(read("{brokers: 'a:9092', topic: calls, properties: {acks: '1'}}"),
               yaml::ConfigError);
  EXPECT_THROW(read("{brokers: 'a:9092', topic: calls, properties: {no.such.thing: x}}"),
               yaml::ConfigError);
  EXPECT_THROW(read("{topic: calls}"), yaml::ConfigError);
}

}  // namespace
}  // namespace callgate
