// The Kafka sink against librdkafka's mock cluster (three brokers that speak the real protocol,
// in this process): every event once, keyed by call and in order per call, with its headers;
// the cursor moves only on the broker's report; a broker down, a leader moved and a restart lose
// and double nothing.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <callgate/sinks/kafka_sink.hpp>
#include <callgate/sinks/registry.hpp>
#include <callgate/store/store.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <support/fixtures.hpp>
#include <thread>

namespace callgate {
namespace {

constexpr const char* kTopic = "calls";
constexpr int kCalls = 5;

/** One message as a consumer reads it back. */
struct Consumed {
  std::string key, value;
  std::map<std::string, std::string> headers;
  int partition = 0;
};

class KafkaSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char error[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", error, sizeof error);
    cluster_handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
    ASSERT_NE(cluster_handle, nullptr) << error;
    cluster = rd_kafka_mock_cluster_new(cluster_handle, 3);
    ASSERT_NE(cluster, nullptr);
    ASSERT_EQ(rd_kafka_mock_topic_create(cluster, kTopic, 3, 3), RD_KAFKA_RESP_ERR_NO_ERROR);
    brokers = rd_kafka_mock_cluster_bootstraps(cluster);

    config.path = (dir / "callgate.db").string();
    auto opened = store::open_store(config);
    store = std::move(opened.store);
    writer = std::move(opened.writer);
  }
  void TearDown() override {
    if (consumer) {
      rd_kafka_consumer_close(consumer);
      rd_kafka_destroy(consumer);
    }
    if (cluster) rd_kafka_mock_cluster_destroy(cluster);
    if (cluster_handle) rd_kafka_destroy(cluster_handle);
  }

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
    o.brokers = brokers;
    o.topic = kTopic;
    if (timeout.count() > 0) o.timeout = timeout;
    auto sink = std::make_unique<sinks::KafkaSink>("kafka", o, *store, metrics);
    sink->start_from_oldest(true);
    sink->start();
    return sink;
  }

  /** Reads the topic from the start of every partition until `n` messages came (or `wait`). */
  std::vector<Consumed> consume(std::size_t n,
                                std::chrono::milliseconds wait = std::chrono::seconds(20)) {
    char error[256];
    if (!consumer) {
      rd_kafka_conf_t* conf = rd_kafka_conf_new();
      rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), error, sizeof error);
      rd_kafka_conf_set(conf, "group.id", "test", error, sizeof error);
      consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof error);
      rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(3);
      for (int p = 0; p < 3; ++p)
        rd_kafka_topic_partition_list_add(parts, kTopic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
      rd_kafka_assign(consumer, parts);
      rd_kafka_topic_partition_list_destroy(parts);
    }
    const auto until = std::chrono::steady_clock::now() + wait;
    while (read.size() < n && std::chrono::steady_clock::now() < until) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 100);
      if (!m) continue;
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        Consumed c;
        c.key.assign(static_cast<const char*>(m->key), m->key_len);
        c.value.assign(static_cast<const char*>(m->payload), m->len);
        c.partition = m->partition;
        rd_kafka_headers_t* headers = nullptr;
        if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
          const char* name = nullptr;
          const void* value = nullptr;
          std::size_t size = 0;
          for (std::size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) ==
                                  RD_KAFKA_RESP_ERR_NO_ERROR;
               ++i)
            c.headers[name] = std::string(static_cast<const char*>(value), size);
        }
        read.push_back(std::move(c));
      }
      rd_kafka_message_destroy(m);
    }
    return read;
  }

  /** Every event 1..n exactly once, each call's in order, each call in one partition. */
  void expect_each_once_in_order(int n) {
    consume(static_cast<std::size_t>(n));
    // One more than there should be, for a second: a late duplicate shows too.
    const auto all = consume(static_cast<std::size_t>(n) + 1, std::chrono::seconds(1));
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

  testing::TempDir dir;
  store::StoreConfig config;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<store::Writer> writer;
  metrics::Metrics metrics;
  rd_kafka_t* cluster_handle = nullptr;
  rd_kafka_mock_cluster_t* cluster = nullptr;
  std::string brokers;
  rd_kafka_t* consumer = nullptr;
  std::vector<Consumed> read;
};

TEST_F(KafkaSinkTest, EachEventOnceKeyedByItsCallWithItsHeaders) {
  append(1, 40);
  auto sink = make_sink();
  ASSERT_TRUE(testing::eventually([&] { return sink->delivered_seq() == 40; }));
  expect_each_once_in_order(40);
  const auto& first = read.front();
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
  for (int b = 1; b <= 3; ++b) rd_kafka_mock_broker_set_down(cluster, b);
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
  for (int b = 1; b <= 3; ++b) rd_kafka_mock_broker_set_up(cluster, b);
  sink->retry_now();
  ASSERT_TRUE(
      testing::eventually([&] { return sink->delivered_seq() == 10; }, std::chrono::seconds(30)));
  expect_each_once_in_order(10);
}

TEST_F(KafkaSinkTest, ABrokerDownAndALeaderMovedLoseAndDoubleNothing) {
  auto sink = make_sink();
  append(1, 30);
  sink->notify();
  rd_kafka_mock_broker_set_down(cluster, 2);
  append(31, 60);
  sink->notify();
  rd_kafka_mock_partition_set_leader(cluster, kTopic, 0, 3);
  rd_kafka_mock_partition_set_leader(cluster, kTopic, 1, 1);
  append(61, 90);
  sink->notify();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  rd_kafka_mock_broker_set_up(cluster, 2);
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
