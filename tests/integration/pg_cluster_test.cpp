// Several callgate replicas sharing one real PostgreSQL, behind a real nginx: the same promises
// as on Redis (scale_test.cpp), read back from the outbox as a sink reads it; and a failover to
// a synchronous standby, found again through a multi-host URL without restarting callgate.
#include <set>
#include <support/postgres.hpp>
#include <support/receiver.hpp>

#include "cluster.hpp"

namespace callgate::testing {
namespace {

class PgCluster : public Replicas {
 protected:
  std::string store_config() const override {
    return "store:\n  type: postgres\n  url: \"" + url + "\"\n  reconnect_interval_ms: 100\n";
  }

  PostgresServer postgres;
  std::string url = postgres.url();
};

TEST_F(PgCluster, ConcurrentCallsThroughTheBalancerLoseDoubleAndReorderNothing) {
  start_replicas(3);
  constexpr int kCalls = 500;
  constexpr int kThreads = 16;
  std::atomic<int> refused{0};
  std::vector<std::thread> senders;
  for (int t = 0; t < kThreads; ++t) {
    senders.emplace_back([&, t] {
      for (const char* phase : {"NotifyStart", "NotifyAnswer", "NotifyEnd"})
        for (int c = t; c < kCalls; c += kThreads)
          if (!post_until_accepted(balancer->port(), pbx_body("many-" + std::to_string(c), phase)))
            ++refused;
    });
  }
  for (auto& s : senders) s.join();
  ASSERT_EQ(refused.load(), 0);

  const auto calls = by_call(read_outbox(url));
  ASSERT_EQ(calls.size(), static_cast<std::size_t>(kCalls));
  for (int c = 0; c < kCalls; ++c) {
    const auto id = core::derive_call_id("pbx", "many-" + std::to_string(c));
    ASSERT_TRUE(calls.contains(id)) << c;
    const auto& events = calls.at(id);  // in seq order
    ASSERT_EQ(events.size(), 3u) << c;
    EXPECT_EQ(events[0].type, "telephonyCall::created");
    EXPECT_EQ(events[1].type, "telephonyCall::updated");
    EXPECT_EQ(events[2].type, "telephonyCall::deleted");
    for (std::size_t n = 0; n < 3; ++n) {
      EXPECT_EQ(events[n].key, id + ":" + std::to_string(n + 1));
      EXPECT_EQ(events[n].connector, "crm-pbx");
    }
  }
  for (const auto& r : replicas)  // the replicas really shared the work
    EXPECT_GT(metric_value(get(r->port(), "/metrics").body,
                           R"(callgate_requests_total{source="pbx",status="200"})"),
              50);
}

TEST_F(PgCluster, PbxCallsWithoutACallIdAreMatchedAcrossReplicas) {
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
  const auto calls = by_call(read_outbox(url));
  ASSERT_EQ(calls.size(), static_cast<std::size_t>(kCalls));
  std::set<std::string> numbers;
  for (const auto& [id, events] : calls) {
    ASSERT_EQ(events.size(), 3u) << id;
    EXPECT_EQ(events[0].type, "telephonyCall::created");
    EXPECT_EQ(events[2].type, "telephonyCall::deleted");
    numbers.insert(events[0].body["data"]["fields"]["externalNumber"]);
  }
  EXPECT_EQ(numbers.size(), static_cast<std::size_t>(kCalls));
}

TEST_F(PgCluster, TheDatabaseStoppedMidRunAnswers503ThenRecoversAndKeepsEverythingAcknowledged) {
  start_replicas(2);
  Sender sender([&](const std::string& body) { return post_pbx(balancer->port(), body); }, 4);
  ASSERT_TRUE(eventually([&] { return sender.acked() >= 200; }));
  postgres.kill9();
  ASSERT_TRUE(eventually([&] { return sender.unavailable() >= 10; })) << "no 503 while down";
  for (const auto& r : replicas) EXPECT_EQ(get(r->port(), "/readyz").status, 503);
  const auto acked_while_down = sender.acked();
  ASSERT_TRUE(postgres.start());
  ASSERT_TRUE(eventually([&] { return sender.acked() >= acked_while_down + 200; }))
      << "no recovery";
  sender.stop();
  expect_every_acked_call_created_once(sender.acked_calls(), read_outbox(url));
}

TEST_F(PgCluster, AReplicaKilledMidRunLosesNothingAcknowledged) {
  start_replicas(3);
  Sender sender([&](const std::string& body) { return post_pbx(balancer->port(), body); }, 4);
  ASSERT_TRUE(eventually([&] { return sender.acked() >= 200; }));
  replicas[0]->kill9();
  const auto acked_at_kill = sender.acked();
  ASSERT_TRUE(eventually([&] { return sender.acked() >= acked_at_kill + 300; }));
  sender.stop();
  expect_every_acked_call_created_once(sender.acked_calls(), read_outbox(url));
}

// One replica holds the HTTP sink's lease and delivers; when it dies, another takes over from
// the shared cursor and nothing is left undelivered.
TEST_F(PgCluster, HttpDeliveryIsDoneByOneReplicaAndTakenOverWhenItDies) {
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

  const auto holder = postgres.psql("SELECT holder FROM leases WHERE name = 'crm'");
  const auto pid = std::stoi(holder.substr(holder.find(':') + 1));
  int killed = -1;
  for (std::size_t i = 0; i < replicas.size(); ++i)
    if (replicas[i]->pid() == pid) killed = static_cast<int>(i);
  ASSERT_GE(killed, 0) << holder;
  replicas[static_cast<std::size_t>(killed)]->kill9();
  send_calls(20, 40);

  std::map<std::string, int> keys;
  ASSERT_TRUE(eventually(
      [&] {
        keys.clear();
        for (const auto& r : receiver.received()) ++keys[r.header("x-idempotency-key")];
        return keys.size() >= 80;
      },
      std::chrono::seconds(30)))
      << keys.size() << " of 80 events delivered after the takeover";
  EXPECT_EQ(keys.size(), 80u);
}

// With synchronous replication, the primary killed (-9) under load and its standby promoted: the
// replicas find the new primary through the multi-host URL (target_session_attrs=read-write)
// with no restart, and every event acknowledged before, during and after is there, once.
class PgFailover : public Replicas {
 protected:
  std::string store_config() const override {
    return "store:\n  type: postgres\n  url: \"" + both + "\"\n  reconnect_interval_ms: 100\n";
  }

  PostgresServer primary{true};  // commits wait for the standby
  PostgresServer standby = PostgresServer::standby_of(primary);
  std::string both = "postgresql://postgres@127.0.0.1:" + std::to_string(primary.port()) +
                     ",127.0.0.1:" + std::to_string(standby.port()) +
                     "/postgres?target_session_attrs=read-write";
};

TEST_F(PgFailover, AcknowledgedEventsSurviveAFailoverToASynchronousStandby) {
  ASSERT_TRUE(eventually(
      [&] { return primary.psql("SELECT sync_state FROM pg_stat_replication") == "sync\n"; }));
  start_replicas(2);
  Sender sender([&](const std::string& body) { return post_pbx(balancer->port(), body); }, 4);
  ASSERT_TRUE(eventually([&] { return sender.acked() >= 200; }));
  primary.kill9();
  const auto acked_at_kill = sender.acked();
  standby.promote();
  ASSERT_TRUE(
      eventually([&] { return sender.acked() >= acked_at_kill + 200; }, std::chrono::seconds(30)))
      << "the replicas did not follow the promoted standby";
  sender.stop();
  EXPECT_GT(sender.unavailable(), 0) << "nothing was refused while there was no primary";
  expect_every_acked_call_created_once(sender.acked_calls(), read_outbox(both));
}

}  // namespace
}  // namespace callgate::testing
