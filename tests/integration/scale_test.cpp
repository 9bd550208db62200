// Several callgate replicas sharing one real redis-server, behind a real nginx: the events of one
// call land on different replicas at the same moment, and the stream must still hold exactly what
// one instance would emit.
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

TEST_F(Cluster, AThousandConcurrentCallsThroughTheBalancerLoseDoubleAndReorderNothing) {
  start_replicas(3);
  constexpr int kCalls = 1000;
  constexpr int kThreads = 16;
  std::atomic<int> refused{0};
  std::vector<std::thread> senders;
  for (int t = 0; t < kThreads; ++t) {
    senders.emplace_back([&, t] {
      // Each thread keeps its calls live together: all starts, then all answers, then all ends.
      for (const char* phase : {"NotifyStart", "NotifyAnswer", "NotifyEnd"})
        for (int c = t; c < kCalls; c += kThreads)
          if (!post_until_accepted(balancer->port(), pbx_body("many-" + std::to_string(c), phase)))
            ++refused;
    });
  }
  for (auto& s : senders) s.join();
  ASSERT_EQ(refused.load(), 0);

  const auto calls = by_call(read_stream(redis.port()));
  ASSERT_EQ(calls.size(), static_cast<std::size_t>(kCalls));
  for (int c = 0; c < kCalls; ++c) {
    const auto id = core::derive_call_id("pbx", "many-" + std::to_string(c));
    ASSERT_TRUE(calls.contains(id)) << c;
    const auto& events = calls.at(id);
    ASSERT_EQ(events.size(), 3u) << c;
    EXPECT_EQ(events[0].type, "telephonyCall::created");
    EXPECT_EQ(events[1].type, "telephonyCall::updated");
    EXPECT_EQ(events[2].type, "telephonyCall::deleted");
    for (std::size_t n = 0; n < 3; ++n) {
      EXPECT_EQ(events[n].key, id + ":" + std::to_string(n + 1));
      EXPECT_EQ(events[n].source, "pbx") << "the stream entry says whose the event is";
      EXPECT_EQ(events[n].connector, "crm-pbx");
      EXPECT_EQ(events[n].owner, "acme");
    }
  }
  // A consumer group reads every entry once; another group reads them all again.
  EXPECT_EQ(read_as_group(redis.port(), "events", "crm"), static_cast<std::size_t>(3 * kCalls));
  EXPECT_EQ(read_as_group(redis.port(), "events", "crm"), 0u);
  EXPECT_EQ(read_as_group(redis.port(), "events", "audit"), static_cast<std::size_t>(3 * kCalls));
  // The replicas really shared the work.
  for (const auto& r : replicas)
    EXPECT_GT(metric_value(get(r->port(), "/metrics").body,
                           R"(callgate_requests_total{source="pbx",status="200"})"),
              100);
}

// A PBX that sends no callId: its calls are matched by numbers and direction through the live
// index in Redis, whichever replica each event reaches.
// What one replica took in, every replica's console shows: calls, timelines and events live in
// the store. The timeline's emitted entry carries the seq the commit script gave the row.
TEST_F(Cluster, AnyReplicasConsoleShowsTheWholeClustersCalls) {
  start_replicas(2, "admin: {listen: 127.0.0.1:0, token: admin-token}\n");
  ASSERT_TRUE(post_until_accepted(replicas[0]->port(), pbx_body("seen-elsewhere", "NotifyStart")));
  ASSERT_TRUE(post_until_accepted(replicas[0]->port(), pbx_body("seen-elsewhere", "NotifyStart")));
  const auto auth = bearer_headers("admin-token");
  const auto other = replicas[1]->admin_port();
  const auto calls = nlohmann::json::parse(get(other, "/admin/calls", auth).body)["calls"];
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0]["fields"]["externalNumber"], "+15550001111");
  const auto id = calls[0]["id"].get<std::string>();
  const auto t = nlohmann::json::parse(get(other, "/admin/calls/" + id, auth).body);
  const auto& line = t["timeline"];
  ASSERT_EQ(line.size(), 3u) << t.dump();
  EXPECT_EQ(line[0]["kind"], "received");
  EXPECT_EQ(line[1]["kind"], "emitted");
  EXPECT_EQ(line[1]["idempotencyKey"], id + ":1");
  EXPECT_GT(line[1]["seq"].get<std::int64_t>(), 0);
  EXPECT_EQ(line[2]["kind"], "duplicate");
}

TEST_F(Cluster, PbxCallsWithoutACallIdAreMatchedAcrossReplicas) {
  start_replicas(3);
  constexpr int kCalls = 30;
  auto body = [](int c, const char* event) {
    return nlohmann::json{{"event", event},
                          {"direction", "In"},
                          {"disposition", "Answered"},
                          {"srcPhone", "+1555000" + std::to_string(1000 + c)},
                          {"dstPhone", "+15559990000"}}
        .dump();
  };
  std::vector<std::thread> senders;
  for (int c = 0; c < kCalls; ++c) {
    senders.emplace_back([&, c] {
      int replica = c;
      for (const char* event : {"NotifyStart", "NotifyAnswer", "NotifyEnd"})
        ASSERT_TRUE(post_until_accepted(replicas[replica++ % 3]->port(), body(c, event)));
    });
  }
  for (auto& s : senders) s.join();
  const auto calls = by_call(read_stream(redis.port()));
  ASSERT_EQ(calls.size(), static_cast<std::size_t>(kCalls));
  std::set<std::string> numbers;
  for (const auto& [id, events] : calls) {
    ASSERT_EQ(events.size(), 3u) << id;
    EXPECT_EQ(events[0].type, "telephonyCall::created");
    EXPECT_EQ(events[2].type, "telephonyCall::deleted");
    EXPECT_EQ(events[2].body["data"]["fields"]["status"], "completed");
    numbers.insert(events[0].body["data"]["fields"]["externalNumber"]);
  }
  EXPECT_EQ(numbers.size(), static_cast<std::size_t>(kCalls));
}

TEST_F(Cluster, RedisStoppedMidRunAnswers503ThenRecoversAndKeepsEverythingAcknowledged) {
  start_replicas(2);
  Sender sender([&](const std::string& body) { return post_pbx(balancer->port(), body); }, 4);
  ASSERT_TRUE(eventually([&] { return sender.acked() >= 200; }));
  redis.kill9();
  ASSERT_TRUE(eventually([&] { return sender.unavailable() >= 10; })) << "no 503 while down";
  for (const auto& r : replicas) EXPECT_EQ(get(r->port(), "/readyz").status, 503);
  const auto acked_while_down = sender.acked();
  ASSERT_TRUE(redis.start());
  ASSERT_TRUE(eventually([&] { return sender.acked() >= acked_while_down + 200; }))
      << "no recovery";
  for (const auto& r : replicas)
    EXPECT_TRUE(eventually([&] { return get(r->port(), "/readyz").status == 200; }));
  sender.stop();
  expect_every_acked_call_created_once(sender.acked_calls(), read_stream(redis.port()));
}

TEST_F(Cluster, AReplicaKilledMidRunLosesNothingAcknowledged) {
  start_replicas(3);
  Sender sender([&](const std::string& body) { return post_pbx(balancer->port(), body); }, 4);
  ASSERT_TRUE(eventually([&] { return sender.acked() >= 200; }));
  replicas[0]->kill9();
  const auto acked_at_kill = sender.acked();
  ASSERT_TRUE(eventually([&] { return sender.acked() >= acked_at_kill + 300; }));
  sender.stop();
  expect_every_acked_call_created_once(sender.acked_calls(), read_stream(redis.port()));
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

// The HTTP sink on every replica: one replica holds the sink's lease and delivers; when it dies,
// another takes over from the shared cursor and nothing is left undelivered.
TEST_F(Cluster, HttpDeliveryIsDoneByOneReplicaAndTakenOverWhenItDies) {
  Receiver receiver;
  start_replicas(2, "  - type: http\n    name: crm\n    url: " + receiver.url() + "\n");
  auto send_calls = [&](int from, int to) {
    for (int c = from; c < to; ++c)
      for (const char* phase : {"NotifyStart", "NotifyEnd"})
        ASSERT_TRUE(
            post_until_accepted(balancer->port(), pbx_body("h-" + std::to_string(c), phase)));
  };
  send_calls(0, 20);
  ASSERT_TRUE(eventually([&] { return receiver.received().size() >= 40; }));

  // Kill whichever replica holds the lease.
  const auto holder = redis.cli({"GET", "cg:lease:crm"});
  const auto pid = std::stoi(holder.substr(holder.find(':') + 1));
  int killed = -1;
  for (std::size_t i = 0; i < replicas.size(); ++i)
    if (replicas[i]->pid() == pid) killed = static_cast<int>(i);
  ASSERT_GE(killed, 0) << holder;
  replicas[killed]->kill9();
  send_calls(20, 40);

  std::map<std::string, int> keys;
  ASSERT_TRUE(eventually(
      [&] {
        keys.clear();
        for (const auto& r : receiver.received()) ++keys[r.header("x-idempotency-key")];
        return keys.size() >= 80;
      },
      std::chrono::seconds(30)));
  for (int c = 0; c < 40; ++c) {
    const auto id = core::derive_call_id("pbx", "h-" + std::to_string(c));
    EXPECT_TRUE(keys.contains(id + ":1") && keys.contains(id + ":2")) << c;
  }
  // Only the lease holder delivers: a key comes at most twice (the batch in flight at the kill).
  for (int c = 0; c < 20; ++c) {
    const auto id = core::derive_call_id("pbx", "h-" + std::to_string(c));
    EXPECT_LE(keys[id + ":1"], 2);
  }
}

}  // namespace
}  // namespace callgate::testing
