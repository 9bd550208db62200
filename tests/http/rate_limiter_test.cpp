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
  EXPECT_EQ(wait.count(), 501);  // half a second for the next token
  EXPECT_FALSE(bucket.take(t0 + std::chrono::milliseconds(400), wait));
  EXPECT_TRUE(bucket.take(t0 + std::chrono::milliseconds(500), wait));
  // A long pause refills only up to the burst.
  const auto later = t0 + std::chrono::hours(1);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(bucket.take(later, wait)) << i;
  EXPECT_FALSE(bucket.take(later, wait));
}

}  // namespace
}  // namespace callgate
