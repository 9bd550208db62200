// The issue's "done when", through the real binary over HTTP: the seeds in, events out.
#include <integration/gateway.hpp>

namespace callgate::testing {
namespace {

class Ingest : public Gateway {};

TEST_F(Ingest, WebexSeedInItsOwnOrderYieldsOneCreatedAndOneDeleted) {
  for (const auto& body : webex_seed_bodies()) {
    const auto r = post_webex(body);
    EXPECT_EQ(r.status, 200) << r.body;
  }
  auto ev = events(2);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(event_type(ev[0]), "telephonyCall::created");
  EXPECT_EQ(event_type(ev[1]), "telephonyCall::deleted");
  EXPECT_EQ(ev[0]["data"]["id"], ev[1]["data"]["id"]);
  const auto& f = ev[1]["data"]["fields"];
  EXPECT_EQ(f["direction"], "inbound");
  EXPECT_EQ(f["status"], "missed");
  EXPECT_EQ(f["startedAt"], "2025-08-14T18:52:41.728Z");
  EXPECT_EQ(f["endedAt"], "2025-08-14T18:52:43.357Z");
  EXPECT_EQ(f["duration"], 0);
  EXPECT_EQ(f["externalNumber"], "+19059227700");
  EXPECT_EQ(f["internalNumber"], "+12895133479");
  EXPECT_EQ(
      metric_value(metrics(), R"(callgate_events_emitted_total{type="telephonyCall::created"})"),
      1);
  // Nothing more arrives later.
  EXPECT_EQ(events(3, kQuiet).size(), 2u);
}

TEST_F(Ingest, TelnyxInitiatedAnsweredHangupYieldsCreatedUpdatedDeleted) {
  for (const char* f :
       {"telnyx/call_initiated.json", "telnyx/call_answered.json", "telnyx/call_hangup.json"}) {
    const auto r = post_telnyx(read_file(data_path(f)));
    EXPECT_EQ(r.status, 200) << f << ": " << r.body;
  }
  auto ev = events(3);
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(event_type(ev[0]), "telephonyCall::created");
  EXPECT_EQ(event_type(ev[1]), "telephonyCall::updated");
  EXPECT_EQ(event_type(ev[2]), "telephonyCall::deleted");
  const auto& f = ev[2]["data"]["fields"];
  EXPECT_EQ(f["status"], "completed");
  EXPECT_EQ(f["duration"], 71);
  EXPECT_EQ(f["answeredAt"], "2018-02-02T22:25:31.100Z");
  EXPECT_EQ(f["endedAt"], "2018-02-02T22:26:42.800Z");

  // A duplicated delivery (same event id) is acknowledged and emits nothing.
  const auto again = post_telnyx(read_file(data_path("telnyx/call_hangup.json")));
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(nlohmann::json::parse(again.body)["status"], "duplicate");
  // A recording afterwards is enrichment: one updated.
  EXPECT_EQ(post_telnyx(read_file(data_path("telnyx/call_recording_saved.json"))).status, 200);
  ev = events(4);
  ASSERT_EQ(ev.size(), 4u);
  EXPECT_EQ(event_type(ev[3]), "telephonyCall::updated");
  EXPECT_EQ(ev[3]["data"]["fields"]["recordingUrl"],
            "https://storage.example.com/recordings/428c31b6.mp3");
}

TEST_F(Ingest, APbxCallWithoutCallIdIsMatchedFromStartToEnd) {
  for (const char* f :
       {"voip/notify_start_in.json", "voip/notify_answer_in.json", "voip/notify_end_in.json"}) {
    const auto r = post_pbx(read_file(data_path(f)));
    EXPECT_EQ(r.status, 200) << f << ": " << r.body;
  }
  auto ev = events(3);
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0]["data"]["id"], ev[2]["data"]["id"]);
  EXPECT_EQ(event_type(ev[2]), "telephonyCall::deleted");
  const auto& f = ev[2]["data"]["fields"];
  EXPECT_EQ(f["status"], "completed");
  EXPECT_EQ(f["direction"], "inbound");
  EXPECT_EQ(f["externalNumber"], "+15550001111");
  EXPECT_EQ(f["recordingUrl"], "https://pbx.example.com/rec/1.wav");
  EXPECT_FALSE(f["answeredAt"].is_null());
}

TEST_F(Ingest, StandardWebhooksSignedPbxRequestsAreVerified) {
  const std::string body =
      R"({"event":"NotifyStart","callId":"sw-1","direction":"Out","srcPhone":"100","dstPhone":"+1555"})";
  auto ok = post(port(), "/webhooks/pbx-signed", body,
                 standard_webhooks_headers(kPbxWhsec, "msg_1", body, now()));
  EXPECT_EQ(ok.status, 200) << ok.body;
  auto stale =
      post(port(), "/webhooks/pbx-signed", body,
           standard_webhooks_headers(kPbxWhsec, "msg_2", body, now() - std::chrono::minutes(6)));
  EXPECT_EQ(stale.status, 401);
  // The same webhook-id again is a redelivery.
  auto again = post(port(), "/webhooks/pbx-signed", body,
                    standard_webhooks_headers(kPbxWhsec, "msg_1", body, now()));
  EXPECT_EQ(nlohmann::json::parse(again.body)["status"], "duplicate");
  EXPECT_EQ(events(1).size(), 1u);
}

TEST_F(Ingest, HealthReadinessAndMetricsAnswer) {
  EXPECT_EQ(get(port(), "/healthz").status, 200);
  EXPECT_EQ(get(port(), "/readyz").status, 200);
  const auto m = get(port(), "/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("# TYPE callgate_requests_total counter"), std::string::npos);
  EXPECT_NE(m.body.find("callgate_request_duration_seconds_bucket{le=\"+Inf\"}"),
            std::string::npos);
  EXPECT_EQ(metric_value(m.body, R"(callgate_requests_total{source="",status="200"})"), 2);
}

TEST_F(Ingest, SigtermFinishesGracefullyWithExitZero) {
  EXPECT_EQ(post_pbx(read_file(data_path("voip/notify_start_in.json"))).status, 200);
  EXPECT_EQ(server->stop(), 0);
  EXPECT_NE(server->log().find("callgate stopped"), std::string::npos);
  EXPECT_EQ(read_lines(dir / "var/events.jsonl").size(), 1u);
}

}  // namespace
}  // namespace callgate::testing
