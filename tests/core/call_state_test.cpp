#include <gtest/gtest.h>

#include <callgate/core/call_state.hpp>

namespace callgate {
namespace {

TEST(CallState, SurvivesTheJsonRoundTripTheStoresUse) {
  core::CallState s;
  s.id = "call_1";
  s.source = "pbx";
  s.call_key = "";
  s.match_key = "in|1|2|3|";
  s.created_at = from_unix_ms(1000);
  s.updated_at = from_unix_ms(2000);
  s.events_emitted = 3;
  s.deleted_emitted = true;
  s.phase = core::Phase::ended;
  s.answered = true;
  s.started_at = from_unix_ms(1100);
  s.answered_at = from_unix_ms(1200);
  s.ended_at = from_unix_ms(1900);
  s.first_event_at = from_unix_ms(1050);
  s.direction = {core::Direction::outbound, from_unix_ms(1300), true};
  s.external_number = {"+1555", from_unix_ms(1400), true};
  s.users = {{{"user", "u1"}, {"user", "u2"}}, from_unix_ms(1500), true};
  s.raw = {nlohmann::json{{"a", 1}}, from_unix_ms(1600), true};
  s.warnings = {"w1", "w2"};

  const auto back = core::call_state_from_json(nlohmann::json::parse(core::to_json(s).dump()));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(core::to_json(*back), core::to_json(s));
  EXPECT_EQ(back->users.value.size(), 2u);
  EXPECT_EQ(back->users.value[1].id, "u2");
  EXPECT_EQ(back->direction.value, core::Direction::outbound);
  EXPECT_FALSE(back->internal_number.set);
  EXPECT_EQ(*back->answered_at, from_unix_ms(1200));
}

TEST(CallState, RejectsDocumentsThatAreNotCallStates) {
  EXPECT_FALSE(core::call_state_from_json(nlohmann::json::parse(R"({"v":2})")));
  EXPECT_FALSE(core::call_state_from_json(nlohmann::json::parse(R"({"v":1,"id":5})")));
  EXPECT_FALSE(core::call_state_from_json(nlohmann::json::parse("[]")));
}

}  // namespace
}  // namespace callgate
