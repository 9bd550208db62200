#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <stdexcept>
#include <support/kafka_mock.hpp>

namespace callgate::testing {

KafkaMock::KafkaMock(const std::string& topic, int brokers, int partitions)
    : topic_(topic), partitions_(partitions) {
  char error[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "0", error, sizeof error);
  handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  if (!handle_) throw std::runtime_error(std::string("kafka mock: ") + error);
  cluster_ = rd_kafka_mock_cluster_new(handle_, brokers);
  if (!cluster_ || rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, brokers) !=
                       RD_KAFKA_RESP_ERR_NO_ERROR)
    throw std::runtime_error("kafka mock: cannot make the cluster");
  brokers_ = rd_kafka_mock_cluster_bootstraps(cluster_);
}

KafkaMock::~KafkaMock() {
  if (consumer_) {
    rd_kafka_consumer_close(consumer_);
    rd_kafka_destroy(consumer_);
  }
  if (cluster_) rd_kafka_mock_cluster_destroy(cluster_);
  if (handle_) rd_kafka_destroy(handle_);
}

void KafkaMock::set_broker_down(int id, bool down) {
  if (down)
    rd_kafka_mock_broker_set_down(cluster_, id);
  else
    rd_kafka_mock_broker_set_up(cluster_, id);
}

void KafkaMock::set_leader(int partition, int broker) {
  rd_kafka_mock_partition_set_leader(cluster_, topic_.c_str(), partition, broker);
}

const std::vector<KafkaMessage>& KafkaMock::consume(std::size_t n, std::chrono::milliseconds wait) {
  char error[256];
  if (!consumer_) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", brokers_.c_str(), error, sizeof error);
    rd_kafka_conf_set(conf, "group.id", "test", error, sizeof error);
    rd_kafka_conf_set(conf, "log_level", "0", error, sizeof error);
    consumer_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof error);
    if (!consumer_) throw std::runtime_error(std::string("kafka consumer: ") + error);
    rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(partitions_);
    for (int p = 0; p < partitions_; ++p)
      rd_kafka_topic_partition_list_add(parts, topic_.c_str(), p)->offset =
          RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(consumer_, parts);
    rd_kafka_topic_partition_list_destroy(parts);
  }
  const auto until = std::chrono::steady_clock::now() + wait;
  while (read_.size() < n && std::chrono::steady_clock::now() < until) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer_, 100);
    if (!m) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      KafkaMessage c;
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
      read_.push_back(std::move(c));
    }
    rd_kafka_message_destroy(m);
  }
  return read_;
}

}  // namespace callgate::testing
