#include <gtest/gtest.h>

#include <callgate/log_limit.hpp>

namespace callgate {
namespace {

using namespace std::chrono_literals;

TEST(LogLimiter, LetsABurstThroughPerWindowThenCountsWhatItHeldBack) {
  LogLimiter limiter(10s, 3);
  const auto t0 = LogLimiter::Clock::time_point{} + 1h;
  std::uint64_t held = 0;
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(limiter.allow("refused webex 401", t0, held)) << i;
    EXPECT_EQ(held, 0u);
  }
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(limiter.allow("refused webex 401", t0 + 1s, held));
  // Another kind of line has its own budget.
  EXPECT_TRUE(limiter.allow("sink crm failed", t0 + 1s, held));
  // The next window's first line carries the count of what was held back.
  EXPECT_TRUE(limiter.allow("refused webex 401", t0 + 10s, held));
  EXPECT_EQ(held, 100u);
  EXPECT_EQ(limiter.held_note(held), ", and 100 more in the last 10 s");
  EXPECT_TRUE(limiter.allow("refused webex 401", t0 + 10s, held));
  EXPECT_EQ(held, 0u);
  EXPECT_EQ(limiter.held_note(0), "");
}

}  // namespace
}  // namespace callgate
