// Call state lives in the store: a restart in the middle of a call neither forgets it nor
// emits a second created, and the JSONL file neither loses nor repeats a line. The console's
// per-minute history outlives a restart too.
#include <integration/gateway.hpp>

namespace callgate::testing {
namespace {

class Restart : public Gateway {};

TEST_F(Restart, AGracefulRestartInTheMiddleOfACallKeepsItsState) {
  EXPECT_EQ(post_telnyx(read_file(data_path("telnyx/call_initiated.json"))).status, 200);
  ASSERT_EQ(events(1).size(), 1u);
  ASSERT_EQ(server->stop(), 0);
  ASSERT_TRUE(server->start()) << server->log();
  EXPECT_EQ(post_telnyx(read_file(data_path("telnyx/call_answered.json"))).status, 200);
  EXPECT_EQ(post_telnyx(read_file(data_path("telnyx/call_hangup.json"))).status, 200);
  auto ev = events(3);
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(event_type(ev[0]), "telephonyCall::created");
  EXPECT_EQ(event_type(ev[1]), "telephonyCall::updated");
  EXPECT_EQ(event_type(ev[2]), "telephonyCall::deleted");
  EXPECT_EQ(ev[0]["data"]["id"], ev[2]["data"]["id"]);
  EXPECT_EQ(ev[0]["data"]["createdAt"], ev[2]["data"]["createdAt"]);
}

TEST_F(Restart, AKilledServerLosesNothingItAcknowledged) {
  const auto bodies = webex_seed_bodies();
  EXPECT_EQ(post_webex(bodies[0]).status, 200);
  EXPECT_EQ(post_webex(bodies[1]).status, 200);
  server->kill9();
  ASSERT_TRUE(server->start()) << server->log();
  // The provider retries what it had no answer for; a repeat of an acknowledged one is a duplicate.
  EXPECT_EQ(nlohmann::json::parse(post_webex(bodies[0]).body)["status"], "duplicate");
  EXPECT_EQ(post_webex(bodies[2]).status, 200);
  auto ev = events(2);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(event_type(ev[0]), "telephonyCall::created");
  EXPECT_EQ(event_type(ev[1]), "telephonyCall::deleted");
  EXPECT_EQ(events(3, kQuiet).size(), 2u);
}

class RestartWithAdmin : public Gateway {
  void SetUp() override {
    start(config_yaml("sqlite", "admin:\n  listen: 127.0.0.1:0\n  token: admin-test-token\n"));
  }
};

TEST_F(RestartWithAdmin, ThePerMinuteHistoryOfTheChartsOutlivesARestart) {
  EXPECT_EQ(post_telnyx(read_file(data_path("telnyx/call_initiated.json"))).status, 200);
  EXPECT_EQ(post_telnyx(read_file(data_path("telnyx/call_answered.json"))).status, 200);
  EXPECT_EQ(post(port(), "/webhooks/telnyx", "{}").status, 401);  // no signature
  ASSERT_EQ(server->stop(), 0);
  ASSERT_TRUE(std::filesystem::exists(dir / "var/callgate.db.history.json"));
  ASSERT_TRUE(server->start()) << server->log();
  EXPECT_EQ(post_telnyx(read_file(data_path("telnyx/call_hangup.json"))).status, 200);

  const auto auth = bearer_headers("admin-test-token");
  // The minute so far is in the history once a minute ends (or at a stop): stop once more.
  ASSERT_EQ(server->stop(), 0);
  ASSERT_TRUE(server->start()) << server->log();
  const auto res = get(server->admin_port(), "/admin/history?since=1h", auth);
  ASSERT_EQ(res.status, 200) << res.body;
  std::int64_t accepted = 0, refused = 0, timed = 0;
  const auto history = nlohmann::json::parse(res.body);
  for (const auto& m : history["minutes"]) {
    if (m["sources"].contains("telnyx")) {
      accepted += m["sources"]["telnyx"]["accepted"].get<std::int64_t>();
      refused += m["sources"]["telnyx"]["refused"].get<std::int64_t>();
    }
    timed += m["latency"]["requests"].get<std::int64_t>();
  }
  EXPECT_EQ(accepted, 3) << res.body;
  EXPECT_EQ(refused, 1);
  EXPECT_GE(timed, 4);
}

}  // namespace
}  // namespace callgate::testing
