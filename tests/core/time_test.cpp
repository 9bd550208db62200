#include <gtest/gtest.h>

#include <callgate/time.hpp>

namespace callgate {
namespace {

TEST(Time, ParsesTheProvidersFormats) {
  EXPECT_EQ(format_iso8601(*parse_iso8601("2025-08-14T18:52:41.730Z")), "2025-08-14T18:52:41.730Z");
  // Telnyx sends microseconds: truncated to milliseconds.
  EXPECT_EQ(format_iso8601(*parse_iso8601("2018-02-02T22:25:27.521992Z")),
            "2018-02-02T22:25:27.521Z");
  EXPECT_EQ(format_iso8601(*parse_iso8601("2018-02-02T22:25:27Z")), "2018-02-02T22:25:27.000Z");
  EXPECT_EQ(format_iso8601(*parse_iso8601("2018-02-02T23:25:27.5+01:00")),
            "2018-02-02T22:25:27.500Z");
  EXPECT_EQ(to_unix_ms(*parse_iso8601("1970-01-01T00:00:01.000Z")), 1000);
}

TEST(Time, RejectsWhatIsNotATime) {
  for (const char* bad :
       {"", "2025-08-14", "2025-13-14T18:52:41Z", "2025-02-30T18:52:41Z", "2025-08-14T18:52:41",
        "2025-08-14T18:52:41.Z", "2025-08-14T18:52:41Zjunk", "yesterday at noon"})
    EXPECT_FALSE(parse_iso8601(bad)) << bad;
}

TEST(Time, ParsesUnixSeconds) {
  EXPECT_EQ(to_unix_ms(*parse_unix_seconds("1614265330")), 1614265330000);
  EXPECT_FALSE(parse_unix_seconds("16142a"));
  EXPECT_FALSE(parse_unix_seconds("-5"));
  EXPECT_FALSE(parse_unix_seconds(""));
  EXPECT_FALSE(parse_unix_seconds("99999999999999999999"));
}

}  // namespace
}  // namespace callgate
