#include <gtest/gtest.h>

#include <callgate/adapters/telnyx/telnyx.hpp>
#include <support/fixtures.hpp>

namespace callgate {
namespace {

using core::Direction;
using core::Phase;

const TimePoint kNow = from_unix_ms(1'517'610'000'000);
const boost::beast::http::fields kNoHeaders;

result<adapters::Parsed> parse(const std::string& body) {
  return adapters::telnyx::parse({kNoHeaders, body, kNow}, {"telnyx", false});
}

std::string fixture(const char* name) {
  return testing::read_file(testing::data_path(std::string("telnyx/") + name));
}

errc code(const result<adapters::Parsed>& r) {
  return r ? errc::ok : static_cast<errc>(r.error().value());
}

TEST(TelnyxAdapter, MapsTheSeedsBareInitiatedEvent) {
  auto r = parse(fixture("call_initiated.json"));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->observations.size(), 1u);
  const auto& o = r->observations[0];
  EXPECT_EQ(o.call_key, "428c31b6-7af4-4bcb-b7f5-5013ef9657c1");
  EXPECT_EQ(o.dedup_key, "telnyx:0ccc7b54-4df3-4bca-a65a-3da1ecc777f0");
  EXPECT_EQ(format_iso8601(o.event_time), "2018-02-02T22:25:27.521Z");
  EXPECT_EQ(o.phase, Phase::ringing);
  EXPECT_EQ(o.direction, Direction::inbound);
  EXPECT_EQ(o.external_number, "+35319605860");
  EXPECT_EQ(format_iso8601(*o.started_at), "2018-02-02T22:25:27.521Z");
}

TEST(TelnyxAdapter, ReadsTheDeliveryEnvelope) {
  auto answered = parse(fixture("call_answered.json"));
  ASSERT_TRUE(answered);
  EXPECT_EQ(answered->observations[0].phase, Phase::answered);
  EXPECT_EQ(format_iso8601(*answered->observations[0].answered_at), "2018-02-02T22:25:31.100Z");
  EXPECT_EQ(answered->observations[0].internal_number, "+13129457420");

  auto hangup = parse(fixture("call_hangup.json"));
  ASSERT_TRUE(hangup);
  EXPECT_EQ(hangup->observations[0].phase, Phase::ended);
  EXPECT_EQ(format_iso8601(*hangup->observations[0].ended_at), "2018-02-02T22:26:42.800Z");
}

TEST(TelnyxAdapter, HangupWithoutEndTimeUsesOccurredAt) {
  auto j = nlohmann::json::parse(fixture("call_hangup.json"));
  j["data"]["payload"].erase("end_time");
  j["data"]["occurred_at"] = "2018-02-02T22:26:50.000Z";
  auto r = parse(j.dump());
  ASSERT_TRUE(r);
  EXPECT_EQ(format_iso8601(*r->observations[0].ended_at), "2018-02-02T22:26:50.000Z");
}

TEST(TelnyxAdapter, RecordingSavedCarriesTheUrl) {
  auto r = parse(fixture("call_recording_saved.json"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->observations[0].phase, Phase::other);
  EXPECT_EQ(r->observations[0].recording_url,
            "https://storage.example.com/recordings/428c31b6.mp3");
}

TEST(TelnyxAdapter, OutgoingCallsSwapTheNumbers) {
  auto j = nlohmann::json::parse(fixture("call_answered.json"));
  j["data"]["payload"]["direction"] = "outgoing";
  auto r = parse(j.dump());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->observations[0].direction, Direction::outbound);
  EXPECT_EQ(r->observations[0].external_number, "+13129457420");
  EXPECT_EQ(r->observations[0].internal_number, "+35319605860");
}

TEST(TelnyxAdapter, EventsThatDoNotChangeACallAreAcceptedWithoutObservations) {
  auto r = parse(fixture("call_dtmf_received.json"));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->observations.empty());
  EXPECT_EQ(r->event_type, "call.dtmf.received");
}

TEST(TelnyxAdapter, RefusesWhatIsNotATelnyxEvent) {
  EXPECT_EQ(code(parse("")), errc::bad_json);
  EXPECT_EQ(code(parse(R"({"data":{"event_type":"call.answered"}})")), errc::not_an_event);
  EXPECT_EQ(code(parse(R"({"event_type":"call.answered","payload":{}})")), errc::not_an_event);
  EXPECT_EQ(code(parse(R"({"x":1})")), errc::not_an_event);
}

TEST(TelnyxAdapter, ALiveTranscriptionIsOneUtteranceOfItsCallTimedByTheClock) {
  auto r = parse(fixture("call_transcription.json"));  // the documented payload
  ASSERT_TRUE(r);
  ASSERT_EQ(r->observations.size(), 1u);
  const auto& o = r->observations[0];
  EXPECT_EQ(o.call_key, "5ca81340-5beb-11eb-ae45-02420a0f8b69");
  EXPECT_EQ(o.phase, Phase::other) << "it says nothing else about the call";
  ASSERT_TRUE(o.transcript);
  ASSERT_EQ(o.transcript->utterances.size(), 1u);
  const auto& u = o.transcript->utterances[0];
  EXPECT_EQ(u.text, "hello this is a test speech");
  EXPECT_TRUE(u.final);
  EXPECT_EQ(u.id, "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0") << "the event id dedupes it";
  EXPECT_EQ(format_iso8601(*u.at), "2018-02-02T22:25:27.521Z");
  EXPECT_FALSE(o.transcript->complete);

  auto j = nlohmann::json::parse(fixture("call_transcription.json"));
  j["data"]["payload"]["transcription_data"]["is_final"] = false;
  j["data"]["payload"]["transcription_data"]["transcription_track"] = "outbound";
  auto interim = parse(j.dump());
  ASSERT_TRUE(interim);
  EXPECT_FALSE(interim->observations[0].transcript->utterances[0].final);
  EXPECT_EQ(interim->observations[0].transcript->utterances[0].origin,
            core::SpeakerOrigin::internal);

  j["data"]["payload"]["transcription_data"]["is_final"] = "no";  // not a boolean: no throw
  auto odd = parse(j.dump());
  ASSERT_TRUE(odd);
  EXPECT_TRUE(odd->observations[0].transcript->utterances[0].final);
}

TEST(TelnyxAdapter, ARecordingsTranscriptionIsItsWholeTextAndComplete) {
  auto r = parse(fixture("call_recording_transcription_saved.json"));
  ASSERT_TRUE(r);
  const auto& o = r->observations.at(0);
  EXPECT_EQ(o.call_key, "428c31b6-7af4-4bcb-b7f5-5013ef9657c1");
  ASSERT_TRUE(o.transcript);
  EXPECT_TRUE(o.transcript->complete);
  EXPECT_EQ(o.transcript->utterances.at(0).text, "Hi! This is a voicemail about my order.");
  EXPECT_EQ(o.transcript->utterances.at(0).track, "recording");
  EXPECT_FALSE(o.transcript->utterances.at(0).at) << "from the recording's start: offset 0";
}

}  // namespace
}  // namespace callgate
