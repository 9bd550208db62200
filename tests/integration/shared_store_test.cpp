// What every shared store promises with several callgate replicas on it behind a real nginx,
// run on a real redis-server (read back from the redis_stream sink) and a real PostgreSQL (read
// back from the outbox): the events of one call land on different replicas at the same moment,
// and what is committed must still be exactly what one instance would emit. What only Redis
// promises is in scale_test.cpp; PostgreSQL's failover in pg_cluster_test.cpp.
#include <set>
#include <support/receiver.hpp>

#include "cluster.hpp"

namespace callgate::testing {
namespace {

template <class Engine>
class SharedStore : public Engine {};
using Engines = ::testing::Types<Cluster, PgCluster>;
TYPED_TEST_SUITE(SharedStore, Engines);

TYPED_TEST(SharedStore, ManyConcurrentCallsThroughTheBalancerLoseDoubleAndReorderNothing) {
  this->start_replicas(3);
  constexpr int kCalls = 600;
  constexpr int kThreads = 16;
  std::atomic<int> refused{0};
  std::vector<std::thread> senders;
  for (int t = 0; t < kThreads; ++t) {
    senders.emplace_back([&, t] {
      // Each thread keeps its calls live together: all starts, then all answers, then all ends.
      for (const char* phase : {"NotifyStart", "NotifyAnswer", "NotifyEnd"})
        for (int c = t; c < kCalls; c += kThreads)
          if (!this->post_until_accepted(this->balancer->port(),
                                         pbx_body("many-" + std::to_string(c), phase)))
            ++refused;
    });
  }
  for (auto& s : senders) s.join();
  ASSERT_EQ(refused.load(), 0);

  const auto calls = by_call(this->committed());
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
  // The replicas really shared the work.
  for (const auto& r : this->replicas)
    EXPECT_GT(metric_value(get(r->port(), "/metrics").body,
                           R"(callgate_requests_total{source="pbx",status="200"})"),
              100);
}

// What one replica took in, every replica's console shows: calls, timelines and events live in
// the store. The timeline's emitted entry carries the seq the commit gave the row.
TYPED_TEST(SharedStore, AnyReplicasConsoleShowsTheWholeClustersCalls) {
  this->start_replicas(2, "admin: {listen: 127.0.0.1:0, token: admin-token}\n");
  ASSERT_TRUE(this->post_until_accepted(this->replicas[0]->port(),
                                        pbx_body("seen-elsewhere", "NotifyStart")));
  ASSERT_TRUE(this->post_until_accepted(this->replicas[0]->port(),
                                        pbx_body("seen-elsewhere", "NotifyStart")));
  const auto auth = bearer_headers("admin-token");
  const auto other = this->replicas[1]->admin_port();
  const auto calls = nlohmann::json::parse(get(other, "/admin/calls", auth).body)["calls"];
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0]["fields"]["externalNumber"], "+15550001111");
  const std::string id = calls[0]["id"];
  const auto t = nlohmann::json::parse(get(other, "/admin/calls/" + id, auth).body);
  const auto& line = t["timeline"];
  ASSERT_EQ(line.size(), 3u) << t.dump();
  EXPECT_EQ(line[0]["kind"], "received");
  EXPECT_EQ(line[1]["kind"], "emitted");
  EXPECT_EQ(line[1]["idempotencyKey"], id + ":1");
  const std::int64_t seq = line[1]["seq"];
  EXPECT_GT(seq, 0);
  EXPECT_EQ(line[2]["kind"], "duplicate");
}

// A PBX that sends no callId: its calls are matched by numbers and direction through the live
// calls in the store, whichever replica each event reaches.
TYPED_TEST(SharedStore, PbxCallsWithoutACallIdAreMatchedAcrossReplicas) {
  this->start_replicas(3);
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
        ASSERT_TRUE(
            this->post_until_accepted(this->replicas[replica++ % 3]->port(), body(c, event)));
    });
  }
  for (auto& s : senders) s.join();
  const auto calls = by_call(this->committed());
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

TYPED_TEST(SharedStore, TheStoreStoppedMidRunAnswers503ThenRecoversAndKeepsEverythingAcknowledged) {
  this->start_replicas(2);
  Sender sender(
      [&](const std::string& body) { return this->post_pbx(this->balancer->port(), body); }, 4);
  ASSERT_TRUE(eventually([&] { return sender.acked() >= 200; }));
  this->kill_store();
  ASSERT_TRUE(eventually([&] { return sender.unavailable() >= 10; })) << "no 503 while down";
  for (const auto& r : this->replicas) EXPECT_EQ(get(r->port(), "/readyz").status, 503);
  const auto acked_while_down = sender.acked();
  ASSERT_TRUE(this->start_store());
  ASSERT_TRUE(eventually([&] { return sender.acked() >= acked_while_down + 200; }))
      << "no recovery";
  for (const auto& r : this->replicas)
    EXPECT_TRUE(eventually([&] { return get(r->port(), "/readyz").status == 200; }));
  sender.stop();
  expect_every_acked_call_created_once(sender.acked_calls(), this->committed());
}

TYPED_TEST(SharedStore, AReplicaKilledMidRunLosesNothingAcknowledged) {
  this->start_replicas(3);
  Sender sender(
      [&](const std::string& body) { return this->post_pbx(this->balancer->port(), body); }, 4);
  ASSERT_TRUE(eventually([&] { return sender.acked() >= 200; }));
  this->replicas[0]->kill9();
  const auto acked_at_kill = sender.acked();
  ASSERT_TRUE(eventually([&] { return sender.acked() >= acked_at_kill + 300; }));
  sender.stop();
  expect_every_acked_call_created_once(sender.acked_calls(), this->committed());
}

// The HTTP sink on every replica: one replica holds the sink's lease and delivers; when it dies,
// another takes over from the shared cursor and nothing is left undelivered.
TYPED_TEST(SharedStore, HttpDeliveryIsDoneByOneReplicaAndTakenOverWhenItDies) {
  Receiver receiver;
  this->start_replicas(2, "  - type: http\n    name: crm\n    url: " + receiver.url() + "\n");
  auto send_calls = [&](int from, int to) {
    for (int c = from; c < to; ++c)
      for (const char* phase : {"NotifyStart", "NotifyEnd"})
        ASSERT_TRUE(this->post_until_accepted(this->balancer->port(),
                                              pbx_body("h-" + std::to_string(c), phase)));
  };
  send_calls(0, 20);
  ASSERT_TRUE(eventually([&] { return receiver.received().size() >= 40; }));

  // Kill whichever replica holds the lease.
  const auto holder = this->lease_holder("crm");
  const auto pid = std::stoi(holder.substr(holder.find(':') + 1));
  int killed = -1;
  for (std::size_t i = 0; i < this->replicas.size(); ++i)
    if (this->replicas[i]->pid() == pid) killed = static_cast<int>(i);
  ASSERT_GE(killed, 0) << holder;
  this->replicas[killed]->kill9();
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
