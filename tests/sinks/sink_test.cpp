// The Sink base (cursor, retries, dead letters, redelivery) through a recording sink double.
#include <gtest/gtest.h>

#include <callgate/store/store.hpp>
#include <support/fixtures.hpp>
#include <support/recording_sink.hpp>

namespace callgate {
namespace {

using R = outbox::Attempt::Result;
const TimePoint kNow = from_unix_ms(1'700'000'000'000);
const outbox::DeliveryQueue::Policy kPolicy{.per_call = true,
                                            .max_in_flight = 8,
                                            .max_attempts = 2,
                                            .backoff_base = std::chrono::milliseconds(1),
                                            .backoff_max = std::chrono::milliseconds(2)};

class SinkTest : public ::testing::Test {
 protected:
  void append(const std::string& call, int from, int to) {
    ASSERT_TRUE(writer.begin());
    for (int i = from; i <= to; ++i) {
      core::Emission e{core::EventType::updated,
                       call,
                       call + ":" + std::to_string(i),
                       "{\"n\":" + std::to_string(i) + "}",
                       "pbx",
                       {"crm", "acme"}};
      ASSERT_TRUE(writer.append_outbox(e, kNow));
    }
    ASSERT_TRUE(writer.commit());
  }

  store::Opened opened = testing::open_memory_store();
  store::Store& store = *opened.store;
  store::Writer& writer = *opened.writer;  // stands in for the committer
  metrics::Metrics metrics;
};

TEST_F(SinkTest, DeliversEveryCommittedEventOnceAndSavesItsCursor) {
  append("a", 1, 3);
  {
    testing::RecordingSink sink("rec", store, metrics, kPolicy);
    sink.start();
    ASSERT_TRUE(testing::eventually([&] { return sink.delivered_seq() == 3; }));
    EXPECT_EQ(sink.delivered_keys(), (std::vector<std::string>{"a:1", "a:2", "a:3"}));
  }
  EXPECT_EQ((*store.load_cursor("rec"))->seq, 3);
  // A restart continues after the cursor: nothing is delivered twice.
  append("a", 4, 4);
  testing::RecordingSink again("rec", store, metrics, kPolicy);
  again.start();
  ASSERT_TRUE(testing::eventually([&] { return again.delivered_seq() == 4; }));
  EXPECT_EQ(again.delivered_keys(), (std::vector<std::string>{"a:4"}));
  EXPECT_EQ(metrics.value("callgate_sink_delivered_total", {{"sink", "rec"}}), 4);
}

// A sink added to a running deployment starts from now by default: the week of events the
// outbox retains is not sent to a new endpoint unless start_from: oldest asks for it.
TEST_F(SinkTest, ANewSinkStartsFromNowUnlessAskedForTheRetainedEvents) {
  append("a", 1, 3);
  {
    testing::RecordingSink fresh("new", store, metrics, kPolicy);
    fresh.start_from_oldest(false);  // the default of a configured sink
    fresh.start();
    EXPECT_EQ((*store.load_cursor("new"))->seq, 3) << "its first cursor is saved at once";
    append("a", 4, 4);
    ASSERT_TRUE(testing::eventually([&] { return fresh.delivered_seq() == 4; }));
    EXPECT_EQ(fresh.delivered_keys(), (std::vector<std::string>{"a:4"}));
  }
  testing::RecordingSink restarted("new", store, metrics, kPolicy);
  restarted.start_from_oldest(false);
  append("a", 5, 5);
  restarted.start();  // not a first start: it goes on from its cursor, missing nothing
  ASSERT_TRUE(testing::eventually([&] { return restarted.delivered_seq() == 5; }));
  EXPECT_EQ(restarted.delivered_keys(), (std::vector<std::string>{"a:5"}));

  testing::RecordingSink oldest("backfill", store, metrics, kPolicy);  // start_from: oldest
  oldest.start();
  ASSERT_TRUE(testing::eventually([&] { return oldest.delivered_seq() == 5; }));
  EXPECT_EQ(oldest.delivered_keys().size(), 5u);
}

TEST_F(SinkTest, ARetryKeepsTheCallsOrderAndADeadLetterCanBeRedelivered) {
  append("a", 1, 2);
  testing::RecordingSink sink("rec", store, metrics, kPolicy);
  sink.script({R::retry, R::retry});  // a:1 fails twice: dead after max_attempts = 2
  sink.start();
  ASSERT_TRUE(testing::eventually([&] { return sink.delivered_seq() == 2; }));
  // a:2 waited for a:1 to settle (per-call order), then went through.
  EXPECT_EQ(sink.delivered_keys(), (std::vector<std::string>{"a:2"}));
  auto dead = store.list_dead_letters("rec", 10);
  ASSERT_TRUE(dead);
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].row.idempotency_key, "a:1");
  EXPECT_EQ((*dead)[0].attempts, 2);
  EXPECT_EQ(metrics.value("callgate_sink_dead_letters_total", {{"sink", "rec"}}), 1);

  ASSERT_EQ(*store.redeliver_dead_letters("rec", 0, kNow), 1u);
  sink.notify();
  ASSERT_TRUE(testing::eventually([&] { return sink.delivered_keys().size() == 2; }));
  EXPECT_EQ(sink.delivered_keys().back(), "a:1") << "a redelivery keeps its idempotency key";
  EXPECT_TRUE(store.list_dead_letters("rec", 10)->empty());
}

TEST_F(SinkTest, ARedeliveryToOneSinkLeavesNoLagOnAnother) {
  append("a", 1, 2);
  testing::RecordingSink refusing("refusing", store, metrics, kPolicy);
  testing::RecordingSink other("other", store, metrics, kPolicy);
  refusing.script({R::dead});  // a:1 is refused for good: a dead letter of this sink only
  refusing.start();
  other.start();
  ASSERT_TRUE(testing::eventually(
      [&] { return refusing.delivered_seq() == 2 && other.delivered_seq() == 2; }));
  ASSERT_EQ(*store.redeliver_dead_letters("refusing", 0, kNow), 1u);  // seq 3, for it alone
  refusing.notify();
  other.notify();
  ASSERT_TRUE(testing::eventually([&] { return refusing.delivered_keys().size() == 2; }));
  // The other sink passes over the row and says so: no lag until some new event.
  ASSERT_TRUE(testing::eventually([&] {
    return other.delivered_seq() == 3 &&
           metrics.value("callgate_sink_lag_events", {{"sink", "other"}}) == 0;
  })) << "lag "
      << metrics.value("callgate_sink_lag_events", {{"sink", "other"}});
  EXPECT_EQ(other.delivered_keys(), (std::vector<std::string>{"a:1", "a:2"}));
  EXPECT_EQ((*store.load_cursor("other"))->seq, 3);
}

TEST_F(SinkTest, LagIsShownFromTheStartAndGrowsWhileTheReceiverFails) {
  append("a", 1, 3);
  auto never_gives_up = kPolicy;
  never_gives_up.max_attempts = 1'000'000;
  testing::RecordingSink sink("down", store, metrics, never_gives_up);
  sink.script(std::vector<R>(100'000, R::retry));  // every attempt fails for a long while
  sink.start();
  // Shown although nothing was delivered: the cursor never moved.
  ASSERT_TRUE(testing::eventually([&] {
    return metrics.value("callgate_sink_lag_events", {{"sink", "down"}}) == 3;
  }));
  append("b", 1, 2);
  ASSERT_TRUE(testing::eventually(
      [&] {
        return metrics.value("callgate_sink_lag_events", {{"sink", "down"}}) == 5;
      },
      std::chrono::seconds(5)));
  EXPECT_EQ(sink.delivered_seq(), 0);
}

}  // namespace
}  // namespace callgate
