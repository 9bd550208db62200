// The store contract on the shared stores, a real redis-server and a real PostgreSQL that the
// tests start on loopback ports; and what only the Redis store promises (pg_store_test.cpp has
// PostgreSQL's).
#include "pages_contract.hpp"

namespace callgate {
namespace {

INSTANTIATE_TEST_SUITE_P(Stores, StoreContract, ::testing::Values("redis", "postgres"));

}  // namespace
}  // namespace callgate

namespace callgate {
namespace {

// Two replicas decide on the same call at once: the one that commits second must not overwrite
// the first's state blindly; it gets store_conflict and decides again (the committer retries).
TEST(RedisStore, ASecondReplicaWritingACallTheFirstReadMakesTheFirstCommitConflict) {
  store::StoreConfig c;
  c.type = "redis";
  c.url = shared_redis().url();
  c.key_prefix = "conflict:";
  auto replica_a = store::open_store(c);
  auto replica_b = store::open_store(c);
  auto& a = replica_a.writer;
  auto& b = replica_b.writer;
  core::CallState s;
  s.id = "c1";
  s.source = "pbx";
  s.created_at = kNow;

  ASSERT_TRUE(a->begin());
  ASSERT_FALSE(*a->load_call("c1"));  // replica A reads (and watches) the call
  ASSERT_TRUE(b->begin());
  ASSERT_FALSE(*b->load_call("c1"));
  s.phase = core::Phase::ringing;
  ASSERT_TRUE(b->save_call(s, kNow + std::chrono::hours(1)));
  ASSERT_TRUE(b->commit());  // replica B wins the race

  s.phase = core::Phase::answered;
  ASSERT_TRUE(a->save_call(s, kNow + std::chrono::hours(1)));
  auto committed = a->commit();
  ASSERT_FALSE(committed);
  EXPECT_EQ(committed.error(), make_error_code(errc::store_conflict));
  a->rollback();
  EXPECT_EQ((*a->load_call("c1"))->phase, core::Phase::ringing);  // B's write stands

  // A call read ahead (prefetch) is watched the same way.
  ASSERT_TRUE(a->begin());
  ASSERT_TRUE(a->prefetch({}, {"c1"}));
  ASSERT_TRUE(b->begin());
  ASSERT_TRUE(b->save_call(s, kNow + std::chrono::hours(1)));
  ASSERT_TRUE(b->commit());
  ASSERT_TRUE(a->save_call(s, kNow + std::chrono::hours(1)));
  EXPECT_EQ(a->commit().error(), make_error_code(errc::store_conflict));
  a->rollback();

  // Deciding again on the fresh state commits.
  ASSERT_TRUE(a->begin());
  ASSERT_TRUE(*a->load_call("c1"));
  ASSERT_TRUE(a->save_call(s, kNow + std::chrono::hours(1)));
  ASSERT_TRUE(a->commit());
  EXPECT_EQ((*replica_b.store->load_call("c1"))->phase, core::Phase::answered);
}

TEST(RedisStore, RedisDownIsStoreUnavailableAndItRecoversByItself) {
  testing::RedisServer redis;
  store::StoreConfig c;
  c.type = "redis";
  c.url = redis.url();
  c.reconnect_interval_ms = 50;
  auto opened = store::open_store(c);
  auto& s = opened.store;
  auto& w = opened.writer;
  ASSERT_TRUE(s->count_live_calls());
  redis.kill9();
  auto down = s->count_live_calls();
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error(), make_error_code(errc::store_unavailable));
  ASSERT_TRUE(w->begin());
  EXPECT_FALSE(w->load_call("x"));
  ASSERT_TRUE(redis.start());
  EXPECT_TRUE(testing::eventually([&] { return bool(s->count_live_calls()); }));
  EXPECT_TRUE(testing::eventually([&] { return bool(w->begin()) && bool(w->load_call("x")); }));
}

}  // namespace
}  // namespace callgate

namespace callgate {
namespace {

TEST(RedisStore, TheUrlChoosesTheDatabaseAndABadUrlStopsTheStart) {
  store::StoreConfig c;
  c.type = "redis";
  c.url = "redis://127.0.0.1:" + std::to_string(shared_redis().port()) + "/3";
  c.key_prefix = "db3:";
  auto s = store::open_store(c).store;
  ASSERT_TRUE(s->save_cursor("x", {7, 0}));
  EXPECT_EQ(shared_redis().cli({"-n", "3", "GET", "db3:cursor:x"}), "7 0\n");
  EXPECT_EQ(shared_redis().cli({"-n", "0", "EXISTS", "db3:cursor:x"}), "0\n");

  c.url = "redis://127.0.0.1:6379/not-a-number";
  EXPECT_THROW(store::open_store(c), std::runtime_error);
  c.url = "http://127.0.0.1:6379/0";
  EXPECT_THROW(store::open_store(c), std::runtime_error);
}

}  // namespace
}  // namespace callgate
