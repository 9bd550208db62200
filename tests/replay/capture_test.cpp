#include <gtest/gtest.h>

#include <callgate/replay/capture.hpp>
#include <nlohmann/json.hpp>
#include <support/fixtures.hpp>

namespace callgate {
namespace {

TEST(Capture, ReadsTheWebexSeedDespiteItsMissingComma) {
  const auto items = testing::read_capture_fixture("webex/telephony_calls_capture.json");
  ASSERT_EQ(items.size(), 3u);
  for (const auto& item : items) {
    EXPECT_EQ(item.method, "POST");
    EXPECT_EQ(item.url, "/webhook");
    EXPECT_EQ(nlohmann::json::parse(item.body)["Payload"], "telephony");
  }
  EXPECT_EQ(nlohmann::json::parse(items[1].body)["items"]["event"], "created");
}

TEST(Capture, ReadsArraysConcatenatedValuesAndBareBodies) {
  auto a = replay::read_capture(R"([{"body":"{\"x\":1}","url":"/a"},{"event":"NotifyStart"}])");
  ASSERT_TRUE(a);
  ASSERT_EQ(a->size(), 2u);
  EXPECT_EQ((*a)[0].body, R"({"x":1})");  // a string body is taken byte for byte
  EXPECT_EQ((*a)[1].body, R"({"event":"NotifyStart"})");
  auto b = replay::read_capture("{\"a\":1}\n{\"b\":2}\n");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->size(), 2u);
  EXPECT_FALSE(replay::read_capture("[{\"a\":1} {oops"));
}

}  // namespace
}  // namespace callgate
