// The correlation rules, through the seeds: one created, at most one deleted, no regression,
// nothing for no change, and the same final call whatever order the events arrive in.
#include <gtest/gtest.h>

#include <algorithm>
#include <callgate/adapters/telnyx/telnyx.hpp>
#include <callgate/adapters/webex/webex.hpp>
#include <callgate/core/correlate.hpp>
#include <support/fixtures.hpp>

namespace callgate {
namespace {

using core::EventType;
using core::Observation;

const TimePoint kNow = *parse_iso8601("2025-08-14T18:53:05.000Z");
const std::string kActor =
    "Y2lzY29zcGFyazovL3VzL1BFT1BMRS84OWYwOGUyYi02MDM4LTQ3MmMtYjcyYy0zNjQyNjIwMThjNjE";

Observation one(result<adapters::Parsed> parsed) {
  EXPECT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->observations.size(), 1u);
  return parsed->observations.at(0);
}

std::vector<Observation> webex_seed() {
  std::vector<Observation> out;
  boost::beast::http::fields h;
  for (const auto& body : testing::webex_seed_bodies())
    out.push_back(one(adapters::webex::parse({h, body, kNow}, {"webex", false})));
  return out;
}

std::vector<Observation> telnyx_call() {
  std::vector<Observation> out;
  boost::beast::http::fields h;
  for (const char* f :
       {"telnyx/call_initiated.json", "telnyx/call_answered.json", "telnyx/call_hangup.json"}) {
    const auto body = testing::read_file(testing::data_path(f));
    out.push_back(one(adapters::telnyx::parse({h, body, kNow}, {"telnyx", false})));
  }
  return out;
}

/** Folds observations in the given order into one call, as the committer would. */
struct Folded {
  std::optional<core::CallState> state;
  std::vector<core::Emission> events;
};

Folded fold(const std::vector<Observation>& obs, const std::vector<std::size_t>& order) {
  Folded f;
  TimePoint now = kNow;
  for (auto i : order) {
    auto d = core::decide(f.state, obs[i], "call_x", now);
    f.state = d.state;
    for (auto& e : d.events) f.events.push_back(std::move(e));
    now += std::chrono::milliseconds(10);
  }
  return f;
}

std::vector<EventType> types(const Folded& f) {
  std::vector<EventType> t;
  for (const auto& e : f.events) t.push_back(e.type);
  return t;
}

nlohmann::ordered_json json_of(const core::Emission& e) {
  return nlohmann::ordered_json::parse(e.body);
}
nlohmann::ordered_json fields(const core::Emission& e) { return json_of(e)["data"]["fields"]; }

TEST(Correlate, WebexSeedInItsOwnOrderGivesCreatedThenDeletedWithTheRightCall) {
  const auto f = fold(webex_seed(), {0, 1, 2});
  ASSERT_EQ(types(f), (std::vector{EventType::created, EventType::deleted}));

  const auto& created = fields(f.events[0]);
  EXPECT_EQ(created["status"], "inProgress");
  EXPECT_EQ(created["direction"], "inbound");
  EXPECT_EQ(created["startedAt"], "2025-08-14T18:52:41.728Z");
  EXPECT_TRUE(created["endedAt"].is_null());

  const auto& done = fields(f.events[1]);
  EXPECT_EQ(json_of(f.events[1])["event"], "telephonyCall::deleted");
  EXPECT_EQ(done["direction"], "inbound");
  EXPECT_EQ(done["status"], "missed");  // completedElsewhere: another agent took it
  EXPECT_EQ(done["startedAt"], "2025-08-14T18:52:41.728Z");
  EXPECT_EQ(done["endedAt"], "2025-08-14T18:52:43.357Z");
  EXPECT_TRUE(done["answeredAt"].is_null());
  EXPECT_EQ(done["duration"], 0);
  EXPECT_EQ(done["externalNumber"], "+19059227700");
  EXPECT_EQ(done["internalNumber"], "+12895133479");
  ASSERT_EQ(done["users"].size(), 1u);
  EXPECT_EQ(done["users"][0]["object"], "resourceRef");
  EXPECT_EQ(done["users"][0]["model"], "user");
  EXPECT_EQ(done["users"][0]["id"], kActor);
  EXPECT_TRUE(done["recordingUrl"].is_null());
}

TEST(Correlate, EventBodyHasTheSeedShapeAndKeyOrder) {
  const auto f = fold(webex_seed(), {0});
  const auto body = json_of(f.events.at(0));
  std::vector<std::string> top, data, flds;
  for (auto& [k, v] : body.items()) top.push_back(k);
  for (auto& [k, v] : body["data"].items()) data.push_back(k);
  for (auto& [k, v] : body["data"]["fields"].items()) flds.push_back(k);
  EXPECT_EQ(top, (std::vector<std::string>{"event", "data"}));
  EXPECT_EQ(data, (std::vector<std::string>{"object", "model", "id", "fields", "createdAt",
                                            "updatedAt", "rawResource", "warnings"}));
  EXPECT_EQ(flds,
            (std::vector<std::string>{"direction", "status", "startedAt", "endedAt", "answeredAt",
                                      "duration", "recordingUrl", "transcript", "users", "contacts",
                                      "externalNumber", "internalNumber"}));
  EXPECT_EQ(body["data"]["object"], "resource");
  EXPECT_EQ(body["data"]["model"], "telephonyCall");
  EXPECT_EQ(body["data"]["id"], "call_x");
  EXPECT_EQ(body["data"]["createdAt"], "2025-08-14T18:53:05.000Z");
  EXPECT_TRUE(body["data"]["rawResource"].is_null());
}

// Rule 1 and 2 under every arrival order, and the same final call each time.
template <class MakeObs>
void check_all_orders(MakeObs make) {
  constexpr std::size_t n = 3;
  const auto obs = make();
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  const auto reference = fold(obs, order);
  const auto final_fields = fields(reference.events.back());
  int permutations = 0;
  do {
    ++permutations;
    const auto f = fold(obs, order);
    const auto t = types(f);
    SCOPED_TRACE(::testing::PrintToString(order));
    ASSERT_FALSE(t.empty());
    EXPECT_EQ(t.front(), EventType::created);
    EXPECT_EQ(std::count(t.begin(), t.end(), EventType::created), 1);
    EXPECT_EQ(std::count(t.begin(), t.end(), EventType::deleted), 1);
    EXPECT_EQ(fields(f.events.back()), final_fields);
    // Idempotency keys number the call's events in order.
    for (std::size_t i = 0; i < f.events.size(); ++i)
      EXPECT_EQ(f.events[i].idempotency_key, "call_x:" + std::to_string(i + 1));
  } while (std::next_permutation(order.begin(), order.end()));
  EXPECT_EQ(permutations, 6);
}

TEST(Correlate, WebexSeedInEveryOrderGivesOneCreatedOneDeletedAndTheSameCall) {
  check_all_orders(webex_seed);
}

// decide compares states field by field instead of rendering JSON; both must always agree.
TEST(Correlate, SameUnifiedFieldsAgreesWithComparingTheRenderedFields) {
  std::vector<core::CallState> states;
  for (const auto& calls : {webex_seed(), telnyx_call()}) {
    std::optional<core::CallState> state;
    for (const auto& obs : calls) {
      state = core::decide(state, obs, "call_x", kNow).state;
      states.push_back(*state);
    }
  }
  auto recorded = states.back();
  recorded.recording_url = {"https://r.example/1.wav", kNow, true};
  states.push_back(recorded);
  int different = 0;
  for (const auto& a : states) {
    for (const auto& b : states) {
      const bool rendered_equal = core::unified_fields(a) == core::unified_fields(b);
      EXPECT_EQ(core::same_unified_fields(a, b), rendered_equal);
      different += rendered_equal ? 0 : 1;
    }
  }
  EXPECT_GT(different, 10);  // the pairs really differ in places
}

TEST(Correlate, WebexSeedOrdersWithTheEndLastGiveExactlyCreatedAndDeleted) {
  const auto obs = webex_seed();
  for (const auto& order : {std::vector<std::size_t>{0, 1, 2}, {1, 0, 2}}) {
    EXPECT_EQ(types(fold(obs, order)), (std::vector{EventType::created, EventType::deleted}));
  }
}

TEST(Correlate, TelnyxInitiatedAnsweredHangupGivesCreatedUpdatedDeleted) {
  const auto f = fold(telnyx_call(), {0, 1, 2});
  ASSERT_EQ(types(f), (std::vector{EventType::created, EventType::updated, EventType::deleted}));
  EXPECT_EQ(fields(f.events[0])["status"], "inProgress");
  EXPECT_EQ(fields(f.events[1])["answeredAt"], "2018-02-02T22:25:31.100Z");
  const auto& done = fields(f.events[2]);
  EXPECT_EQ(done["status"], "completed");
  EXPECT_EQ(done["direction"], "inbound");
  EXPECT_EQ(done["startedAt"], "2018-02-02T22:25:27.521Z");
  EXPECT_EQ(done["answeredAt"], "2018-02-02T22:25:31.100Z");
  EXPECT_EQ(done["endedAt"], "2018-02-02T22:26:42.800Z");
  EXPECT_EQ(done["duration"], 71);  // 71.7 s from answer to end, whole seconds
  EXPECT_EQ(done["externalNumber"], "+35319605860");
  EXPECT_EQ(done["internalNumber"], "+13129457420");  // the newest event's "to" wins
}

TEST(Correlate, TelnyxCallInEveryOrderEndsCompletedWithTheSameDuration) {
  check_all_orders(telnyx_call);
}

TEST(Correlate, TheSameObservationTwiceEmitsNothingTheSecondTime) {
  const auto obs = telnyx_call();
  const auto f = fold(obs, {0, 0, 1, 1});
  EXPECT_EQ(types(f), (std::vector{EventType::created, EventType::updated}));
}

TEST(Correlate, AnOlderEventArrivingLateCannotUndoANewerOne) {
  auto obs = telnyx_call();
  // An "initiated" with a different caller number, older than everything else.
  auto late = obs[0];
  late.external_number = "+10000000000";
  late.event_time -= std::chrono::seconds(5);
  obs.push_back(late);
  const auto f = fold(obs, {0, 1, 2, 3});
  EXPECT_EQ(types(f), (std::vector{EventType::created, EventType::updated, EventType::deleted}));
  EXPECT_EQ(f.state->external_number.value, "+35319605860");
  EXPECT_TRUE(f.state->ended());
  EXPECT_EQ(core::unified_status(*f.state), "completed");
}

TEST(Correlate, AnEndedCallNeverBecomesInProgress) {
  const auto obs = telnyx_call();
  const auto f = fold(obs, {2, 0});
  ASSERT_TRUE(f.state->ended());
  for (const auto& e : f.events) {
    if (e.type != EventType::created) {
      EXPECT_NE(fields(e)["status"], "inProgress");
    }
  }
}

TEST(Correlate, RecordingAfterTheEndIsEnrichmentAndEmitsOneUpdated) {
  auto obs = telnyx_call();
  boost::beast::http::fields h;
  const auto body = testing::read_file(testing::data_path("telnyx/call_recording_saved.json"));
  obs.push_back(one(adapters::telnyx::parse({h, body, kNow}, {"telnyx", false})));
  const auto f = fold(obs, {0, 1, 2, 3, 3});
  ASSERT_EQ(types(f), (std::vector{EventType::created, EventType::updated, EventType::deleted,
                                   EventType::updated}));
  EXPECT_EQ(fields(f.events[3])["recordingUrl"],
            "https://storage.example.com/recordings/428c31b6.mp3");
  EXPECT_EQ(fields(f.events[3])["status"], "completed");
}

TEST(Correlate, AnUnansweredCallThatLeftARecordingIsAVoicemail) {
  Observation start, end, rec;
  start.phase = core::Phase::ringing;
  start.event_time = kNow;
  end.phase = core::Phase::ended;
  end.event_time = kNow + std::chrono::seconds(30);
  rec.recording_url = "https://x/vm.wav";
  rec.event_time = kNow + std::chrono::seconds(31);
  const auto f = fold({start, end, rec}, {0, 1, 2});
  EXPECT_EQ(types(f), (std::vector{EventType::created, EventType::deleted, EventType::updated}));
  EXPECT_EQ(fields(f.events[1])["status"], "missed");
  EXPECT_EQ(fields(f.events[2])["status"], "voicemail");
}

TEST(Correlate, AnsweredWithoutATimeIsCompletedWithAWarning) {
  Observation start, end;
  start.phase = core::Phase::ringing;
  start.event_time = kNow;
  end.phase = core::Phase::ended;
  end.answered = true;
  end.event_time = kNow + std::chrono::seconds(30);
  const auto f = fold({start, end}, {0, 1});
  const auto data = json_of(f.events.back())["data"];
  EXPECT_EQ(data["fields"]["status"], "completed");
  EXPECT_EQ(data["fields"]["duration"], 0);
  EXPECT_EQ(data["warnings"].size(), 1u);
}

TEST(Correlate, FirstEventBeingTheEndEmitsCreatedThenDeleted) {
  const auto obs = telnyx_call();
  const auto d = core::decide(std::nullopt, obs[2], "call_x", kNow);
  ASSERT_EQ(d.events.size(), 2u);
  EXPECT_EQ(d.events[0].type, EventType::created);
  EXPECT_EQ(d.events[1].type, EventType::deleted);
  EXPECT_EQ(fields(d.events[1])["endedAt"], "2018-02-02T22:26:42.800Z");
}

TEST(Correlate, IncludeRawPutsTheLatestProviderPayloadInRawResource) {
  boost::beast::http::fields h;
  const auto body = testing::read_file(testing::data_path("telnyx/call_answered.json"));
  auto o = one(adapters::telnyx::parse({h, body, kNow}, {"telnyx", true}));
  const auto d = core::decide(std::nullopt, o, "call_x", kNow);
  EXPECT_EQ(json_of(d.events[0])["data"]["rawResource"]["event_type"], "call.answered");
}

TEST(Correlate, TheWrittenEventBodyIsTheUnifiedEventDumpedForAnyText) {
  // The body is written without the DOM; unified_event() is its reference, escaping included.
  Observation o;
  o.source = "pbx";
  o.call_key = "k";
  o.phase = core::Phase::ended;
  o.answered = true;
  o.event_time = kNow;
  o.answered_at = kNow - std::chrono::seconds(42);
  o.direction = core::Direction::outbound;
  o.external_number = R"(+1 "quoted" \ back)";
  o.internal_number = "ünïcödé ☎";
  o.recording_url = "https://x.example/a?b=1&c=<2>";
  o.users = {{"user", "u\t1"}, {"person", "p2"}};
  o.contacts = {{"contact", "\x01ctl"}};
  o.warnings = {"a \"warning\"", "plain"};
  o.raw = nlohmann::json{{"z", 1}, {"a", {{"nested", "\n"}}}};
  const auto d = core::decide(std::nullopt, o, "call_x", kNow);
  ASSERT_EQ(d.events.size(), 2u);
  for (const auto& e : d.events) EXPECT_EQ(e.body, core::unified_event(e.type, d.state).dump());
  EXPECT_EQ(json_of(d.events[1])["data"]["fields"]["externalNumber"], "+1 \"quoted\" \\ back");
  // Nothing said at all: nulls and empty lists where the DOM has them.
  Observation bare;
  bare.source = "pbx";
  bare.call_key = "k2";
  bare.event_time = kNow;
  const auto b = core::decide(std::nullopt, bare, "call_y", kNow);
  EXPECT_EQ(b.events.at(0).body, core::unified_event(core::EventType::created, b.state).dump());
}

TEST(CallId, IsStableAndSeparatesSources) {
  const auto a = core::derive_call_id("webex", "abc");
  EXPECT_EQ(a, core::derive_call_id("webex", "abc"));
  EXPECT_NE(a, core::derive_call_id("webex2", "abc"));
  EXPECT_NE(a, core::derive_call_id("webex", "abd"));
  EXPECT_EQ(a.size(), 5u + 32u);
  EXPECT_EQ(a.rfind("call_", 0), 0u);
}

}  // namespace
}  // namespace callgate
