// The PostgreSQL servers the store's tests run: a primary with a synchronous streaming standby,
// and a failover to it (pg_ctl promote) after the primary is killed.
#include <gtest/gtest.h>

#include <support/postgres.hpp>

namespace callgate::testing {
namespace {

TEST(PostgresServers, ASynchronousStandbyHasEveryCommitAndTakesOverWhenPromoted) {
  PostgresServer primary(true);
  auto standby = PostgresServer::standby_of(primary);
  ASSERT_TRUE(eventually([&] { return standby.psql("SELECT pg_is_in_recovery()") == "t\n"; }));
  ASSERT_TRUE(eventually(
      [&] { return primary.psql("SELECT sync_state FROM pg_stat_replication") == "sync\n"; }));

  EXPECT_EQ(primary.psql("CREATE TABLE t(n int); INSERT INTO t SELECT generate_series(1, 100)"),
            "CREATE TABLE\nINSERT 0 100\n");
  // Synchronous: the commit returned once the standby had it.
  primary.kill9();
  standby.promote();
  ASSERT_TRUE(eventually([&] { return standby.psql("SELECT pg_is_in_recovery()") == "f\n"; }));
  EXPECT_EQ(standby.psql("SELECT count(*) FROM t"), "100\n");
  EXPECT_EQ(standby.psql("INSERT INTO t VALUES (101)"), "INSERT 0 1\n");
}

}  // namespace
}  // namespace callgate::testing
