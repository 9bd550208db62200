#include <gtest/gtest.h>

#include <callgate/http/rate_limiter.hpp>

namespace callgate {
namespace {

TEST(TokenBucket, AllowsTheBurstThenRefillsAtTheRate) {
  http::TokenBucket bucket(2.0, 3.0);  // 2 per second, 3 at once
  const auto t0 = from_unix_ms(1'000'000);
  std::chrono::milliseconds wait{};
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(bucket.take(t0, wait)) << i;
  EXPECT_FALSE(bucket.take(t0, wait));
  EXPECT_EQ(wait.count(), 500);  // half a second for the next token
  EXPECT_FALSE(bucket.take(t0 + std::chrono::milliseconds(400), wait));
  EXPECT_TRUE(bucket.take(t0 + std::chrono::milliseconds(500), wait));
  // A long pause refills only up to the burst.
  const auto later = t0 + std::chrono::hours(1);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(bucket.take(later, wait)) << i;
  EXPECT_FALSE(bucket.take(later, wait));
}

// Retry-After is whole seconds rounded up: an empty bucket at 1/s must say 1, not 2.
TEST(TokenBucket, AnEmptyBucketAtOnePerSecondWaitsExactlyOneSecond) {
  http::TokenBucket bucket(1.0, 1.0);
  const auto t0 = from_unix_ms(1'000'000);
  std::chrono::milliseconds wait{};
  EXPECT_TRUE(bucket.take(t0, wait));
  EXPECT_FALSE(bucket.take(t0, wait));
  EXPECT_EQ(wait.count(), 1000);
  EXPECT_EQ(std::chrono::ceil<std::chrono::seconds>(wait).count(), 1);
}

}  // namespace
}  // namespace callgate
