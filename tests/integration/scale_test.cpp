// What only Redis promises with several callgate replicas on it, behind a real nginx: the events
// of one call land on different replicas at the same moment, and the stream must still hold
// exactly what one instance would emit; consumer groups read it; replicas may start before
// Redis. (What every shared store promises is in shared_store_test.cpp.)
#include <algorithm>
#include <set>
#include <support/receiver.hpp>

#include "cluster.hpp"

namespace callgate::testing {
namespace {

// Each of a call's requests goes to a different replica, all at once, in every order.
TEST_F(Cluster, SeedCallsSplitAcrossReplicasInEveryOrderGiveOneCreatedAndOneDeleted) {
  start_replicas(3);
  const auto webex = webex_seed_bodies();
  std::vector<std::string> telnyx_bodies;
  for (const char* f : {"call_initiated.json", "call_answered.json", "call_hangup.json"})
    telnyx_bodies.push_back(read_file(data_path("telnyx/" + std::string(f))));

  // What one instance gives for the same calls, to compare the ids with.
  TempDir single_dir;
  ServerProcess single(single_dir.path(),
                       "listen: 127.0.0.1:0\nstore:\n  type: memory\nsources:\n"
                       "  webex:\n    provider: webex\n    secret: " +
                           kWebexSecret +
                           "\n  telnyx:\n    provider: telnyx\n    public_key: ${TELNYX_KEY}\n"
                           "sinks:\n  - type: file\n    path: events.jsonl\n",
                       {{"TELNYX_KEY", telnyx.public_key_base64()}});
  for (const auto& b : webex)
    ASSERT_EQ(post(single.port(), "/webhooks/webex", b, webex_headers(kWebexSecret, b)).status,
              200);
  for (const auto& b : telnyx_bodies)
    ASSERT_EQ(post(single.port(), "/webhooks/telnyx", b, telnyx.sign(b, now())).status, 200);
  std::set<std::string> single_ids;
  ASSERT_TRUE(eventually([&] { return read_lines(single_dir / "events.jsonl").size() >= 5; }));
  for (const auto& line : read_lines(single_dir / "events.jsonl"))
    single_ids.insert(nlohmann::json::parse(line)["data"]["id"]);
  ASSERT_EQ(single_ids.size(), 2u);

  std::vector<std::size_t> order{0, 1, 2};
  int orders = 0;
  do {
    ASSERT_EQ(redis.cli({"FLUSHALL"}), "OK\n");
    std::vector<std::thread> senders;
    std::atomic<int> accepted{0};
    for (std::size_t position = 0; position < 3; ++position) {
      senders.emplace_back([&, position] {
        // The order decides who starts first; the requests still overlap in time.
        std::this_thread::sleep_for(std::chrono::milliseconds(2 * position));
        const std::size_t i = order[position];
        const auto replica = replicas[position]->port();
        const auto& w = webex[i];
        if (post(replica, "/webhooks/webex", w, webex_headers(kWebexSecret, w)).status == 200)
          ++accepted;
        const auto& t = telnyx_bodies[i];
        const auto other = replicas[(position + 1) % 3]->port();
        if (post(other, "/webhooks/telnyx", t, telnyx.sign(t, now())).status == 200) ++accepted;
      });
    }
    for (auto& s : senders) s.join();
    ASSERT_EQ(accepted.load(), 6);

    const auto calls = by_call(read_stream(redis.port()));
    ASSERT_EQ(calls.size(), 2u);
    for (const auto& [id, events] : calls) {
      EXPECT_TRUE(single_ids.contains(id)) << id;
      EXPECT_EQ(events.front().type, "telephonyCall::created");
      EXPECT_EQ(std::count_if(events.begin(), events.end(),
                              [](const auto& e) { return e.type == "telephonyCall::created"; }),
                1);
      EXPECT_EQ(std::count_if(events.begin(), events.end(),
                              [](const auto& e) { return e.type == "telephonyCall::deleted"; }),
                1);
      for (std::size_t n = 0; n < events.size(); ++n)
        EXPECT_EQ(events[n].key, id + ":" + std::to_string(n + 1));
    }
    ++orders;
  } while (std::next_permutation(order.begin(), order.end()));
  EXPECT_EQ(orders, 6);
}

TEST_F(Cluster, ConsumerGroupsReadEveryStreamEntryOnce) {
  start_replicas(2);
  constexpr int kCalls = 50;
  for (int c = 0; c < kCalls; ++c)
    for (const char* phase : {"NotifyStart", "NotifyAnswer", "NotifyEnd"})
      ASSERT_TRUE(post_until_accepted(balancer->port(), pbx_body("g-" + std::to_string(c), phase)));
  EXPECT_EQ(read_as_group(redis.port(), "events", "crm"), static_cast<std::size_t>(3 * kCalls));
  EXPECT_EQ(read_as_group(redis.port(), "events", "crm"), 0u);
  EXPECT_EQ(read_as_group(redis.port(), "events", "audit"), static_cast<std::size_t>(3 * kCalls));
  const auto events = read_stream(redis.port());
  ASSERT_EQ(events.size(), static_cast<std::size_t>(3 * kCalls));
  EXPECT_EQ(events[0].source, "pbx") << "the stream entry says whose the event is";
  EXPECT_EQ(events[0].connector, "crm-pbx");
  EXPECT_EQ(events[0].owner, "acme");
}

// Replicas (with an HTTP sink) may start before Redis: not ready, 503s, then service by itself.
TEST_F(Cluster, ReplicasStartWhileRedisIsDownAndServeOnceItIsUp) {
  Receiver receiver;
  redis.kill9();
  start_replicas(2, "  - type: http\n    name: crm\n    url: " + receiver.url() + "\n");
  for (const auto& r : replicas) EXPECT_EQ(get(r->port(), "/readyz").status, 503);
  EXPECT_EQ(post_pbx(replicas[0]->port(), pbx_body("early", "NotifyStart")).status, 503);
  ASSERT_TRUE(redis.start());
  for (const auto& r : replicas)
    EXPECT_TRUE(eventually([&] { return get(r->port(), "/readyz").status == 200; }));
  ASSERT_TRUE(post_until_accepted(balancer->port(), pbx_body("early", "NotifyStart")));
  ASSERT_TRUE(post_until_accepted(balancer->port(), pbx_body("early", "NotifyEnd")));
  EXPECT_TRUE(eventually([&] { return receiver.received().size() >= 2; }));
  EXPECT_EQ(receiver.received().size(), 2u);
}

}  // namespace
}  // namespace callgate::testing
