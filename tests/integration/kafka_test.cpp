// The Kafka sink through the real binary: a callgate process produces to librdkafka's mock
// cluster (served by this test process on loopback), byte for byte what the file sink writes,
// and a restart of the process neither loses nor repeats an event.
#include <integration/gateway.hpp>
#include <set>
#include <support/kafka_mock.hpp>

namespace callgate::testing {
namespace {

class Kafka : public Gateway {
 protected:
  void SetUp() override { start(config()); }
  std::string config() const {
    return config_yaml("sqlite",
                       "  - type: kafka\n"
                       "    brokers: " +
                           mock.brokers() +
                           "\n"
                           "    topic: calls\n"
                           "    timeout_ms: 5000\n"
                           "    start_from: oldest\n"
                           "    properties: {linger.ms: '5'}\n");
  }
  std::string pbx_event(int call, const std::string& event) {
    return R"({"event":")" + event + R"(","callId":"k)" + std::to_string(call) +
           R"(","direction":"In","disposition":"Answered","srcPhone":"+15555550100","dstPhone":"100"})";
  }

  KafkaMock mock{"calls"};  // before the gateway starts, so its brokers are known
};

TEST_F(Kafka, EveryEventIsProducedOnceKeyedByItsCallAsTheFileSinkWritesIt) {
  for (const auto& body : webex_seed_bodies()) ASSERT_EQ(post_webex(body).status, 200);
  const auto lines = events(2);
  ASSERT_EQ(lines.size(), 2u);
  const auto got = mock.consume(2);
  ASSERT_EQ(got.size(), 2u);
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(nlohmann::json::parse(got[i].value), lines[i]) << "the file sink's line";
    const auto id = lines[i]["data"]["id"].get<std::string>();
    EXPECT_EQ(got[i].key, id);
    EXPECT_EQ(got[i].headers.at("idempotency-key"), id + ":" + std::to_string(i + 1));
    EXPECT_EQ(got[i].headers.at("event-type"), lines[i]["event"].get<std::string>());
    EXPECT_EQ(got[i].headers.at("source"), "webex");
  }
  EXPECT_EQ(got[0].partition, got[1].partition) << "one call, one partition";
}

TEST_F(Kafka, ARestartNeitherLosesNorRepeatsAnEvent) {
  for (int call = 0; call < 10; ++call)
    ASSERT_EQ(post_pbx(pbx_event(call, "NotifyStart")).status, 200);
  ASSERT_EQ(mock.consume(10).size(), 10u);
  ASSERT_EQ(server->stop(), 0);
  ASSERT_TRUE(server->start()) << server->log();
  for (int call = 0; call < 10; ++call)
    ASSERT_EQ(post_pbx(pbx_event(call, "NotifyEnd")).status, 200);
  mock.consume(20);
  const auto all = mock.consume(21, std::chrono::seconds(1));  // one too many: a repeat shows
  ASSERT_EQ(all.size(), 20u);
  std::set<std::string> keys;
  for (const auto& m : all) keys.insert(m.headers.at("idempotency-key"));
  EXPECT_EQ(keys.size(), 20u);
}

}  // namespace
}  // namespace callgate::testing
