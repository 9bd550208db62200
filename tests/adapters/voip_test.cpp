#include <gtest/gtest.h>

#include <callgate/adapters/voip/voip.hpp>
#include <support/fixtures.hpp>

namespace callgate {
namespace {

using core::Direction;
using core::Phase;

const TimePoint kNow = from_unix_ms(1'700'000'000'000);

result<adapters::Parsed> parse(const std::string& body, const boost::beast::http::fields& h = {}) {
  return adapters::voip::parse({h, body, kNow}, {"pbx", false});
}

TEST(VoipAdapter, MapsAnIncomingStart) {
  auto r = parse(testing::read_file(testing::data_path("voip/notify_start_in.json")));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->observations.size(), 1u);
  const auto& o = r->observations[0];
  EXPECT_EQ(o.phase, Phase::ringing);
  EXPECT_EQ(o.direction, Direction::inbound);
  EXPECT_EQ(o.external_number, "+15550001111");
  EXPECT_EQ(o.internal_number, "+15559990000");
  ASSERT_EQ(o.users.size(), 1u);
  EXPECT_EQ(o.users[0].id, "204");
  EXPECT_TRUE(o.call_key.empty());
  EXPECT_EQ(o.match_key, "in|+15550001111|204|+15559990000|");
  EXPECT_EQ(o.event_time, kNow);
  EXPECT_EQ(*o.started_at, kNow);
  EXPECT_TRUE(o.warnings.empty());
  // Nothing in the body tells a redelivery from the same call repeated: a short window only.
  ASSERT_TRUE(o.dedup_window);
  EXPECT_EQ(o.dedup_window->count(), 60);
}

TEST(VoipAdapter, EnumNamesAreCaseInsensitive) {
  auto r = parse(R"({"event":"notifyend","direction":"OUT","disposition":"ANSWERED",
                     "srcPhone":"100","dstPhone":"+1555","dstPhoneExt":"100"})");
  ASSERT_TRUE(r);
  const auto& o = r->observations[0];
  EXPECT_EQ(o.phase, Phase::ended);
  EXPECT_EQ(o.direction, Direction::outbound);
  EXPECT_TRUE(o.answered);
  EXPECT_EQ(o.internal_number, "100");
  EXPECT_EQ(o.external_number, "+1555");
  EXPECT_EQ(o.users.at(0).id, "100");
}

TEST(VoipAdapter, UnknownEnumValuesBecomeUnknownWithAWarning) {
  auto r = parse(R"({"event":"NotifyStart","direction":"Sideways","disposition":"Maybe",
                     "srcPhone":"1","dstPhone":"2"})");
  ASSERT_TRUE(r);
  const auto& o = r->observations[0];
  EXPECT_EQ(o.direction, Direction::unknown);
  EXPECT_EQ(o.warnings.size(), 2u);
}

TEST(VoipAdapter, CallIdIsTheKeyAndTimestampTheEventTime) {
  auto r = parse(R"({"event":"NotifyAnswer","callId":"pbx-42","direction":"In",
                     "disposition":"Answered","srcPhone":"1","dstPhone":"2",
                     "timestamp":"2024-05-01T12:00:00.250Z"})");
  ASSERT_TRUE(r);
  const auto& o = r->observations[0];
  EXPECT_EQ(o.call_key, "pbx-42");
  EXPECT_TRUE(o.match_key.empty());
  EXPECT_EQ(format_iso8601(o.event_time), "2024-05-01T12:00:00.250Z");
  EXPECT_EQ(format_iso8601(*o.answered_at), "2024-05-01T12:00:00.250Z");
  EXPECT_FALSE(o.dedup_window);
}

TEST(VoipAdapter, WebhookIdIsTheRedeliveryKey) {
  boost::beast::http::fields h;
  h.set("webhook-id", "msg_1");
  auto r = parse(R"({"event":"NotifyStart","direction":"In","srcPhone":"1","dstPhone":"2"})", h);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->observations[0].dedup_key, "voip:msg_1");
  EXPECT_FALSE(r->observations[0].dedup_window);
}

TEST(VoipAdapter, InternalCallsAreOutboundFromTheCallerWithAWarning) {
  auto r = parse(
      R"({"event":"NotifyStart","direction":"Internal","disposition":"Unknown","srcPhone":"101","dstPhone":"102"})");
  ASSERT_TRUE(r);
  const auto& o = r->observations[0];
  EXPECT_EQ(o.direction, Direction::outbound);
  EXPECT_EQ(o.internal_number, "101");
  EXPECT_EQ(o.users.size(), 2u);
  EXPECT_EQ(o.warnings.size(), 1u);
}

TEST(VoipAdapter, RecordingUrlAndVoicemail) {
  auto r = parse(R"({"event":"NotifyEnd","direction":"In","disposition":"Voicemail",
                     "srcPhone":"1","dstPhone":"2","recordingUrl":"https://pbx/r.wav"})");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->observations[0].voicemail);
  EXPECT_EQ(r->observations[0].recording_url, "https://pbx/r.wav");
}

TEST(VoipAdapter, UnknownEventsAreAcceptedWithoutObservations) {
  auto r = parse(R"({"event":"NotifyHold","direction":"In","srcPhone":"1","dstPhone":"2"})");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->observations.empty());
}

TEST(VoipAdapter, RefusesBodiesWithoutAnEvent) {
  EXPECT_FALSE(parse(R"({"direction":"In"})"));
  EXPECT_FALSE(parse(R"({"event":5})"));
  EXPECT_FALSE(parse("[]"));
  EXPECT_EQ(parse("{").error(), make_error_code(errc::bad_json));
  // Deep nesting is refused before parsing.
  EXPECT_EQ(parse(std::string(100'000, '[') + std::string(100'000, ']')).error(),
            make_error_code(errc::bad_json));
}

}  // namespace
}  // namespace callgate
