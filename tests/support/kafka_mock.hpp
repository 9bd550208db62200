#pragma once
// librdkafka's mock cluster (brokers that speak the Kafka protocol on loopback ports, served by
// this process's threads) and a consumer that reads a topic back: what the Kafka sink is tested
// against, since Debian has no Kafka broker. A callgate child process reaches it like any broker.

#include <chrono>
#include <map>
#include <string>
#include <vector>

struct rd_kafka_s;
struct rd_kafka_mock_cluster_s;

namespace callgate::testing {

/** One message as the consumer read it. */
struct KafkaMessage {
  std::string key, value;
  std::map<std::string, std::string> headers;
  int partition = 0;
};

class KafkaMock {
 public:
  /** `brokers` brokers and one topic of `partitions` partitions, replicated on each. */
  KafkaMock(const std::string& topic, int brokers = 3, int partitions = 3);
  ~KafkaMock();
  KafkaMock(const KafkaMock&) = delete;
  KafkaMock& operator=(const KafkaMock&) = delete;

  /** bootstrap.servers for a producer: "127.0.0.1:port,...". */
  const std::string& brokers() const { return brokers_; }
  void set_broker_down(int id, bool down);
  void set_leader(int partition, int broker);

  /** Everything read from the topic so far, reading on until there are `n` messages or `wait`
   * has passed (from the start of every partition, the first time). */
  const std::vector<KafkaMessage>& consume(
      std::size_t n, std::chrono::milliseconds wait = std::chrono::seconds(20));

 private:
  std::string topic_;
  int partitions_;
  rd_kafka_s* handle_ = nullptr;  // the cluster lives in this client's threads
  rd_kafka_mock_cluster_s* cluster_ = nullptr;
  std::string brokers_;
  rd_kafka_s* consumer_ = nullptr;
  std::vector<KafkaMessage> read_;
};

}  // namespace callgate::testing
