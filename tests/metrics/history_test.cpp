// The per-minute history the console charts: what the counters grew by in each minute, kept for
// a bounded number of minutes, and carried across a restart through its JSON.
#include <gtest/gtest.h>

#include <callgate/metrics/history.hpp>
#include <nlohmann/json.hpp>

namespace callgate {
namespace {

using metrics::History;
using metrics::Metrics;

const TimePoint t0 = from_unix_ms(1'765'000'020'000);  // 20 s into a minute
constexpr auto kMinute = std::chrono::minutes(1);

void traffic(Metrics& m, int accepted, int duplicates, int refused) {
  m.inc("callgate_requests_total", {{"source", "pbx"}, {"status", "200"}},
        static_cast<std::uint64_t>(accepted) + static_cast<std::uint64_t>(duplicates));
  m.inc("callgate_redeliveries_total", {{"source", "pbx"}}, static_cast<std::uint64_t>(duplicates));
  m.inc("callgate_rejections_total", {{"source", "pbx"}, {"reason", "signature does not match"}},
        static_cast<std::uint64_t>(refused));
  m.inc("callgate_requests_total", {{"source", "pbx"}, {"status", "401"}},
        static_cast<std::uint64_t>(refused));
}

TEST(History, EachMinuteHoldsWhatTheCountersGrewByInIt) {
  Metrics m;
  History h;
  traffic(m, 7, 2, 3);
  m.inc("callgate_sink_delivered_total", {{"sink", "crm"}}, 6);
  m.inc("callgate_sink_failures_total", {{"sink", "crm"}}, 2);
  m.set("callgate_sink_lag_events", 4, {{"sink", "crm"}});
  h.sample(m, t0);
  traffic(m, 1, 0, 0);
  m.inc("callgate_sink_delivered_total", {{"sink", "crm"}}, 1);
  m.set("callgate_sink_lag_events", 0, {{"sink", "crm"}});
  h.sample(m, t0 + kMinute);

  const auto minutes = h.since({});
  ASSERT_EQ(minutes.size(), 2u);
  EXPECT_EQ(minutes[0].at_ms, 1'765'000'020'000 / 60'000 * 60'000);
  EXPECT_EQ(minutes[1].at_ms - minutes[0].at_ms, 60'000);
  const auto& first = minutes[0].sources.at("pbx");
  EXPECT_EQ(first.accepted, 7);  // duplicates apart
  EXPECT_EQ(first.duplicates, 2);
  EXPECT_EQ(first.refused, 3);
  EXPECT_EQ(minutes[0].sinks.at("crm").delivered, 6);
  EXPECT_EQ(minutes[0].sinks.at("crm").failed, 2);
  EXPECT_EQ(minutes[0].sinks.at("crm").lag, 4);
  EXPECT_EQ(minutes[1].sources.at("pbx").accepted, 1);
  EXPECT_EQ(minutes[1].sources.at("pbx").refused, 0);
  EXPECT_EQ(minutes[1].sinks.at("crm").delivered, 1);
  EXPECT_EQ(minutes[1].sinks.at("crm").lag, 0);
  EXPECT_EQ(h.since(t0 + kMinute).size(), 1u);
}

TEST(History, LatencyQuantilesComeFromTheMinutesOwnRequests) {
  Metrics m;
  History h;
  for (int i = 0; i < 98; ++i) m.observe_request_seconds(0.0003);  // bucket ≤ 0.5 ms
  for (int i = 0; i < 2; ++i) m.observe_request_seconds(0.2);      // bucket 100–250 ms
  h.sample(m, t0);
  for (int i = 0; i < 10; ++i) m.observe_request_seconds(0.04);  // bucket 25–50 ms
  h.sample(m, t0 + kMinute);
  const auto minutes = h.since({});
  ASSERT_EQ(minutes.size(), 2u);
  EXPECT_EQ(minutes[0].requests, 100);
  EXPECT_GT(minutes[0].p50_ms, 0);
  EXPECT_LE(minutes[0].p50_ms, 0.5);
  EXPECT_GT(minutes[0].p99_ms, 100);
  EXPECT_LE(minutes[0].p99_ms, 250);
  EXPECT_EQ(minutes[1].requests, 10);
  EXPECT_GT(minutes[1].p50_ms, 25);
  EXPECT_LE(minutes[1].p99_ms, 50);
}

TEST(History, ARestartGoesOnFromTheSavedMinutesAndAddsToTheMinuteItStartedIn) {
  Metrics before;
  History h;
  traffic(before, 5, 0, 1);
  h.sample(before, t0);
  traffic(before, 2, 0, 0);
  h.sample(before, t0 + kMinute);
  const auto saved = nlohmann::json::parse(h.to_json().dump());

  Metrics after;  // a new process: its counters start at zero
  History restarted;
  ASSERT_TRUE(restarted.load(saved));
  traffic(after, 3, 1, 0);
  restarted.sample(after, t0 + kMinute + std::chrono::seconds(10));
  const auto minutes = restarted.since({});
  ASSERT_EQ(minutes.size(), 2u);
  EXPECT_EQ(minutes[0].sources.at("pbx").accepted, 5);
  EXPECT_EQ(minutes[0].sources.at("pbx").refused, 1);
  EXPECT_EQ(minutes[1].sources.at("pbx").accepted, 2 + 3);
  EXPECT_EQ(minutes[1].sources.at("pbx").duplicates, 1);

  EXPECT_FALSE(History().load(nlohmann::json::parse(R"({"minutes":[{"at":"yesterday"}]})")));
  EXPECT_FALSE(History().load(nlohmann::json::parse(R"([1,2])")));
}

TEST(History, KeepsOnlyTheNewestMinutes) {
  Metrics m;
  History h(3);
  for (int i = 0; i < 5; ++i) {
    traffic(m, i + 1, 0, 0);
    h.sample(m, t0 + i * kMinute);
  }
  const auto minutes = h.since({});
  ASSERT_EQ(minutes.size(), 3u);
  EXPECT_EQ(minutes.front().sources.at("pbx").accepted, 3);
  EXPECT_EQ(minutes.back().sources.at("pbx").accepted, 5);
  h.sample(m, t0 - kMinute);  // older than all that is kept: not added
  EXPECT_EQ(h.since({}).size(), 3u);
}

TEST(History, TheMinuteInProgressIsShownWithoutClosingIt) {
  Metrics m;
  History h;
  traffic(m, 2, 0, 0);
  h.sample(m, t0);
  traffic(m, 4, 0, 0);
  const auto live = h.to_json({}, &m, t0 + kMinute);
  ASSERT_EQ(live["minutes"].size(), 2u);
  EXPECT_EQ(live["minutes"][1]["sources"]["pbx"]["accepted"], 4);
  EXPECT_EQ(h.since({}).size(), 1u) << "showing it closed nothing";
  h.sample(m, t0 + kMinute);
  EXPECT_EQ(h.since({}).back().sources.at("pbx").accepted, 4) << "nor moved the baseline";
}

}  // namespace
}  // namespace callgate
