#include <gtest/gtest.h>

#include <callgate/adapters/webex/webex.hpp>
#include <support/fixtures.hpp>

namespace callgate {
namespace {

using core::Direction;
using core::Phase;

const TimePoint kNow = from_unix_ms(1'755'197'600'000);
const adapters::SourceSettings kSettings{"webex", false};
const boost::beast::http::fields kNoHeaders;

result<adapters::Parsed> parse(const std::string& body,
                               const adapters::SourceSettings& s = kSettings) {
  return adapters::webex::parse({kNoHeaders, body, kNow}, s);
}

errc code(const result<adapters::Parsed>& r) {
  return r ? errc::ok : static_cast<errc>(r.error().value());
}

TEST(WebexAdapter, MapsTheSeedsWrappedEventsFieldByField) {
  const auto bodies = testing::webex_seed_bodies();
  ASSERT_EQ(bodies.size(), 3u);  // the capture's missing comma is tolerated

  auto updated = parse(bodies[0]);
  ASSERT_TRUE(updated);
  ASSERT_EQ(updated->observations.size(), 1u);
  const auto& o = updated->observations[0];
  EXPECT_EQ(o.source, "webex");
  EXPECT_EQ(o.call_key, "Y2lzY29zcGFyazovL3VzL0NBTEwvY2FsbGhhbGYtOTgyNzEzMjM3MDow");
  EXPECT_EQ(o.event_type, "updated");
  EXPECT_EQ(format_iso8601(o.event_time), "2025-08-14T18:52:41.730Z");
  EXPECT_EQ(o.phase, Phase::ringing);          // state alerting
  EXPECT_EQ(o.direction, Direction::inbound);  // personality terminator
  EXPECT_EQ(format_iso8601(*o.started_at), "2025-08-14T18:52:41.728Z");
  EXPECT_FALSE(o.answered_at);
  EXPECT_FALSE(o.answered);
  EXPECT_EQ(o.external_number, "+19059227700");
  EXPECT_EQ(o.internal_number, "+12895133479");  // the call queue it came through
  ASSERT_EQ(o.users.size(), 1u);
  EXPECT_EQ(o.users[0].id,
            "Y2lzY29zcGFyazovL3VzL1BFT1BMRS84OWYwOGUyYi02MDM4LTQ3MmMtYjcyYy0zNjQyNjIwMThjNjE");
  EXPECT_TRUE(o.warnings.empty());
  EXPECT_TRUE(o.raw.is_null());
  EXPECT_EQ(o.dedup_key,
            "webex:Y2lzY29zcGFyazovL3VzL0NBTEwvY2FsbGhhbGYtOTgyNzEzMjM3MDow|updated|"
            "2025-08-14T18:52:41.730Z");

  auto received = parse(bodies[1]);
  ASSERT_TRUE(received);
  EXPECT_EQ(received->observations[0].event_type, "received");
  EXPECT_EQ(received->observations[0].phase, Phase::ringing);
  EXPECT_NE(received->observations[0].dedup_key, o.dedup_key);

  auto disconnected = parse(bodies[2]);
  ASSERT_TRUE(disconnected);
  const auto& d = disconnected->observations[0];
  EXPECT_EQ(d.phase, Phase::ended);
  EXPECT_EQ(format_iso8601(*d.ended_at), "2025-08-14T18:52:43.357Z");
  EXPECT_TRUE(d.internal_number.empty());  // no redirections in this event
  EXPECT_FALSE(d.answered);                // completedElsewhere: not this person
}

TEST(WebexAdapter, AcceptsThePlainEnvelopeWebexItselfPosts) {
  const auto wrapped = nlohmann::json::parse(testing::webex_seed_bodies()[2]);
  const auto plain = wrapped["items"].dump();
  auto r = parse(plain);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->observations.size(), 1u);
  EXPECT_EQ(r->observations[0].phase, Phase::ended);
}

TEST(WebexAdapter, AcceptsAWrapperWithAListOfEnvelopes) {
  const auto bodies = testing::webex_seed_bodies();
  nlohmann::json wrapper = {{"Payload", "telephony"}, {"items", nlohmann::json::array()}};
  for (const auto& b : bodies) wrapper["items"].push_back(nlohmann::json::parse(b)["items"]);
  auto r = parse(wrapper.dump());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->observations.size(), 3u);
}

TEST(WebexAdapter, IncludeRawKeepsTheEnvelope) {
  auto r = parse(testing::webex_seed_bodies()[0], {"webex", true});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->observations[0].raw["resource"], "telephony_calls");
}

TEST(WebexAdapter, OtherResourcesAreAcceptedButChangeNoCall) {
  auto r = parse(R"({"resource":"messages","event":"created","data":{"id":"m1"}})");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->observations.empty());
}

TEST(WebexAdapter, RefusesWhatIsNotAWebexCallEvent) {
  EXPECT_EQ(code(parse("{not json")), errc::bad_json);
  EXPECT_EQ(code(parse("[1,2]")), errc::not_an_event);
  EXPECT_EQ(code(parse(R"({"hello":"world"})")), errc::not_an_event);
  EXPECT_EQ(code(parse(R"({"resource":"telephony_calls","data":{"state":"alerting"}})")),
            errc::not_an_event);  // no callId
  EXPECT_EQ(code(parse(R"({"resource":"telephony_calls","data":{"callId":7}})")),
            errc::not_an_event);
}

TEST(WebexAdapter, MissingOptionalFieldsBecomeWarnings) {
  auto r = parse(
      R"({"resource":"telephony_calls","event":"updated","data":{"callId":"c1","state":"connected"}})");
  ASSERT_TRUE(r);
  const auto& o = r->observations[0];
  EXPECT_EQ(o.phase, Phase::answered);
  EXPECT_TRUE(o.answered);
  EXPECT_EQ(o.event_time, kNow);  // no eventTimestamp: receive time
  EXPECT_EQ(o.direction, Direction::unknown);
  EXPECT_EQ(o.warnings.size(), 2u);
  EXPECT_TRUE(o.dedup_key.empty());  // the body digest will be used
}

TEST(WebexAdapter, OriginatorIsOutboundAndAnswerTimeIsRead) {
  auto r = parse(R"({"resource":"telephony_calls","event":"updated","actorId":"p1","data":{
      "callId":"c2","eventType":"connected","eventTimestamp":"2025-01-01T10:00:05.000Z",
      "personality":"originator","state":"connected","created":"2025-01-01T10:00:00.000Z",
      "answered":"2025-01-01T10:00:04.500Z",
      "remoteParty":{"number":"+15551234","callType":"external"}}})");
  ASSERT_TRUE(r);
  const auto& o = r->observations[0];
  EXPECT_EQ(o.direction, Direction::outbound);
  EXPECT_EQ(format_iso8601(*o.answered_at), "2025-01-01T10:00:04.500Z");
  EXPECT_EQ(o.external_number, "+15551234");
  EXPECT_TRUE(o.internal_number.empty());
}

TEST(WebexAdapter, AnInternalRemotePartyIsAUserNotAnExternalNumber) {
  auto r = parse(R"({"resource":"telephony_calls","event":"updated","data":{
      "callId":"c3","eventTimestamp":"2025-01-01T10:00:05.000Z","personality":"terminator",
      "state":"alerting","remoteParty":{"number":"2001","personId":"p-colleague",
      "callType":"location"}}})");
  ASSERT_TRUE(r);
  const auto& o = r->observations[0];
  EXPECT_TRUE(o.external_number.empty());
  ASSERT_EQ(o.users.size(), 1u);
  EXPECT_EQ(o.users[0].id, "p-colleague");
}

}  // namespace
}  // namespace callgate
