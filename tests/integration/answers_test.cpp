// Every answer the HTTP API promises, from the real server, each counted and logged safely.
#include <sqlite3.h>

#include <integration/gateway.hpp>

namespace callgate::testing {
namespace {

class Answers : public Gateway {};

TEST_F(Answers, EachRefusalHasItsStatusAndIsCountedAndLoggedWithoutSecrets) {
  const std::string webex_secret_marker = kWebexSecret;
  const std::string not_json = "{this is not json";
  EXPECT_EQ(post_webex(not_json).status, 400);
  EXPECT_EQ(post_webex(R"({"hello":"world"})").status, 400);
  const auto body = webex_seed_bodies()[0];
  EXPECT_EQ(post(port(), "/webhooks/webex", body).status, 401);  // no signature
  boost::beast::http::fields wrong;
  wrong.set("X-Spark-Signature", std::string(40, 'a'));
  EXPECT_EQ(post(port(), "/webhooks/webex", body, wrong).status, 401);
  const auto telnyx_body = read_file(data_path("telnyx/call_initiated.json"));
  EXPECT_EQ(post_telnyx(telnyx_body, now() - std::chrono::minutes(10)).status, 401);  // stale
  EXPECT_EQ(post(port(), "/webhooks/pbx", "{}", bearer_headers("guess")).status, 401);
  EXPECT_EQ(post(port(), "/webhooks/nobody", "{}").status, 404);
  EXPECT_EQ(get(port(), "/webhooks/webex").status, 405);
  EXPECT_EQ(get(port(), "/nothing/here").status, 404);
  const auto big = post_pbx(std::string(70'000, ' '));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(nlohmann::json::parse(big.body)["error"], "body too large");

  const auto m = metrics();
  EXPECT_EQ(metric_value(m, R"(callgate_requests_total{source="webex",status="400"})"), 2);
  EXPECT_EQ(metric_value(m, R"(callgate_requests_total{source="webex",status="401"})"), 2);
  EXPECT_EQ(metric_value(m, R"(callgate_requests_total{source="webex",status="405"})"), 1);
  EXPECT_EQ(metric_value(m, R"(callgate_requests_total{source="telnyx",status="401"})"), 1);
  EXPECT_EQ(metric_value(m, R"(callgate_requests_total{source="pbx",status="413"})"), 1);
  EXPECT_EQ(metric_value(m, R"m(callgate_requests_total{source="(unknown)",status="404"})m"), 1);
  EXPECT_EQ(
      metric_value(
          m,
          R"(callgate_verification_failures_total{source="telnyx",reason="timestamp outside tolerance"})"),
      1);
  EXPECT_EQ(
      metric_value(
          m, R"(callgate_verification_failures_total{source="webex",reason="missing signature"})"),
      1);
  EXPECT_EQ(
      metric_value(
          m,
          R"(callgate_verification_failures_total{source="webex",reason="signature does not match"})"),
      1);
  EXPECT_EQ(metric_value(
                m, R"(callgate_rejections_total{source="webex",reason="body is not valid JSON"})"),
            1);
  EXPECT_EQ(metric_value(m, R"(callgate_rejections_total{source="pbx",reason="body too large"})"),
            1);

  const auto log = server->log();
  EXPECT_NE(log.find("webhook telnyx: rejected 401: timestamp outside tolerance"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("webhook pbx: rejected 413"), std::string::npos) << log;
  EXPECT_EQ(log.find(kWebexSecret), std::string::npos);
  EXPECT_EQ(log.find(kPbxToken), std::string::npos);
  EXPECT_EQ(log.find("POUYA"), std::string::npos);  // no body content
  EXPECT_TRUE(read_lines(dir / "var/events.jsonl").empty());
}

TEST_F(Answers, UnknownProviderEventsAreAcceptedCountedAndNotEmitted) {
  const auto r = post_telnyx(read_file(data_path("telnyx/call_dtmf_received.json")));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(nlohmann::json::parse(r.body)["status"], "ignored");
  EXPECT_EQ(metric_value(metrics(), R"(callgate_events_ignored_total{source="telnyx"})"), 1);
}

TEST_F(Answers, AnUnavailableStoreAnswers503AndTheRetryLaterSucceeds) {
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "var/callgate.db").c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);

  const auto body = read_file(data_path("voip/notify_start_in.json"));
  const auto refused = post_pbx(body);
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(get(port(), "/readyz").status, 503);
  EXPECT_EQ(get(port(), "/healthz").status, 200);  // alive, just not ready

  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  // Readiness follows the last write's outcome, probed again at most once a second.
  EXPECT_TRUE(eventually([&] { return get(port(), "/readyz").status == 200; }));
  const auto retried = post_pbx(body);
  EXPECT_EQ(retried.status, 200) << retried.body;
  EXPECT_EQ(nlohmann::json::parse(retried.body)["status"], "accepted");
  EXPECT_EQ(events(1).size(), 1u);
  EXPECT_EQ(metric_value(metrics(), R"(callgate_requests_total{source="pbx",status="503"})"), 1);
}

TEST(CommandLine, VersionHelpAndCheckConfig) {
  std::string out;
  EXPECT_EQ(run_callgate({"--version"}, out), 0);
  EXPECT_NE(out.find("callgate 0."), std::string::npos) << out;
  EXPECT_EQ(run_callgate({"--help"}, out), 0);
  EXPECT_NE(out.find("check-config"), std::string::npos);

  TempDir dir;
  std::ofstream(dir / "good.yaml")
      << "sources:\n  pbx:\n    provider: voip\n    auth: {bearer: t}\n";
  std::ofstream(dir / "bad.yaml")
      << "sources:\n  pbx:\n    provider: voip\n    auth: {bearer: t}\n    colour: red\n";
  EXPECT_EQ(run_callgate({"check-config", (dir / "good.yaml").string()}, out), 0) << out;
  EXPECT_NE(out.find("good.yaml: warning: no sinks"), std::string::npos) << out;
  EXPECT_NE(out.find("good.yaml: ok (1 sources, 0 sinks)"), std::string::npos) << out;
  EXPECT_EQ(run_callgate({"check-config", (dir / "bad.yaml").string()}, out), 1);
  EXPECT_NE(out.find("bad.yaml:5: key 'sources.pbx.colour': unknown key"), std::string::npos)
      << out;
  // serve refuses a bad config the same way, before listening
  EXPECT_EQ(run_callgate({"--config", (dir / "bad.yaml").string()}, out), 1);
  // ... and so does check-config, for what the server would refuse at startup
  std::ofstream(dir / "listen.yaml")
      << "listen: 999.1.1.1:80\n"
      << "sources:\n  pbx:\n    provider: voip\n    auth: {bearer: t}\n";
  EXPECT_EQ(run_callgate({"check-config", (dir / "listen.yaml").string()}, out), 1);
  EXPECT_NE(out.find("listen.yaml:1: key 'listen'"), std::string::npos) << out;
}

TEST(CommandLine, ReplayRunsACaptureThroughTheWholePathAndEventsPrintsTheOutbox) {
  TempDir dir;
  std::ofstream(dir / "c.yaml") << "store: {path: " << (dir / "cg.db").string() << "}\n"
                                << "sources:\n  webex:\n    provider: webex\n    secret: x\n"
                                << "sinks:\n  - type: file\n    path: "
                                << (dir / "ev.jsonl").string() << "\n";
  const auto capture = data_path("webex/telephony_calls_capture.json").string();
  const auto config = (dir / "c.yaml").string();
  std::string out;
  EXPECT_EQ(run_callgate({"replay", capture, "--config", config}, out), 0) << out;
  EXPECT_NE(out.find("3 items: 2 events emitted, 0 redeliveries, 0 ignored, 0 refused"),
            std::string::npos)
      << out;
  const auto lines = read_lines(dir / "ev.jsonl");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(lines[1])["event"], "telephonyCall::deleted");

  // Replaying again changes nothing: every item is a redelivery.
  EXPECT_EQ(run_callgate({"replay", capture, "--source", "webex", "--config", config}, out), 0);
  EXPECT_NE(out.find("0 events emitted, 3 redeliveries"), std::string::npos) << out;
  EXPECT_EQ(read_lines(dir / "ev.jsonl").size(), 2u);
  EXPECT_EQ(run_callgate({"replay", capture, "--source", "nope", "--config", config}, out), 1);

  // Oldest first from the start (--after 0); newest first by default (below).
  EXPECT_EQ(run_callgate({"events", "--since", "10m", "--after", "0", "--config", config}, out), 0);
  std::istringstream printed(out);
  std::vector<std::string> events;
  for (std::string line; std::getline(printed, line);)
    if (!line.empty()) events.push_back(nlohmann::ordered_json::parse(line)["body"].dump());
  EXPECT_EQ(events, lines) << "each row carries the event exactly as the sink wrote it";
  EXPECT_EQ(run_callgate({"events", "--limit", "1", "--config", config}, out), 0);
  EXPECT_EQ(nlohmann::ordered_json::parse(out.substr(0, out.find('\n')))["body"].dump(),
            lines.back())
      << "the newest";
  EXPECT_NE(out.find("events: more: --before "), std::string::npos) << "where the next page is";
  EXPECT_EQ(run_callgate({"events", "--since", "yesterday", "--config", config}, out), 1);
}

}  // namespace
}  // namespace callgate::testing
