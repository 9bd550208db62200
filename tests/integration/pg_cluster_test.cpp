// callgate replicas on PostgreSQL with a synchronous standby: a failover, found again through a
// multi-host URL without restarting callgate. (What every shared store promises, PostgreSQL
// included, is in shared_store_test.cpp.)
#include <set>
#include <support/postgres.hpp>

#include "cluster.hpp"

namespace callgate::testing {
namespace {

class PgFailover : public PgReplicas {
 protected:
  PgFailover() {
    url = "postgresql://postgres@127.0.0.1:" + std::to_string(primary.port()) +
          ",127.0.0.1:" + std::to_string(standby.port()) +
          "/postgres?target_session_attrs=read-write";
  }
  void kill_store() override { primary.kill9(); }
  bool start_store() override { return primary.start(); }
  std::string lease_holder(const std::string&) override { return ""; }

  PostgresServer primary{true};  // commits wait for the standby
  PostgresServer standby = PostgresServer::standby_of(primary);
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
  expect_every_acked_call_created_once(sender.acked_calls(), committed());
}

}  // namespace
}  // namespace callgate::testing
