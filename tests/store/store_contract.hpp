#pragma once
// The contract every store keeps, as parameterised tests. A test binary includes this once and
// instantiates it for the stores it may run: the unit tests for SQLite and memory, the
// integration tests for a real redis-server and a real PostgreSQL.
#include <gtest/gtest.h>

#include <atomic>
#include <callgate/store/store.hpp>
#include <support/child.hpp>
#include <support/fixtures.hpp>
#include <support/postgres.hpp>
#include <thread>

namespace callgate {
namespace {

// Redis expires keys by its own clock, so the contract runs at the real time.
const TimePoint kNow = callgate::now();

testing::RedisServer& shared_redis() {
  static testing::RedisServer redis;
  return redis;
}

testing::PostgresServer& shared_postgres() {
  static testing::PostgresServer postgres;
  return postgres;
}

class StoreContract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto opened = open();
    store = std::move(opened.store);
    writer = std::move(opened.writer);
  }
  store::Opened open() {
    store::StoreConfig c;
    c.type = GetParam();
    c.path = (dir / "db" / "callgate.db").string();
    if (c.type == "redis") {
      static int test_number = 0;
      c.url = shared_redis().url();
      c.key_prefix = "t" + std::to_string(++test_number) + ":";  // each test its own keys
    }
    if (c.type == "postgres") {  // each test its own database
      static int test_number = 0;
      if (database.empty()) {
        database = "t" + std::to_string(++test_number);
        shared_postgres().psql("CREATE DATABASE " + database);
      }
      c.url = shared_postgres().url(database);
    }
    return store::open_store(c);
  }
  core::CallState call(const std::string& id, bool ended, const std::string& match = "") {
    core::CallState s;
    s.id = id;
    s.source = "pbx";
    s.match_key = match;
    s.created_at = kNow;
    s.phase = ended ? core::Phase::ended : core::Phase::ringing;
    return s;
  }
  core::Emission emission(const std::string& id, int n) {
    return {core::EventType::updated,
            id,
            id + ":" + std::to_string(n),
            "{\"n\":" + std::to_string(n) + "}",
            "pbx",
            {"crm-" + std::to_string(n), "acme"}};
  }
  /** Commits two events of call "c" and reads them back from the outbox. */
  std::vector<store::OutboxRow> two_events() {
    EXPECT_TRUE(writer->begin());
    EXPECT_TRUE(writer->append_outbox(emission("c", 1), kNow));
    EXPECT_TRUE(writer->append_outbox(emission("c", 2), kNow));
    EXPECT_TRUE(writer->commit());
    return *store->read_outbox(0, 10);
  }

  testing::TempDir dir;
  std::string database;                   // postgres
  std::unique_ptr<store::Store> store;    // what any thread reads (and sinks write)
  std::unique_ptr<store::Writer> writer;  // the committer's side
};

TEST_P(StoreContract, RemembersDeliveriesOnce) {
  ASSERT_TRUE(writer->begin());
  EXPECT_TRUE(*writer->remember_delivery("k1", kNow + std::chrono::hours(1)));
  EXPECT_FALSE(*writer->remember_delivery("k1", kNow + std::chrono::hours(1)));
  EXPECT_TRUE(*writer->remember_delivery("k2", kNow + std::chrono::hours(1)));
  ASSERT_TRUE(writer->commit());
}

TEST_P(StoreContract, SavesLoadsAndFindsLiveCallsByMatchKey) {
  ASSERT_TRUE(writer->begin());
  auto older = call("c1", false, "m");
  auto newer = call("c2", false, "m");
  newer.created_at = kNow + std::chrono::seconds(1);
  auto ended = call("c3", true, "m");
  ended.created_at = kNow + std::chrono::seconds(2);
  for (auto* c : {&older, &newer, &ended})
    ASSERT_TRUE(writer->save_call(*c, kNow + std::chrono::hours(1)));
  ASSERT_TRUE(writer->commit());

  auto loaded = store->load_call("c2");
  ASSERT_TRUE(loaded && *loaded);
  EXPECT_EQ((*loaded)->created_at, newer.created_at);
  EXPECT_FALSE(*store->load_call("nope"));
  auto live = writer->find_live_call("pbx", "m");
  ASSERT_TRUE(live && *live);
  EXPECT_EQ((*live)->id, "c2");  // the newest live one; c3 has ended
  EXPECT_FALSE(*writer->find_live_call("other", "m"));
  EXPECT_EQ(*store->count_live_calls(), 2);
}

TEST_P(StoreContract, RollbackForgetsEverythingOfTheTransaction) {
  ASSERT_TRUE(writer->begin());
  ASSERT_TRUE(writer->save_call(call("c1", false), kNow));
  ASSERT_TRUE(writer->remember_delivery("k", kNow));
  ASSERT_TRUE(writer->append_outbox(emission("c1", 1), kNow));
  writer->rollback();
  EXPECT_FALSE(*store->load_call("c1"));
  EXPECT_TRUE(store->read_outbox(0, 10)->empty());
  ASSERT_TRUE(writer->begin());
  EXPECT_TRUE(*writer->remember_delivery("k", kNow));
  writer->rollback();
}

TEST_P(StoreContract, OutboxKeepsOrderAndCursorsSurvive) {
  ASSERT_TRUE(writer->begin());
  for (int i = 1; i <= 5; ++i) ASSERT_TRUE(writer->append_outbox(emission("c1", i), kNow));
  ASSERT_TRUE(writer->commit());
  auto rows = store->read_outbox(2, 2);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].idempotency_key, "c1:3");
  EXPECT_EQ((*rows)[1].idempotency_key, "c1:4");
  EXPECT_EQ((*rows)[0].event_type, "telephonyCall::updated");
  EXPECT_EQ((*rows)[0].body, R"({"n":3})");
  EXPECT_EQ(*store->last_outbox_seq(), (*rows)[1].seq + 1);

  ASSERT_TRUE(store->save_cursor("file:x", {3, 99}));
  EXPECT_EQ((*store->load_cursor("file:x"))->position, 99);
  EXPECT_FALSE(*store->load_cursor("other"));
}

// With only redis_stream sinks (or none) there is no cursor: the outbox is kept for its age only.
TEST_P(StoreContract, ARolledBackOrEndedCallIsNoLongerFoundLive) {
  const auto hour = kNow + std::chrono::hours(1);
  ASSERT_TRUE(writer->begin());
  ASSERT_TRUE(writer->save_call(call("r1", false, "m"), hour));
  writer->rollback();
  EXPECT_FALSE(*writer->find_live_call("pbx", "m")) << "a rolled back call is not live";

  ASSERT_TRUE(writer->begin());
  ASSERT_TRUE(writer->save_call(call("r1", false, "m"), hour));
  ASSERT_TRUE(writer->commit());
  auto live = writer->find_live_call("pbx", "m");
  ASSERT_TRUE(live && *live);
  EXPECT_EQ((*live)->id, "r1");

  ASSERT_TRUE(writer->begin());
  ASSERT_TRUE(writer->save_call(call("r1", true, "m"), hour));  // it ends, then the end rolls back
  writer->rollback();
  live = writer->find_live_call("pbx", "m");
  ASSERT_TRUE(live && *live) << "the rollback brought the live call back";

  ASSERT_TRUE(writer->begin());
  ASSERT_TRUE(writer->save_call(call("r1", true, "m"), hour));
  ASSERT_TRUE(writer->commit());
  EXPECT_FALSE(*writer->find_live_call("pbx", "m")) << "an ended call is not live";
}

TEST_P(StoreContract, PurgeWithoutAnySinkDropsOutboxRowsByAgeAlone) {
  ASSERT_TRUE(writer->begin());
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(writer->append_outbox(emission("c", i), kNow));
  ASSERT_TRUE(writer->commit());
  ASSERT_TRUE(writer->begin());
  ASSERT_TRUE(writer->purge(kNow, kNow));  // nothing is older than kNow yet
  ASSERT_TRUE(writer->commit());
  EXPECT_EQ(store->read_outbox(0, 10)->size(), 3u);
  ASSERT_TRUE(writer->begin());
  ASSERT_TRUE(writer->purge(kNow, kNow + std::chrono::seconds(1)));
  ASSERT_TRUE(writer->commit());
  EXPECT_TRUE(store->read_outbox(0, 10)->empty());
}

TEST_P(StoreContract, PurgeDropsExpiredCallsAndOutboxRowsEverySinkHasTaken) {
  ASSERT_TRUE(writer->begin());
  ASSERT_TRUE(writer->save_call(call("old", true), kNow - std::chrono::seconds(1)));
  ASSERT_TRUE(writer->save_call(call("young", true), kNow + std::chrono::hours(1)));
  ASSERT_TRUE(writer->remember_delivery("gone", kNow - std::chrono::seconds(1)));
  for (int i = 1; i <= 4; ++i) ASSERT_TRUE(writer->append_outbox(emission("c", i), kNow));
  ASSERT_TRUE(writer->commit());
  ASSERT_TRUE(store->save_cursor("a", {3, 0}));
  ASSERT_TRUE(store->save_cursor("b", {2, 0}));

  ASSERT_TRUE(writer->begin());
  ASSERT_TRUE(writer->purge(kNow, kNow + std::chrono::seconds(1)));
  ASSERT_TRUE(writer->commit());
  EXPECT_FALSE(*store->load_call("old"));
  EXPECT_TRUE(*store->load_call("young"));
  ASSERT_TRUE(writer->begin());
  EXPECT_TRUE(*writer->remember_delivery("gone", kNow));  // forgotten, so new again
  writer->rollback();
  auto rows = store->read_outbox(0, 10);
  ASSERT_EQ(rows->size(), 2u);  // seq 1 and 2 were taken by both sinks
  EXPECT_EQ(rows->front().idempotency_key, "c:3");
}

TEST_P(StoreContract, PrefetchedAnswersAreThoseOfAskingOneByOne) {
  ASSERT_TRUE(writer->begin());
  ASSERT_TRUE(writer->remember_delivery("k1", kNow + std::chrono::hours(1)));
  ASSERT_TRUE(writer->save_call(call("c1", false), kNow + std::chrono::hours(1)));
  ASSERT_TRUE(writer->commit());

  ASSERT_TRUE(writer->begin());
  ASSERT_TRUE(writer->prefetch({"k1", "k2"}, {"c1", "c2"}));
  EXPECT_FALSE(*writer->remember_delivery("k1", kNow + std::chrono::hours(1)));
  EXPECT_TRUE(*writer->remember_delivery("k2", kNow + std::chrono::hours(1)));
  EXPECT_FALSE(*writer->remember_delivery("k2", kNow + std::chrono::hours(1)));  // same batch
  EXPECT_EQ((*writer->load_call("c1"))->id, "c1");
  EXPECT_FALSE(*writer->load_call("c2"));
  ASSERT_TRUE(writer->save_call(call("c2", false), kNow + std::chrono::hours(1)));
  EXPECT_TRUE(*writer->load_call("c2"));  // this transaction's own write wins over the read-ahead
  ASSERT_TRUE(writer->commit());
  EXPECT_TRUE(*store->load_call("c2"));
}

TEST_P(StoreContract, DeadLettersAreListedNewestFirstAndRedeliveredToTheirSinkOnly) {
  const auto rows = two_events();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].source, "pbx") << "each row says whose it is";
  EXPECT_EQ(rows[1].connector_id, "crm-2");
  EXPECT_EQ(rows[1].owner_id, "acme");
  ASSERT_TRUE(store->add_dead_letter("crm", {rows[0], "422 Unprocessable", 1, kNow, ""}));
  ASSERT_TRUE(store->add_dead_letter(
      "crm", {rows[1], "422 Unprocessable", 3, kNow + std::chrono::seconds(1), ""}));

  const auto listed = *store->list_dead_letters("crm", 10);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].row.idempotency_key, "c:2");  // newest first
  EXPECT_EQ(listed[0].reason, "422 Unprocessable");
  EXPECT_EQ(listed[0].attempts, 3);
  EXPECT_EQ(listed[0].sink, "crm");
  EXPECT_TRUE(store->list_dead_letters("other", 10)->empty());
  EXPECT_EQ(store->list_dead_letters("", 10)->size(), 2u);

  EXPECT_EQ(*store->redeliver_dead_letters("crm", rows[0].seq, kNow), 1u);
  const auto again = *store->read_outbox(rows[1].seq, 10);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].idempotency_key, "c:1");  // the same key: the receiver can deduplicate
  EXPECT_EQ(again[0].sink, "crm");             // for that sink only
  EXPECT_EQ(again[0].body, rows[0].body);
  EXPECT_EQ(again[0].source, "pbx") << "a dead letter keeps whose it is";
  EXPECT_EQ(again[0].connector_id, "crm-1");
  EXPECT_EQ(again[0].owner_id, "acme");
  ASSERT_EQ(store->list_dead_letters("crm", 10)->size(), 1u);
  EXPECT_EQ(*store->redeliver_dead_letters("crm", 0, kNow), 1u);  // 0: all that are left
  EXPECT_TRUE(store->list_dead_letters("crm", 10)->empty());
}

TEST_P(StoreContract, OtherThreadsReadWhileTheWriterCommits) {
  constexpr int kCalls = 200;
  const auto later = kNow + std::chrono::hours(1);
  std::atomic<bool> done{false};
  std::atomic<int> committed{0};
  std::atomic<int> read_errors{0};
  std::atomic<int> reads{0};
  std::atomic<int> went_back{0};
  auto reader = [&](int which) {
    std::int64_t last_count = 0;
    while (!done.load()) {
      const int seen = committed.load();
      bool ok = true;
      if (which == 0) {
        auto count = store->count_live_calls();
        ok = bool(count);
        if (count && *count < seen) ++went_back;  // a committed call not counted
        if (count && *count < last_count) ++went_back;
        if (count) last_count = *count;
        auto calls = store->calls_before({}, 50, true);
        ok = ok && bool(calls);
      } else {
        const std::string id = "t" + std::to_string(std::max(seen - 1, 0));
        auto call = store->load_call(id);
        ok = bool(call);
        if (call && seen > 0 && !*call) ++went_back;  // committed but not found
        ok = ok && bool(store->call_log(id)) && bool(store->read_outbox(0, 20)) &&
             bool(store->list_dead_letters("", 10)) && bool(store->last_outbox_seq());
      }
      if (!ok) ++read_errors;
      ++reads;
    }
  };
  std::thread a(reader, 0), b(reader, 1);
  struct Join {  // also when an assertion below returns early
    std::atomic<bool>& done;
    std::thread &a, &b;
    ~Join() {
      done = true;
      if (a.joinable()) a.join();
      if (b.joinable()) b.join();
    }
  } join{done, a, b};
  for (int i = 0; i < kCalls; ++i) {
    const std::string id = "t" + std::to_string(i);
    ASSERT_TRUE(writer->begin());
    ASSERT_TRUE(writer->save_call(call(id, false), later));
    ASSERT_TRUE(writer->append_outbox(emission(id, 1), kNow));
    ASSERT_TRUE(writer->append_call_log(
        id, {store::CallLogEntry::Kind::received, kNow, kNow, "pbx", "start", id, 0, {}}, later));
    ASSERT_TRUE(writer->commit()) << "commit " << i << " failed while others read";
    committed = i + 1;
  }
  // Let the readers see the last commit, then stop them.
  ASSERT_TRUE(testing::eventually([&] { return reads.load() > 2 * kCalls; }));
  done = true;
  a.join();
  b.join();
  EXPECT_EQ(read_errors.load(), 0);
  EXPECT_EQ(went_back.load(), 0) << "a reader missed something already committed";
  EXPECT_EQ(*store->count_live_calls(), kCalls);
  EXPECT_EQ(store->read_outbox(0, 1000)->size(), static_cast<std::size_t>(kCalls));
}

}  // namespace
}  // namespace callgate
