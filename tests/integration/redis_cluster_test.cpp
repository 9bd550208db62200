// callgate on a real Redis Cluster: its keys share one hash tag, so one deployment lives on the
// shard of that slot, and every script passes its keys in KEYS; and the way from the older
// default prefix, which had no hash tag.
#include <gtest/gtest.h>

#include <integration/cluster.hpp>

namespace callgate::testing {
namespace {

TEST(RedisClusterStore, ADeploymentRunsOnTheShardOfItsHashTagFromAnyNodeItIsGiven) {
  RedisCluster redis(3);
  const std::string slot_key = "{callgate}:outbox:seq";
  const auto serving = redis.port_serving(slot_key);
  const auto elsewhere = redis.port_not_serving(slot_key);
  ASSERT_NE(serving, 0);
  ASSERT_NE(elsewhere, 0);

  // Given a node that does not serve the slot, callgate follows its MOVED answer.
  TempDir dir;
  ServerProcess callgate(dir.path(),
                         "listen: 127.0.0.1:0\nthreads: 2\n"
                         "store:\n  type: redis\n  url: redis://127.0.0.1:" +
                             std::to_string(elsewhere) +
                             "/0\n"
                             "sources:\n  pbx:\n    provider: voip\n    auth:\n      bearer: " +
                             kPbxToken + "\nsinks:\n  - type: redis_stream\n");
  ASSERT_TRUE(callgate.running()) << callgate.log();
  constexpr int kCalls = 20;
  for (int i = 0; i < kCalls; ++i) {
    const auto call = "cluster-" + std::to_string(i);
    ASSERT_EQ(post(callgate.port(), "/webhooks/pbx", pbx_body(call, "NotifyStart"),
                   bearer_headers(kPbxToken))
                  .status,
              200)
        << callgate.log();
    // A redelivery is found again (the read side uses the same slot).
    EXPECT_NE(post(callgate.port(), "/webhooks/pbx", pbx_body(call, "NotifyStart"),
                   bearer_headers(kPbxToken))
                  .body.find("duplicate"),
              std::string::npos);
  }

  // The default stream carries the prefix's hash tag: it is on the same shard, whole.
  const auto stream = read_stream(serving, "{callgate}:events");
  std::vector<std::string> acked;
  for (int i = 0; i < kCalls; ++i) acked.push_back("cluster-" + std::to_string(i));
  expect_every_acked_call_created_once(acked, stream);
  // Nothing of this deployment's is on another shard.
  for (const auto& n : redis.nodes())
    if (n->port() != serving) {
      EXPECT_EQ(n->cli({"DBSIZE"}), "0\n") << n->port();
    }
}

// Upgrading: the default prefix gained its hash tag. A Redis holding a deployment under the old
// default is not begun afresh beside it (that would look like lost calls and a restarted outbox).
TEST(RedisKeyPrefix, AnOlderDefaultsStateIsNotSilentlyLeftBehind) {
  RedisServer redis;
  redis.cli({"SET", "callgate:outbox:seq", "41"});
  TempDir dir;
  const auto config = [&](const std::string& prefix_line) {
    return "listen: 127.0.0.1:0\nstore:\n  type: redis\n  url: " + redis.url() + "\n" +
           prefix_line +
           "sources:\n  pbx:\n    provider: voip\n    auth:\n      bearer: " + kPbxToken + "\n";
  };
  {
    ServerProcess refused(dir.path(), config(""));
    EXPECT_FALSE(refused.running());
    EXPECT_NE(refused.log().find("holds callgate's state under the key prefix \"callgate:\""),
              std::string::npos)
        << refused.log();
  }
  // Told to go on with the old keys, it starts on them.
  ServerProcess old_keys(dir.path(), config("  key_prefix: \"callgate:\"\n"));
  ASSERT_TRUE(old_keys.running()) << old_keys.log();
  EXPECT_EQ(post(old_keys.port(), "/webhooks/pbx", pbx_body("after-upgrade", "NotifyStart"),
                 bearer_headers(kPbxToken))
                .status,
            200);
  EXPECT_EQ(redis.cli({"GET", "callgate:outbox:seq"}), "42\n");
}

}  // namespace
}  // namespace callgate::testing
