// Transcripts in definitions (`means: transcript`): the bundled Twilio, Zoom Phone and Dialpad
// mappings on their documented callback shapes, and the format's keys one at a time.
#include <gtest/gtest.h>

#include <support/definition_signing.hpp>
#include <support/definitions.hpp>
#include <support/fixtures.hpp>

namespace callgate {
namespace {

using boost::beast::http::fields;
using core::SpeakerOrigin;
using testing::bundled_source;
using testing::code;
using testing::config_error_of;
using testing::defined_source;

const TimePoint kNow = from_unix_ms(1'772'445'600'000);  // 2026-03-02T10:00:00Z
const fields kNoHeaders;

std::unique_ptr<adapters::Source> twilio() {
  return bundled_source("twilio", "auth_token: t\npublic_url: https://hooks.example.com/tw\n");
}

adapters::Parsed parsed(const adapters::Source& s, const std::string& body) {
  auto r = s.parse({kNoHeaders, body, kNow});
  EXPECT_EQ(code(r), errc::ok);
  return r ? *r : adapters::Parsed{};
}

// A real-time <Transcription> statusCallback, as Twilio's docs list its parameters.
testing::FormParams twilio_content(const std::string& seq, const std::string& track,
                                   const std::string& text, bool final) {
  return {{"AccountSid", "AC0123"},
          {"CallSid", "CA42"},
          {"TranscriptionSid", "GT0123"},
          {"Timestamp", "2026-03-02T10:00:07.250000Z"},
          {"SequenceId", seq},
          {"TranscriptionEvent", "transcription-content"},
          {"LanguageCode", "en-US"},
          {"Track", track},
          {"TranscriptionData", R"({"transcript":")" + text + R"(","confidence":0.93})"},
          {"Final", final ? "true" : "false"}};
}

TEST(TwilioTranscripts, RealTimeContentIsOneUtteranceOfItsTrack) {
  auto s = twilio();
  auto p =
      parsed(*s, testing::form_body(twilio_content("3", "inbound_track", "I need help", true)));
  EXPECT_EQ(p.event_type, "twilio.transcription-content");
  ASSERT_EQ(p.observations.size(), 1u);
  const auto& o = p.observations[0];
  EXPECT_EQ(o.call_key, "CA42");
  ASSERT_TRUE(o.transcript);
  ASSERT_EQ(o.transcript->utterances.size(), 1u);
  const auto& u = o.transcript->utterances[0];
  EXPECT_EQ(u.text, "I need help") << "read inside the TranscriptionData JSON text";
  EXPECT_TRUE(u.final);
  EXPECT_EQ(u.sequence, 3);
  EXPECT_EQ(u.id, "3");
  EXPECT_EQ(u.track, "inbound_track");
  EXPECT_EQ(u.origin, SpeakerOrigin::external);
  ASSERT_TRUE(u.at);
  EXPECT_EQ(format_iso8601(*u.at), "2026-03-02T10:00:07.250Z");
  EXPECT_EQ(format_iso8601(o.event_time), "2026-03-02T10:00:07.250Z");

  auto interim =
      parsed(*s, testing::form_body(twilio_content("4", "outbound_track", "How can", false)));
  const auto& v = interim.observations.at(0).transcript->utterances.at(0);
  EXPECT_FALSE(v.final);
  EXPECT_EQ(v.origin, SpeakerOrigin::internal);
}

TEST(TwilioTranscripts, StoppedCompletesStartedIsIgnoredAndARecordingsTextIsWhole) {
  auto s = twilio();
  auto stopped = parsed(*s, testing::form_body({{"CallSid", "CA42"},
                                                {"TranscriptionEvent", "transcription-stopped"},
                                                {"Timestamp", "2026-03-02T10:01:00.000000Z"}}));
  ASSERT_EQ(stopped.observations.size(), 1u);
  EXPECT_TRUE(stopped.observations[0].transcript->complete);
  EXPECT_TRUE(stopped.observations[0].transcript->utterances.empty());

  auto started = parsed(*s, testing::form_body({{"CallSid", "CA42"},
                                                {"TranscriptionEvent", "transcription-started"}}));
  EXPECT_TRUE(started.observations.empty());

  // <Record transcribe="true">: the standard parameters (CallStatus too) and the text.
  auto recording = parsed(*s, testing::form_body({{"CallSid", "CA42"},
                                                  {"CallStatus", "completed"},
                                                  {"RecordingSid", "RE1"},
                                                  {"TranscriptionSid", "TR1"},
                                                  {"TranscriptionStatus", "completed"},
                                                  {"TranscriptionText", "Call me back please"}}));
  EXPECT_EQ(recording.event_type, "twilio.transcription.completed") << "not a call status";
  const auto& t = *recording.observations.at(0).transcript;
  EXPECT_TRUE(t.complete);
  EXPECT_EQ(t.utterances.at(0).text, "Call me back please");
  EXPECT_EQ(t.utterances.at(0).track, "recording");
  EXPECT_EQ(t.utterances.at(0).id, "TR1");
}

TEST(ZoomTranscripts, AVoicemailsTextIsTheCallersOnTheInboundSide) {
  auto s = bundled_source("zoom_phone", "secret_token: z\n");
  // The shape of Zoom's PhoneVoicemailTranscriptCompletedEvent.
  const nlohmann::json body = {
      {"event", "phone.voicemail_transcript_completed"},
      {"event_ts", 1772445660000},
      {"payload",
       {{"account_id", "acc"},
        {"object",
         {{"id", "vm-1"},
          {"call_id", "7014"},
          {"caller_name", "Ada Caller"},
          {"caller_number", "+14155550100"},
          {"caller_number_type", 2},
          {"callee_name", "Bob Agent"},
          {"callee_number", "1001"},
          {"callee_number_type", 1},
          {"date_time", "2026-03-02T10:00:30Z"},
          {"transcription", {{"content", "Hi, please call me back."}, {"status", 1}}}}}}}};
  auto p = parsed(*s, body.dump());
  ASSERT_EQ(p.observations.size(), 1u);
  EXPECT_EQ(p.observations[0].call_key, "7014:inbound") << "the callee's side, as its call events";
  const auto& t = *p.observations[0].transcript;
  EXPECT_TRUE(t.complete);
  EXPECT_EQ(t.utterances.at(0).text, "Hi, please call me back.");
  EXPECT_EQ(t.utterances.at(0).speaker_name, "Ada Caller");
  EXPECT_EQ(t.utterances.at(0).origin, SpeakerOrigin::external);
}

TEST(DialpadTranscripts, TheTranscriptionStateCarriesTheCallsText) {
  auto s = bundled_source("dialpad", "secret: dp-secret\n");
  nlohmann::json claims = {{"call_id", 501},
                           {"state", "transcription"},
                           {"event_timestamp", 1772445700000},
                           {"transcription_text", "Agent: hello. Caller: hi."}};
  auto p = parsed(*s, testing::hs256_jwt("dp-secret", claims.dump()));
  ASSERT_EQ(p.observations.size(), 1u);
  EXPECT_EQ(p.observations[0].call_key, "501");
  EXPECT_EQ(p.observations[0].transcript->utterances.at(0).text, "Agent: hello. Caller: hi.");
  claims.erase("transcription_text");
  auto none = parsed(*s, testing::hs256_jwt("dp-secret", claims.dump()));
  EXPECT_TRUE(none.observations.at(0).transcript->utterances.empty()) << "no text, nothing said";
}

// --- The format ---

const std::string kItems = R"(name: acme
keys: {secret: {type: secrets, required: false}}
signature: {scheme: none}
mapping:
  event_type: type
  call_key: call
  events:
    words:
      means: transcript
      items: {path: segments, as: s}
      transcript:
        text: s.text
        track: s.channel
        origin: {field: s.channel, map: {agent: internal, customer: external}}
        start: s.from_ms
        end: s.to_ms
        offsets: milliseconds
        complete_if: {field: last, equals: "true"}
)";

TEST(FormatTranscript, ItemsGiveOneObservationWithEveryUtteranceInMilliseconds) {
  auto s = defined_source(kItems, "", true);
  const nlohmann::json body = {
      {"type", "words"},
      {"call", "c-1"},
      {"last", "true"},
      {"segments",
       {{{"text", "hello"}, {"channel", "agent"}, {"from_ms", 1500}, {"to_ms", 2250}},
        {{"text", "hi"}, {"channel", "customer"}, {"from_ms", 2500}, {"to_ms", 3000}}}}};
  auto p = parsed(*s, body.dump());
  ASSERT_EQ(p.observations.size(), 1u) << "one call's utterances move its transcript once";
  const auto& t = *p.observations[0].transcript;
  EXPECT_TRUE(t.complete);
  ASSERT_EQ(t.utterances.size(), 2u);
  EXPECT_EQ(t.utterances[0].start, 1.5);
  EXPECT_EQ(t.utterances[0].end, 2.25);
  EXPECT_EQ(t.utterances[0].origin, SpeakerOrigin::internal);
  EXPECT_EQ(t.utterances[1].origin, SpeakerOrigin::external);
  EXPECT_FALSE(t.utterances[1].at);
}

TEST(FormatTranscript, AnUnreadableUtteranceTimeIsAWarningOfTheTranscript) {
  auto s = twilio();
  auto params = twilio_content("5", "inbound_track", "hello", true);
  for (auto& [k, v] : params)
    if (k == "Timestamp") v = "yesterday at noon";
  auto p = parsed(*s, testing::form_body(params));
  const auto& t = *p.observations.at(0).transcript;
  EXPECT_FALSE(t.utterances.at(0).at);
  ASSERT_EQ(t.warnings.size(), 1u);
  EXPECT_EQ(t.warnings[0], "twilio: unreadable utterance time 'yesterday at noon'");
}

TEST(FormatTranscript, MistakesAreNamed) {
  auto load = [](const std::string& events) {
    return config_error_of([&] {
      adapters::defined::load_definition(
          "name: acme\nsignature: {scheme: none}\nmapping:\n  event_type: type\n  call_key: "
          "call\n  events:\n" +
              events,
          "acme.yaml");
    });
  };
  EXPECT_NE(load("    words: transcript\n").find("transcript: {text: ..}"), std::string::npos);
  EXPECT_NE(load("    words: {means: transcript}\n").find("is required by means: transcript"),
            std::string::npos);
  EXPECT_NE(load("    words: {means: update, transcript: {text: t}}\n")
                .find("is read only by means: transcript"),
            std::string::npos);
  EXPECT_NE(load("    words: {means: transcript, transcript: {text: t, origin: {field: c, map: "
                 "{a: agent}}}}\n")
                .find("use internal, external or unknown"),
            std::string::npos);
  EXPECT_EQ(load("    words: {means: transcript, transcript: {complete: true}}\n"), "(no error)");
}

}  // namespace
}  // namespace callgate
