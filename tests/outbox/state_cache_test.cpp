// The committer's cache of committed call states: bounded by calls and by transcript text.
#include <gtest/gtest.h>

#include <callgate/outbox/state_cache.hpp>

namespace callgate::outbox {
namespace {

core::CallState with_text(const std::string& id, std::size_t bytes) {
  core::CallState s;
  s.id = id;
  if (bytes > 0) {
    s.transcript.emplace();
    s.transcript->text_bytes = bytes;
  }
  return s;
}

TEST(StateCache, HoldsNoMoreTranscriptTextThanItsBudgetDroppingTheLeastRecentlyUsed) {
  StateCache cache(100, 1000);
  for (int i = 0; i < 5; ++i) cache.put(with_text("c" + std::to_string(i), 300));
  EXPECT_EQ(cache.size(), 3u) << "900 bytes fit, 1200 do not";
  EXPECT_EQ(cache.transcript_bytes(), 900u);
  EXPECT_EQ(cache.find("c1"), nullptr);
  ASSERT_NE(cache.find("c2"), nullptr);  // now the most recently used

  cache.put(with_text("c3", 0));  // replaced: its text no longer counts
  EXPECT_EQ(cache.transcript_bytes(), 600u);
  cache.put(with_text("big", 5000));  // more than the whole budget: it alone stays
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.transcript_bytes(), 5000u);
  EXPECT_NE(cache.find("big"), nullptr);
  cache.clear();
  EXPECT_EQ(cache.transcript_bytes(), 0u);
}

TEST(StateCache, HoldsNoMoreCallsThanItsCapacity) {
  StateCache cache(2);
  for (const char* id : {"a", "b", "c"}) cache.put(with_text(id, 0));
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.find("a"), nullptr);
  EXPECT_NE(cache.find("c"), nullptr);
}

}  // namespace
}  // namespace callgate::outbox
