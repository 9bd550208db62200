#include <gtest/gtest.h>

#include <callgate/outbox/delivery_log.hpp>
#include <callgate/outbox/delivery_queue.hpp>

namespace callgate {
namespace {

using outbox::Attempt;
using outbox::DeliveryQueue;
using store::OutboxRow;
using R = Attempt::Result;

Attempt ok() { return {R::delivered, "", std::nullopt}; }
Attempt retry(const std::string& why) { return {R::retry, why, std::nullopt}; }
Attempt dead(const std::string& why) { return {R::dead, why, std::nullopt}; }

const TimePoint t0 = from_unix_ms(1'700'000'000'000);

OutboxRow row(std::int64_t seq, const std::string& call, const std::string& sink = "") {
  OutboxRow r;
  r.seq = seq;
  r.call_id = call;
  r.idempotency_key = call + ":" + std::to_string(seq);
  r.sink = sink;
  return r;
}

std::vector<std::int64_t> seqs(const std::vector<OutboxRow>& rows) {
  std::vector<std::int64_t> out;
  for (const auto& r : rows) out.push_back(r.seq);
  return out;
}

DeliveryQueue::Policy per_call(int max_attempts = 3) {
  return {.per_call = true,
          .max_in_flight = 8,
          .max_attempts = max_attempts,
          .backoff_base = std::chrono::milliseconds(100),
          .backoff_max = std::chrono::milliseconds(1000)};
}

TEST(DeliveryQueue, OnlyTheOldestEventOfEachCallIsHandedOut) {
  DeliveryQueue q(per_call(), 0, 1);
  q.add({row(1, "a"), row(2, "b"), row(3, "a"), row(4, "c"), row(5, "b")}, "http");
  EXPECT_EQ(seqs(q.take_ready(t0)), (std::vector<std::int64_t>{1, 2, 4}));
  EXPECT_TRUE(q.take_ready(t0).empty());  // all heads in flight
  q.complete(1, ok(), t0);
  EXPECT_EQ(seqs(q.take_ready(t0)), (std::vector<std::int64_t>{3}));
  EXPECT_EQ(q.settled_seq(), 1);
}

TEST(DeliveryQueue, AFailingCallDoesNotHoldUpOthersButHoldsItsOwnLaterEvents) {
  DeliveryQueue q(per_call(), 0, 1);
  q.add({row(1, "a"), row(2, "a"), row(3, "b")}, "http");
  ASSERT_EQ(seqs(q.take_ready(t0)), (std::vector<std::int64_t>{1, 3}));
  q.complete(1, retry("503"), t0);
  q.complete(3, ok(), t0);
  // a:2 waits behind a:1, which waits for its backoff.
  EXPECT_TRUE(q.take_ready(t0).empty());
  EXPECT_EQ(q.settled_seq(), 0);
  ASSERT_TRUE(q.next_ready_at());
  EXPECT_LE(*q.next_ready_at(), t0 + std::chrono::milliseconds(100));
  EXPECT_EQ(seqs(q.take_ready(t0 + std::chrono::seconds(1))), (std::vector<std::int64_t>{1}));
  q.complete(1, ok(), t0);
  EXPECT_EQ(seqs(q.take_ready(t0 + std::chrono::seconds(1))), (std::vector<std::int64_t>{2}));
  q.complete(2, ok(), t0);
  EXPECT_EQ(q.settled_seq(), 3);
  EXPECT_EQ(q.pending(), 0u);
}

TEST(DeliveryQueue, GivesUpAfterMaxAttemptsAndLetsTheCallMoveOn) {
  DeliveryQueue q(per_call(3), 0, 1);
  q.add({row(1, "a"), row(2, "a")}, "http");
  auto now = t0;
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(seqs(q.take_ready(now)), (std::vector<std::int64_t>{1})) << i;
    q.complete(1, retry("connect: refused"), now);
    now += std::chrono::seconds(2);
  }
  const auto dead = q.take_dead_letters();
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].row.seq, 1);
  EXPECT_EQ(dead[0].attempts, 3);
  EXPECT_EQ(dead[0].reason, "gave up after 3 attempts: connect: refused");
  EXPECT_EQ(seqs(q.take_ready(now)), (std::vector<std::int64_t>{2}));
}

TEST(DeliveryQueue, APermanentRefusalIsDeadAtOnce) {
  DeliveryQueue q(per_call(), 0, 1);
  q.add({row(1, "a")}, "http");
  q.take_ready(t0);
  q.complete(1, dead("receiver answered 400"), t0);
  EXPECT_EQ(q.take_dead_letters().at(0).attempts, 1);
  EXPECT_EQ(q.settled_seq(), 1);
}

TEST(DeliveryQueue, RetryAfterReplacesTheBackoff) {
  DeliveryQueue q(per_call(), 0, 1);
  q.add({row(1, "a")}, "http");
  q.take_ready(t0);
  q.complete(1, {R::retry, "429", std::chrono::milliseconds(700)}, t0);
  EXPECT_EQ(*q.next_ready_at(), t0 + std::chrono::milliseconds(700));
  EXPECT_TRUE(q.take_ready(t0 + std::chrono::milliseconds(699)).empty());
  EXPECT_EQ(q.take_ready(t0 + std::chrono::milliseconds(700)).size(), 1u);
}

TEST(DeliveryQueue, BackoffIsExponentialWithFullJitterUnderTheCap) {
  DeliveryQueue q(per_call(), 0, 42);
  for (int failures = 1; failures <= 8; ++failures) {
    const auto ceiling = std::min<std::int64_t>(1000, 100LL << (failures - 1));
    std::int64_t largest = 0;
    for (int i = 0; i < 200; ++i) {
      const auto d = q.backoff(failures).count();
      EXPECT_GE(d, 0);
      EXPECT_LE(d, ceiling);
      largest = std::max(largest, d);
    }
    EXPECT_GT(largest, ceiling / 2);  // the whole range is used, not a fixed delay
  }
}

TEST(DeliveryQueue, ALogKeepsOneGlobalOrder) {
  DeliveryQueue q({.per_call = false,
                   .max_in_flight = 2,
                   .max_attempts = 0,
                   .backoff_base = std::chrono::milliseconds(100),
                   .backoff_max = std::chrono::milliseconds(1000)},
                  0, 1);
  q.add({row(1, "a"), row(2, "b"), row(3, "c")}, "file");
  EXPECT_EQ(seqs(q.take_ready(t0)), (std::vector<std::int64_t>{1, 2}));
  q.complete(1, retry("disk"), t0);
  q.complete(2, ok(), t0);
  EXPECT_EQ(q.settled_seq(), 0);
  for (int i = 0; i < 50; ++i) {  // max_attempts 0: never dead
    auto ready = q.take_ready(t0 + std::chrono::hours(2));
    ASSERT_EQ(seqs(ready).front(), 1);
    q.complete(1, retry("disk"), t0);
    if (ready.size() > 1) q.complete(ready[1].seq, ok(), t0);
  }
  EXPECT_TRUE(q.take_dead_letters().empty());
}

TEST(DeliveryQueue, RowsForAnotherSinkArePassedOverButCountAsSettled) {
  DeliveryQueue q(per_call(), 0, 1);
  q.add({row(1, "a", "other"), row(2, "a", "http"), row(3, "b")}, "http");
  EXPECT_EQ(seqs(q.take_ready(t0)), (std::vector<std::int64_t>{2, 3}));
  q.complete(2, ok(), t0);
  q.complete(3, ok(), t0);
  EXPECT_EQ(q.settled_seq(), 3);
  EXPECT_EQ(q.last_added_seq(), 3);
}

TEST(DeliveryQueue, StartsAfterTheSavedCursor) {
  DeliveryQueue q(per_call(), 5, 1);
  q.add({row(4, "a"), row(6, "a")}, "http");
  EXPECT_EQ(seqs(q.take_ready(t0)), (std::vector<std::int64_t>{6}));
  EXPECT_EQ(q.settled_seq(), 5);
}

TEST(DeliveryQueue, SaysWhichAttemptEachWasAndWhenARetryIsDue) {
  DeliveryQueue q(per_call(5), 0, 1);
  q.add({row(1, "a"), row(2, "b")}, "http");
  ASSERT_EQ(q.take_ready(t0).size(), 2u);
  const auto first = q.complete(1, retry("receiver answered 503"), t0);
  EXPECT_EQ(first.number, 1);
  ASSERT_TRUE(first.next_at);
  EXPECT_GE(*first.next_at, t0);
  EXPECT_LE(*first.next_at, t0 + std::chrono::milliseconds(100));
  const auto delivered = q.complete(2, ok(), t0);
  EXPECT_EQ(delivered.number, 1);
  EXPECT_FALSE(delivered.next_at);
  ASSERT_EQ(q.take_ready(*first.next_at).size(), 1u);
  EXPECT_EQ(q.complete(1, retry("timed out"), *first.next_at).number, 2);
}

TEST(DeliveryQueue, ListsWhatWaitsForARetryWithItsLastErrorUntilItSettles) {
  DeliveryQueue q(per_call(5), 0, 1);
  q.add({row(1, "a"), row(2, "b"), row(3, "c")}, "http");
  EXPECT_TRUE(q.waiting(10).empty());
  q.take_ready(t0);
  q.complete(1, retry("receiver answered 503"), t0);
  q.complete(2, ok(), t0);
  q.complete(3, retry("connect: refused"), t0);
  const auto waiting = q.waiting(10);
  ASSERT_EQ(waiting.size(), 2u);
  EXPECT_EQ(waiting[0].seq, 1);
  EXPECT_EQ(waiting[0].call_id, "a");
  EXPECT_EQ(waiting[0].attempts, 1);
  EXPECT_EQ(waiting[0].last_error, "receiver answered 503");
  EXPECT_EQ(waiting[1].last_error, "connect: refused");
  EXPECT_EQ(q.waiting(1).size(), 1u);
  q.retry_now(t0 + std::chrono::seconds(1));
  q.take_ready(t0 + std::chrono::seconds(1));
  q.complete(1, ok(), t0 + std::chrono::seconds(1));
  q.complete(3, dead("receiver answered 400"), t0 + std::chrono::seconds(1));
  EXPECT_TRUE(q.waiting(10).empty());
}

TEST(DeliveryQueue, RetryNowMakesEveryWaitingRetryDueAtOnce) {
  auto policy = per_call(5);
  policy.backoff_base = std::chrono::hours(1);
  policy.backoff_max = std::chrono::hours(1);
  DeliveryQueue q(policy, 0, 7);
  q.add({row(1, "a"), row(2, "b")}, "http");
  q.take_ready(t0);
  q.complete(1, {R::retry, "429", std::chrono::minutes(30)}, t0);
  q.complete(2, retry("503"), t0);
  const auto later = t0 + std::chrono::seconds(5);
  // Backoffs of up to an hour (and a Retry-After of 30 minutes): nothing due after 5 s, unless
  // the jitter drew almost nothing; after retry_now, both are.
  const auto due_before = q.take_ready(later).size();
  EXPECT_EQ(q.retry_now(later), 2u - due_before);
  EXPECT_EQ(q.take_ready(later).size(), 2u - due_before);
  EXPECT_EQ(q.retry_now(later), 0u);  // in flight now: nothing to hurry
}

TEST(DeliveryLog, KnowsSinceWhenASinkFailsAndForgetsItOnTheNextDelivery) {
  outbox::DeliveryLog log;
  const auto at = [](int s) { return t0 + std::chrono::seconds(s); };
  auto record = [](TimePoint when, Attempt a) {
    outbox::AttemptRecord r;
    r.at = when;
    r.attempt = std::move(a);
    return r;
  };
  log.add({record(at(0), ok())});
  log.add({record(at(1), retry("503")), record(at(2), retry("503"))});
  auto s = log.snapshot();
  EXPECT_EQ(s.last_delivered, at(0));
  EXPECT_EQ(s.failing_since, at(1));
  ASSERT_EQ(s.attempts.size(), 3u);
  EXPECT_EQ(s.attempts.front().at, at(2));  // newest first
  EXPECT_EQ(s.failures.size(), 2u);
  log.add({record(at(3), ok())});
  s = log.snapshot();
  EXPECT_FALSE(s.failing_since);
  EXPECT_EQ(s.last_delivered, at(3));
  EXPECT_EQ(s.failures.size(), 2u);  // the failures stay listed
}

TEST(DeliveryLog, KeepsTheNewestAttemptsAndTheNewestFailuresApart) {
  outbox::DeliveryLog log;
  std::vector<outbox::AttemptRecord> many;
  for (int i = 0; i < 5; ++i) {
    outbox::AttemptRecord r;
    r.seq = i;
    r.attempt = retry("503");
    many.push_back(r);
  }
  for (int i = 5; i < 205; ++i) {
    outbox::AttemptRecord r;
    r.seq = i;
    r.attempt = ok();
    many.push_back(r);
  }
  log.add(many);
  const auto s = log.snapshot();
  ASSERT_EQ(s.attempts.size(), outbox::DeliveryLog::kAttempts);
  EXPECT_EQ(s.attempts.front().seq, 204);
  ASSERT_EQ(s.failures.size(), 5u);  // not pushed out by the deliveries after them
  EXPECT_EQ(s.failures.front().seq, 4);
}

}  // namespace
}  // namespace callgate
