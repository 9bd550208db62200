// What only the PostgreSQL store promises, on a real PostgreSQL server the tests start on a
// loopback port: replicas sharing one database decide each call and record each delivery once,
// sinks never see the outbox out of commit order, a lease has one holder, and a database that
// goes away answers 503 and is used again when it is back.
#include <gtest/gtest.h>

#include <atomic>
#include <callgate/store/store.hpp>
#include <future>
#include <set>
#include <support/child.hpp>
#include <support/fixtures.hpp>
#include <support/postgres.hpp>
#include <thread>

namespace callgate {
namespace {

const TimePoint kNow = callgate::now();
const TimePoint kLater = kNow + std::chrono::hours(1);

testing::PostgresServer& server() {
  static testing::PostgresServer postgres;
  return postgres;
}

store::StoreConfig config_for(const std::string& database) {
  server().psql("CREATE DATABASE " + database);
  store::StoreConfig c;
  c.type = "postgres";
  c.url = server().url(database);
  c.reconnect_interval_ms = 50;
  return c;
}

core::CallState ringing(const std::string& id) {
  core::CallState s;
  s.id = id;
  s.source = "pbx";
  s.created_at = kNow;
  s.phase = core::Phase::ringing;
  return s;
}

core::Emission emission(const std::string& id, int n) {
  return {core::EventType::updated, id, id + ":" + std::to_string(n), "{}", "pbx", {}};
}

// A second replica reading a call the first is deciding waits for the first's commit, then
// decides on what it committed: nothing is overwritten blindly.
TEST(PostgresStore, ASecondReplicaDecidingTheSameCallWaitsAndSeesTheFirstsCommit) {
  const auto c = config_for("serialised");
  auto a = store::open_store(c);
  auto b = store::open_store(c);
  ASSERT_TRUE(a.writer->begin());
  ASSERT_TRUE(a.writer->prefetch({}, {"c1"}));
  ASSERT_FALSE(*a.writer->load_call("c1"));

  auto seen = std::async(std::launch::async, [&] {
    EXPECT_TRUE(b.writer->begin());
    auto call = b.writer->load_call("c1");  // waits for replica A's lock
    b.writer->rollback();
    return call && *call ? (*call)->phase : core::Phase::ended;
  });
  EXPECT_EQ(seen.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout)
      << "replica B read the call while replica A was deciding it";
  ASSERT_TRUE(a.writer->save_call(ringing("c1"), kLater));
  ASSERT_TRUE(a.writer->commit());
  EXPECT_EQ(seen.get(), core::Phase::ringing);
}

// Two replicas take the same provider delivery at once: one records it, the other's commit is a
// conflict, and deciding again finds it recorded.
TEST(PostgresStore, ADeliveryRecordedByAnotherReplicaFirstIsAConflictThenADuplicate) {
  const auto c = config_for("deliveries");
  auto a = store::open_store(c);
  auto b = store::open_store(c);
  ASSERT_TRUE(a.writer->begin());
  ASSERT_TRUE(b.writer->begin());
  EXPECT_TRUE(*a.writer->remember_delivery("k", kLater));
  EXPECT_TRUE(*b.writer->remember_delivery("k", kLater));  // neither has committed yet
  ASSERT_TRUE(a.writer->append_outbox(emission("c", 1), kNow));
  ASSERT_TRUE(b.writer->append_outbox(emission("c", 2), kNow));
  ASSERT_TRUE(a.writer->commit());
  auto second = b.writer->commit();
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error(), make_error_code(errc::store_conflict));
  b.writer->rollback();
  ASSERT_TRUE(b.writer->begin());
  EXPECT_FALSE(*b.writer->remember_delivery("k", kLater));
  b.writer->rollback();
  const auto rows = *a.store->read_outbox(0, 10);
  ASSERT_EQ(rows.size(), 1u) << "the conflicting transaction wrote nothing";
  EXPECT_EQ(rows[0].idempotency_key, "c:1");
}

// Replicas commit at once while a sink reads after its cursor: seq order is commit order, so
// the sink never passes a row that commits later with a smaller seq.
TEST(PostgresStore, ASinkReadingWhileReplicasCommitSeesEveryRowOnce) {
  const auto c = config_for("commit_order");
  constexpr int kReplicas = 3, kCommits = 150;
  std::vector<store::Opened> replicas;
  for (int i = 0; i < kReplicas; ++i) replicas.push_back(store::open_store(c));
  std::atomic<int> writing{kReplicas};
  std::vector<std::thread> writers;
  for (int r = 0; r < kReplicas; ++r)
    writers.emplace_back([&, r] {
      auto& w = *replicas[static_cast<std::size_t>(r)].writer;
      for (int i = 0; i < kCommits; ++i) {
        const auto id = "r" + std::to_string(r) + "c" + std::to_string(i);
        EXPECT_TRUE(w.begin());
        EXPECT_TRUE(w.append_outbox(emission(id, 1), kNow));
        EXPECT_TRUE(w.append_outbox(emission(id, 2), kNow));
        EXPECT_TRUE(w.commit());
      }
      --writing;
    });
  std::int64_t cursor = 0;
  std::set<std::string> taken;
  int duplicates = 0;
  auto& reader = *replicas[0].store;
  for (bool last = false; !last;) {
    last = writing.load() == 0;
    auto rows = reader.read_outbox(cursor, 50);
    ASSERT_TRUE(rows);
    for (const auto& row : *rows) {
      if (!taken.insert(row.idempotency_key).second) ++duplicates;
      cursor = row.seq;
    }
    if (!rows->empty()) last = false;
  }
  for (auto& t : writers) t.join();
  EXPECT_EQ(duplicates, 0);
  EXPECT_EQ(taken.size(), static_cast<std::size_t>(kReplicas * kCommits * 2))
      << "the sink passed rows that were committed after it read past their seq";
}

TEST(PostgresStore, ALeaseHasOneHolderUntilItExpires) {
  const auto c = config_for("leases");
  auto a = store::open_store(c);
  auto b = store::open_store(c);
  const auto ttl = std::chrono::milliseconds(400);
  EXPECT_TRUE(*a.store->hold_lease("sink", "replica-a", ttl));
  EXPECT_FALSE(*b.store->hold_lease("sink", "replica-b", ttl));
  EXPECT_TRUE(*a.store->hold_lease("sink", "replica-a", ttl));  // renewed
  EXPECT_TRUE(*b.store->hold_lease("other", "replica-b", ttl));
  EXPECT_TRUE(testing::eventually([&] { return *b.store->hold_lease("sink", "replica-b", ttl); }));
  EXPECT_FALSE(*a.store->hold_lease("sink", "replica-a", ttl)) << "b took it over";
}

TEST(PostgresStore, ADatabaseDownIsUnavailableAndItIsUsedAgainWhenBack) {
  testing::PostgresServer postgres;
  store::StoreConfig c;
  c.type = "postgres";
  c.url = postgres.url();
  c.reconnect_interval_ms = 50;
  auto opened = store::open_store(c);
  auto& s = opened.store;
  auto& w = opened.writer;
  ASSERT_TRUE(w->begin());
  ASSERT_TRUE(w->save_call(ringing("c1"), kLater));
  ASSERT_TRUE(w->commit());
  ASSERT_EQ(*s->count_live_calls(), 1);

  postgres.kill9();
  auto down = s->count_live_calls();
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error(), make_error_code(errc::store_unavailable));
  (void)w->begin();  // queued, perhaps not sent yet
  auto read = w->load_call("c1");
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error(), make_error_code(errc::store_unavailable));
  w->rollback();

  ASSERT_TRUE(postgres.start());
  EXPECT_TRUE(testing::eventually([&] { return bool(s->count_live_calls()); }));
  EXPECT_TRUE(testing::eventually([&] {
    const bool ok = w->begin() && w->load_call("c1") && w->commit();
    if (!ok) w->rollback();
    return ok;
  }));
  EXPECT_EQ((*s->load_call("c1"))->phase, core::Phase::ringing);
}

// A database that hangs (stopped, its connections open) answers nothing: after the command
// timeout the request is unavailable (503) rather than waiting with it, and it recovers.
TEST(PostgresStore, AHungDatabaseIsUnavailableAfterTheCommandTimeout) {
  testing::PostgresServer postgres;
  store::StoreConfig c;
  c.type = "postgres";
  c.url = postgres.url();
  c.command_timeout_ms = 300;
  c.reconnect_interval_ms = 50;
  auto opened = store::open_store(c);
  ASSERT_TRUE(opened.store->count_live_calls());
  ASSERT_TRUE(opened.writer->begin());
  ASSERT_TRUE(opened.writer->prefetch({"k"}, {"c1"}));
  opened.writer->rollback();

  postgres.pause();
  const auto asked = std::chrono::steady_clock::now();
  auto hung = opened.store->count_live_calls();
  const auto waited = std::chrono::steady_clock::now() - asked;
  ASSERT_FALSE(hung);
  EXPECT_EQ(hung.error(), make_error_code(errc::store_unavailable));
  EXPECT_GE(waited, std::chrono::milliseconds(250));  // the timeout, to the millisecond
  EXPECT_LT(waited, std::chrono::seconds(3));
  ASSERT_TRUE(opened.writer->begin());
  auto commit = opened.writer->prefetch({"k"}, {"c1"});
  ASSERT_FALSE(commit);
  EXPECT_EQ(commit.error(), make_error_code(errc::store_unavailable));
  opened.writer->rollback();

  postgres.resume();
  EXPECT_TRUE(testing::eventually([&] { return bool(opened.store->count_live_calls()); }));
  EXPECT_TRUE(testing::eventually([&] {
    const bool ok =
        opened.writer->begin() && opened.writer->prefetch({"k"}, {"c1"}) && opened.writer->commit();
    if (!ok) opened.writer->rollback();
    return ok;
  }));
}

TEST(PostgresStore, AnUnreachableDatabaseAtStartStopsTheStartWithTheReason) {
  store::StoreConfig c;
  c.type = "postgres";
  c.url = "postgresql://postgres@127.0.0.1:" + std::to_string(testing::free_port()) + "/none";
  try {
    store::open_store(c);
    ADD_FAILURE() << "opened a store on nothing";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("connect"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace callgate
