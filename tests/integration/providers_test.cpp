// The bundled provider definitions and a user's own, through the real binary over HTTP: in
// order, out of order, duplicated, tampered, stale, and the validation handshake.
#include <algorithm>
#include <integration/gateway.hpp>
#include <support/definition_signing.hpp>

namespace callgate::testing {
namespace {

const std::string kVonageSecret = "qwertyuiopasdfghjklzxcvbnm123456";

class Providers : public Gateway {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir / "providers");
    std::ofstream(dir / "providers" / "acme.yaml") << R"(# a platform callgate does not bundle
name: acme_pbx
keys: {api_key: secrets}
signature: {scheme: hmac, algorithm: sha256, encoding: hex, secret: api_key, header: X-Acme-Signature, content: "{body}"}
mapping:
  event_type: event
  call_key: call.uuid
  event_time: {field: time, format: epoch_seconds}
  direction: {field: call.direction, map: {IN: inbound, OUT: outbound}}
  from: call.from
  to: call.to
  events: {ring: ringing, pickup: answered, hangup: ended}
)";
    start(config_yaml("sqlite", "provider_paths: [providers]\n",
                      "  twilio:\n    provider: twilio\n    auth_token: " + kTwilioToken +
                          "\n    public_url: " + kTwilioUrl +
                          "\n"
                          "  vonage:\n    provider: vonage\n    signature_secret: " +
                          kVonageSecret +
                          "\n"
                          "  zoom:\n    provider: zoom_phone\n    secret_token: " +
                          kZoomSecret +
                          "\n"
                          "  acme:\n    provider: acme_pbx\n    api_key: acme-key\n"));
  }

  HttpResult post_twilio(const FormParams& p, const std::string& query = "") {
    const auto url = kTwilioUrl + (query.empty() ? "" : "?" + query);
    return post(port(), "/webhooks/twilio" + (query.empty() ? "" : "?" + query), form_body(p),
                twilio_headers(kTwilioToken, url, p));
  }
  HttpResult post_vonage(const std::string& body, TimePoint iat = now()) {
    return post(port(), "/webhooks/vonage", body, vonage_headers(kVonageSecret, body, iat));
  }
  HttpResult post_zoom(const std::string& body, TimePoint t = now()) {
    return post(port(), "/webhooks/zoom", body, zoom_headers(kZoomSecret, body, t));
  }
  static std::string status_of(const HttpResult& r) {
    return nlohmann::json::parse(r.body).value("status", "");
  }
  /** Events of one call (by its unified id), in the order the sink wrote them. */
  static std::vector<nlohmann::json> of_call(const std::vector<nlohmann::json>& ev,
                                             const std::string& id) {
    std::vector<nlohmann::json> out;
    for (const auto& e : ev)
      if (e["data"]["id"] == id) out.push_back(e);
    return out;
  }
  static std::size_t count(const std::vector<nlohmann::json>& ev, const std::string& type) {
    return static_cast<std::size_t>(
        std::count_if(ev.begin(), ev.end(), [&](const auto& e) { return event_type(e) == type; }));
  }
  /** The final fields of the call of the first event, which must have exactly one created and
   * one deleted, however its provider events arrived. */
  static nlohmann::json final_fields_of_first_call(const std::vector<nlohmann::json>& ev) {
    if (ev.empty()) return {};
    const auto call = of_call(ev, ev[0]["data"]["id"]);
    EXPECT_EQ(count(call, "telephonyCall::created"), 1u);
    EXPECT_EQ(count(call, "telephonyCall::deleted"), 1u);
    return call.back()["data"]["fields"];
  }
};

FormParams twilio(const std::string& sid, const std::string& status, const std::string& timestamp,
                  const std::string& duration = "") {
  FormParams p = {{"AccountSid", "AC0000000000000000000000000000000"},
                  {"ApiVersion", "2010-04-01"},
                  {"CallSid", sid},
                  {"CallStatus", status},
                  {"Called", "+14155552671"},
                  {"Caller", "+15005550006"},
                  {"Direction", "inbound"},
                  {"From", "+15005550006"},
                  {"To", "+14155552671"},
                  {"CallbackSource", "call-progress-events"},
                  {"Timestamp", timestamp}};
  if (!duration.empty()) p.emplace_back("CallDuration", duration);
  return p;
}

TEST_F(Providers, TwilioInOrderDuplicatedAndOutOfOrderGiveOneCreatedAndOneDeleted) {
  // In order, with a query string on the callback URL (signed with it).
  EXPECT_EQ(
      post_twilio(twilio("CA1", "ringing", "Tue, 14 Aug 2018 17:19:00 +0000"), "leg=a").status,
      200);
  EXPECT_EQ(post_twilio(twilio("CA1", "in-progress", "Tue, 14 Aug 2018 17:19:05 +0000")).status,
            200);
  const auto done = twilio("CA1", "completed", "Tue, 14 Aug 2018 17:19:47 +0000", "42");
  EXPECT_EQ(status_of(post_twilio(done)), "accepted");
  EXPECT_EQ(status_of(post_twilio(done)), "duplicate");
  // Out of order: the end first, then the ring, for another call that nobody answered.
  EXPECT_EQ(post_twilio(twilio("CA2", "no-answer", "Tue, 14 Aug 2018 18:00:30 +0000", "0")).status,
            200);
  EXPECT_EQ(post_twilio(twilio("CA2", "ringing", "Tue, 14 Aug 2018 18:00:00 +0000")).status, 200);
  auto ev = events(5);
  ASSERT_GE(ev.size(), 5u);
  ev = events(100, kQuiet);
  auto f = final_fields_of_first_call(ev);
  EXPECT_EQ(f["status"], "completed");
  EXPECT_EQ(f["duration"], 42);
  EXPECT_EQ(f["direction"], "inbound");
  EXPECT_EQ(f["externalNumber"], "+15005550006");
  EXPECT_EQ(f["answeredAt"], "2018-08-14T17:19:05.000Z");
  std::string second_id;
  for (const auto& e : ev)
    if (e["data"]["id"] != ev[0]["data"]["id"]) second_id = e["data"]["id"];
  const auto second = of_call(ev, second_id);
  EXPECT_EQ(count(second, "telephonyCall::created"), 1u);
  EXPECT_EQ(count(second, "telephonyCall::deleted"), 1u);
  f = second.back()["data"]["fields"];
  EXPECT_EQ(f["status"], "missed");
  EXPECT_EQ(f["startedAt"], "2018-08-14T18:00:00.000Z");
}

TEST_F(Providers, TwilioRefusesTamperedAndUnsignedRequests) {
  auto p = twilio("CA9", "ringing", "Tue, 14 Aug 2018 17:19:00 +0000");
  auto headers = twilio_headers(kTwilioToken, kTwilioUrl, p);
  p[1].second = "AC1111111111111111111111111111111";
  EXPECT_EQ(post(port(), "/webhooks/twilio", form_body(p), headers).status, 401);
  EXPECT_EQ(post(port(), "/webhooks/twilio", form_body(p)).status, 401);
  // Signed for another URL than the one configured.
  EXPECT_EQ(post(port(), "/webhooks/twilio", form_body(p),
                 twilio_headers(kTwilioToken, "https://evil.example.com/x", p))
                .status,
            401);
  EXPECT_EQ(
      metric_value(
          metrics(),
          R"(callgate_verification_failures_total{source="twilio",reason="signature does not match"})"),
      2);
  EXPECT_EQ(events(1, kQuiet).size(), 0u);
}

TEST_F(Providers, VonageOutOfOrderAndDuplicatedLegsAndStaleTokens) {
  const auto read = [](const char* f) { return read_file(data_path(f)); };
  // The end arrives first; the rest follow, one of them twice.
  for (const char* f : {"vonage/completed.json", "vonage/started.json", "vonage/answered.json",
                        "vonage/answered.json", "vonage/ringing.json"})
    EXPECT_EQ(post_vonage(read(f)).status, 200) << f;
  EXPECT_EQ(status_of(post_vonage(read("vonage/record.json"))), "ignored");
  // A call that is never answered: completed with duration 0 is missed.
  EXPECT_EQ(post_vonage(read("vonage/unanswered_started.json")).status, 200);
  EXPECT_EQ(post_vonage(read("vonage/unanswered_completed.json")).status, 200);
  // A token older than the tolerance, and a token for another body.
  const auto body = read("vonage/ringing.json");
  EXPECT_EQ(post_vonage(body, now() - std::chrono::seconds(600)).status, 401);
  EXPECT_EQ(post(port(), "/webhooks/vonage", body + " ", vonage_headers(kVonageSecret, body, now()))
                .status,
            401);
  auto ev = events(4);
  ev = events(100, kQuiet);
  const auto f = final_fields_of_first_call(ev);
  EXPECT_EQ(f["status"], "completed");
  EXPECT_EQ(f["duration"], 60);
  EXPECT_EQ(f["externalNumber"], "+447700900000");
  EXPECT_EQ(f["startedAt"], "2020-01-01T12:00:00.000Z");
  const auto last = ev.back()["data"];
  EXPECT_NE(last["id"], ev[0]["data"]["id"]);
  EXPECT_EQ(last["fields"]["status"], "missed");
  EXPECT_EQ(
      metric_value(
          metrics(),
          R"(callgate_rejections_total{source="vonage",reason="timestamp outside tolerance"})"),
      1);
}

TEST_F(Providers, ZoomHandshakeShuffledEventsVoicemailAndStaleRequests) {
  // The documented challenge, signed: answered with the documented encrypted token.
  const auto challenge = read_file(data_path("zoom/url_validation.json"));
  auto r = post_zoom(challenge);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(nlohmann::json::parse(r.body)["encryptedToken"],
            "70c1f2e2e6ca2d39297490d1f9142c7d701415ea8e6151f6562a08fa657a40ff");
  // Unsigned, nobody gets callgate to HMAC their text.
  EXPECT_EQ(post(port(), "/webhooks/zoom", challenge).status, 401);
  EXPECT_EQ(post_zoom(challenge, now() - std::chrono::seconds(301)).status, 401);

  for (const char* f :
       {"zoom/callee_ended.json", "zoom/callee_ringing.json", "zoom/callee_answered.json",
        "zoom/callee_ended.json", "zoom/recording_completed.json"})
    EXPECT_EQ(post_zoom(read_file(data_path(f))).status, 200) << f;
  EXPECT_EQ(status_of(post_zoom(read_file(data_path("zoom/callee_hold.json")))), "ignored");
  for (const char* f : {"zoom/voicemail_ringing.json", "zoom/voicemail_ended.json"})
    EXPECT_EQ(post_zoom(read_file(data_path(f))).status, 200) << f;
  auto ev = events(4);
  ev = events(100, kQuiet);
  const auto f = final_fields_of_first_call(ev);
  EXPECT_EQ(f["status"], "completed");
  EXPECT_EQ(f["duration"], 55);
  EXPECT_EQ(f["direction"], "inbound");
  EXPECT_EQ(f["recordingUrl"], "https://zoom.us/v2/phone/recording/download/ab12cd34");
  EXPECT_EQ(f["users"][0]["id"], "DnEopNmXQEGU2uvvzjgojw");
  EXPECT_EQ(ev.back()["data"]["fields"]["status"], "voicemail");
  EXPECT_EQ(metric_value(metrics(), R"(callgate_handshakes_total{source="zoom"})"), 1);
}

TEST_F(Providers, AUsersOwnDefinitionWorksLikeABundledOne) {
  const std::string ring =
      R"({"event":"ring","time":1700000000,"call":{"uuid":"u-1","direction":"IN","from":"+4930111","to":"+4930222"}})";
  const std::string hangup =
      R"({"event":"hangup","time":1700000030,"call":{"uuid":"u-1","direction":"IN"}})";
  auto sign = [](const std::string& body) {
    boost::beast::http::fields h;
    h.set("X-Acme-Signature", to_hex_hmac_sha256("acme-key", body));
    return h;
  };
  EXPECT_EQ(post(port(), "/webhooks/acme", ring, sign(ring)).status, 200);
  EXPECT_EQ(post(port(), "/webhooks/acme", hangup, sign(hangup)).status, 200);
  EXPECT_EQ(post(port(), "/webhooks/acme", hangup, sign(ring)).status, 401);
  EXPECT_EQ(
      status_of(post(port(), "/webhooks/acme", R"({"event":"dtmf"})", sign(R"({"event":"dtmf"})"))),
      "ignored");
  auto ev = events(2);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(event_type(ev[1]), "telephonyCall::deleted");
  EXPECT_EQ(ev[1]["data"]["fields"]["status"], "missed");
  EXPECT_EQ(ev[1]["data"]["fields"]["externalNumber"], "+4930111");
}

}  // namespace
}  // namespace callgate::testing
