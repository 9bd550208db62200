// The transcript rules: utterances of two tracks, shuffled, duplicated and interim, give the
// transcript the in-order final ones give, with one created and then updates.
#include <gtest/gtest.h>

#include <algorithm>
#include <callgate/core/call_state.hpp>
#include <callgate/core/correlate.hpp>
#include <callgate/core/transcript.hpp>
#include <random>

namespace callgate::core {
namespace {

const TimePoint kNow = from_unix_ms(1'780'000'000'000);
const std::string kCall = "call_0123456789abcdef0123456789abcdef";
constexpr std::size_t kMaxBytes = 1 << 20;

// A conversation: the agent (outbound_track) and the caller (inbound_track) taking turns.
std::vector<Utterance> conversation() {
  std::vector<Utterance> out;
  for (int i = 0; i < 10; ++i) {
    const bool agent = i % 2 == 0;
    Utterance u;
    u.track = agent ? "outbound_track" : "inbound_track";
    u.sequence = i / 2 + 1;  // per track
    u.id = std::to_string(u.sequence);
    u.origin = agent ? SpeakerOrigin::internal : SpeakerOrigin::external;
    u.start = 2.0 * i;
    u.end = 2.0 * i + 1.5;
    u.text = (agent ? "agent says " : "caller says ") + std::to_string(i);
    out.push_back(u);
  }
  return out;
}

Transcript fold(const std::vector<Utterance>& utterances, std::vector<TranscriptEvent>* events) {
  std::optional<Transcript> t;
  for (const auto& u : utterances) {
    auto d = decide_transcript(t, {{u}, false}, kCall, kNow, kMaxBytes);
    if (d.event && events) events->push_back(*d.event);
    t = d.transcript;
  }
  return *t;
}

TEST(Transcript, ShuffledDuplicatedAndInterimUtterancesGiveTheInOrderTranscript) {
  std::vector<TranscriptEvent> in_order_events;
  const auto in_order = fold(conversation(), &in_order_events);
  ASSERT_EQ(in_order.segments.size(), 10u);
  EXPECT_EQ(in_order.segments[0].text, "agent says 0");
  EXPECT_EQ(in_order.segments[9].text, "caller says 9");
  ASSERT_EQ(in_order_events.size(), 10u);
  EXPECT_EQ(in_order_events[0], TranscriptEvent::created);
  EXPECT_TRUE(std::all_of(in_order_events.begin() + 1, in_order_events.end(),
                          [](auto e) { return e == TranscriptEvent::updated; }));

  std::mt19937 random(7);
  for (int round = 0; round < 20; ++round) {
    auto messy = conversation();
    for (auto u : conversation()) {  // interim versions of each, which never reach a segment
      u.final = false;
      u.text += " (interim)";
      u.id += "-interim";
      messy.push_back(u);
    }
    messy.push_back(messy[3]);  // a redelivery
    messy.push_back(messy[7]);
    std::shuffle(messy.begin(), messy.end(), random);
    std::vector<TranscriptEvent> events;
    auto t = fold(messy, &events);
    EXPECT_EQ(t.segments, in_order.segments) << "round " << round;
    EXPECT_EQ(t.speakers, in_order.speakers);
    EXPECT_EQ(events.size(), 10u) << "one event a segment added, none for repeats or interims";
    EXPECT_EQ(std::count(events.begin(), events.end(), TranscriptEvent::created), 1);
  }
}

TEST(Transcript, ItsIdAndFieldsFollowTheCallAndMorphsModel) {
  const auto t = fold(conversation(), nullptr);
  EXPECT_EQ(t.id, "transcript_0123456789abcdef0123456789abcdef");
  EXPECT_EQ(t.call_id, kCall);
  const auto f = transcript_fields(t);
  EXPECT_EQ(f["call"]["model"], "telephonyCall");
  EXPECT_EQ(f["call"]["id"], kCall);
  EXPECT_EQ(f["duration"], 19);  // the last segment ends at 19.5 s
  ASSERT_EQ(f["segments"].size(), 10u);
  EXPECT_EQ(f["segments"][1]["speakerId"], "inbound_track");
  EXPECT_EQ(f["segments"][1]["start"], 2.0);
  ASSERT_EQ(f["speakers"].size(), 2u);
  EXPECT_EQ(f["speakers"][0]["id"], "inbound_track");
  EXPECT_EQ(f["speakers"][0]["origin"], "external");
  EXPECT_EQ(f["speakers"][1]["origin"], "internal");
}

TEST(Transcript, TheEventCarriesTheWholeTranscriptAndTheStoredFormRoundTrips) {
  std::optional<Transcript> t;
  TranscriptDecision d;
  for (const auto& u : conversation()) {
    d = decide_transcript(t, {{u}, false}, kCall, kNow + std::chrono::seconds(1), kMaxBytes);
    t = d.transcript;
  }
  const auto body = transcript_event(*d.event, *t);
  EXPECT_EQ(body["event"], "telephonyCallTranscript::updated");
  EXPECT_EQ(body["data"]["model"], "telephonyCallTranscript");
  EXPECT_EQ(body["data"]["id"], t->id);
  EXPECT_EQ(body["data"]["fields"]["segments"].size(), 10u) << "state, not a delta";
  EXPECT_EQ(body["data"]["complete"], false);
  EXPECT_EQ(body["data"]["updatedAt"], format_iso8601(kNow + std::chrono::seconds(1)));

  auto again = transcript_from_json(nlohmann::json::parse(to_json(*t).dump()));
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *t);
  EXPECT_FALSE(transcript_from_json(nlohmann::json::parse(R"({"id":"x"})")));
  EXPECT_FALSE(transcript_from_json(nlohmann::json::array()));
}

TEST(Transcript, NothingFinalEmitsNothingAndTheEndMarkerUpdatesOnce) {
  Utterance interim;
  interim.track = "inbound_track";
  interim.final = false;
  interim.text = "hel";
  auto d = decide_transcript(std::nullopt, {{interim}, false}, kCall, kNow, kMaxBytes);
  EXPECT_FALSE(d.event);
  EXPECT_TRUE(d.transcript.segments.empty());

  auto t = fold(conversation(), nullptr);
  d = decide_transcript(t, {{}, true}, kCall, kNow, kMaxBytes);
  ASSERT_TRUE(d.event);
  EXPECT_EQ(*d.event, TranscriptEvent::updated);
  EXPECT_TRUE(d.transcript.complete);
  d = decide_transcript(d.transcript, {{}, true}, kCall, kNow, kMaxBytes);
  EXPECT_FALSE(d.event) << "complete twice is no change";
  EXPECT_FALSE(d.changed);
}

TEST(Transcript, TextPastItsBoundIsDroppedWithAWarningNotRefused) {
  std::optional<Transcript> t;
  std::vector<std::string> warnings;
  for (const auto& u : conversation()) {
    auto d = decide_transcript(t, {{u}, false}, kCall, kNow, 40);  // about three utterances
    t = d.transcript;
  }
  EXPECT_LE(t->text_bytes, 40u);
  EXPECT_EQ(t->segments.size(), 3u);
  ASSERT_EQ(t->warnings.size(), 1u);
  EXPECT_NE(t->warnings[0].find("max_transcript_bytes"), std::string::npos);
  // The observation's own warnings join the transcript's, once each.
  TranscriptObservation odd{{}, false, {"twilio: unreadable utterance time 'x'"}};
  auto d = decide_transcript(t, odd, kCall, kNow, kMaxBytes);
  EXPECT_TRUE(d.changed);
  EXPECT_EQ(d.transcript.warnings.size(), 2u);
  EXPECT_FALSE(decide_transcript(d.transcript, odd, kCall, kNow, kMaxBytes).changed);
}

// With its call (decide): the transcript is kept in the call's state and has events of its own.

Observation call_event(Phase phase, TimePoint at) {
  Observation o;
  o.source = "twilio";
  o.call_key = "CA1";
  o.event_time = at;
  o.phase = phase;
  if (phase == Phase::ringing) o.started_at = at;
  if (phase == Phase::ended) o.ended_at = at;
  return o;
}

Observation said(const std::string& text, TimePoint at, std::int64_t seq) {
  Observation o;
  o.source = "twilio";
  o.call_key = "CA1";
  o.event_time = at;
  Utterance u;
  u.track = "inbound_track";
  u.origin = SpeakerOrigin::external;
  u.sequence = seq;
  u.id = std::to_string(seq);
  u.at = at;
  u.text = text;
  o.transcript = TranscriptObservation{{u}, false};
  return o;
}

std::vector<std::string> types(const Decision& d) {
  std::vector<std::string> out;
  for (const auto& e : d.events) out.emplace_back(to_string(e.type));
  return out;
}

TEST(CallTranscript, TextBeforeTheCallKeepsItUnannouncedAndItsCreatedCarriesTheTranscript) {
  const auto start = kNow;
  auto first = decide(std::nullopt, said("hello", start + std::chrono::seconds(3), 1), kCall, kNow);
  EXPECT_EQ(types(first), std::vector<std::string>{"telephonyCallTranscript::created"});
  EXPECT_EQ(first.state.events_emitted, 0) << "no call event yet";
  ASSERT_TRUE(first.state_changed);
  EXPECT_EQ(first.events[0].call_id, kCall);
  EXPECT_EQ(first.events[0].idempotency_key, "transcript_0123456789abcdef0123456789abcdef:1");

  auto ringing = decide(first.state, call_event(Phase::ringing, start), kCall, kNow);
  ASSERT_EQ(types(ringing), std::vector<std::string>{"telephonyCall::created"});
  const auto body = nlohmann::json::parse(ringing.events[0].body);
  EXPECT_EQ(body["data"]["fields"]["transcript"]["model"], "telephonyCallTranscript");
  EXPECT_EQ(body["data"]["fields"]["transcript"]["id"], first.state.transcript->id);
  EXPECT_EQ(ringing.events[0].body, unified_event(EventType::created, ringing.state).dump());
}

TEST(CallTranscript, TextAfterTheEndUpdatesTheCallOnceAndTheTranscriptEachTime) {
  auto ringing = decide(std::nullopt, call_event(Phase::ringing, kNow), kCall, kNow);
  auto ended =
      decide(ringing.state, call_event(Phase::ended, kNow + std::chrono::seconds(60)), kCall, kNow);
  ASSERT_EQ(types(ended), std::vector<std::string>{"telephonyCall::deleted"});
  EXPECT_TRUE(
      nlohmann::json::parse(ended.events[0].body)["data"]["fields"]["transcript"].is_null());

  auto one = decide(ended.state, said("thanks for calling", kNow + std::chrono::seconds(5), 1),
                    kCall, kNow);
  EXPECT_EQ(types(one), (std::vector<std::string>{"telephonyCallTranscript::created",
                                                  "telephonyCall::updated"}));
  const auto call = nlohmann::json::parse(one.events[1].body);
  EXPECT_EQ(call["data"]["fields"]["transcript"]["id"], one.state.transcript->id);
  EXPECT_EQ(call["data"]["fields"]["status"], "missed") << "the rest of the call as it was";
  // Clock-timed text is placed from the call's start.
  const auto text = nlohmann::json::parse(one.events[0].body);
  EXPECT_EQ(text["data"]["fields"]["segments"][0]["start"], 5.0);
  EXPECT_EQ(text["data"]["fields"]["call"]["id"], kCall);

  auto two = decide(one.state, said("bye", kNow + std::chrono::seconds(9), 2), kCall, kNow);
  EXPECT_EQ(types(two), std::vector<std::string>{"telephonyCallTranscript::updated"});
  EXPECT_EQ(two.events[0].idempotency_key, one.state.transcript->id + ":2");
  auto again = decide(two.state, said("bye", kNow + std::chrono::seconds(9), 2), kCall, kNow);
  EXPECT_TRUE(again.events.empty()) << "the same utterance again";
  EXPECT_FALSE(again.state_changed);
}

TEST(CallTranscript, ARecordingsTextBesideLiveTextKeepsBothPlacedFromTheCallsStart) {
  auto live = decide(std::nullopt, call_event(Phase::ringing, kNow), kCall, kNow);
  live = decide(live.state, said("hello", kNow + std::chrono::seconds(4), 1), kCall, kNow);
  Observation whole;
  whole.source = "twilio";
  whole.call_key = "CA1";
  Utterance u;
  u.track = "recording";
  u.id = "TR1";
  u.text = "hello, the whole recording";
  whole.transcript = TranscriptObservation{{u}, true};
  auto both = decide(live.state, whole, kCall, kNow);
  ASSERT_EQ(both.events.size(), 1u);
  const auto f = nlohmann::json::parse(both.events[0].body)["data"]["fields"];
  ASSERT_EQ(f["segments"].size(), 2u);
  EXPECT_EQ(f["segments"][0]["start"], 0.0) << "the recording's, from its own start";
  EXPECT_EQ(f["segments"][1]["start"], 4.0) << "the live one, from the call's start";
  EXPECT_EQ(f["duration"], 4);
}

TEST(CallTranscript, TheStoredCallKeepsItsTranscriptAndAnUnreadableOneIsCorrupt) {
  auto d = decide(std::nullopt, said("hello", kNow, 1), kCall, kNow);
  auto stored = to_json(d.state);
  auto back = call_state_from_json(nlohmann::json::parse(stored.dump()));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, d.state);
  stored["transcript"]["segments"] = 3;
  EXPECT_FALSE(call_state_from_json(stored));
}

}  // namespace
}  // namespace callgate::core
