// The bundled definitions (Twilio, Vonage, Zoom Phone) against the platforms' published
// known-answer vectors and documented payloads. Sources are made exactly as a config makes them.
#include <gtest/gtest.h>

#include <callgate/adapters/source.hpp>
#include <callgate/verify/jwt.hpp>
#include <support/definition_signing.hpp>
#include <support/fixtures.hpp>

namespace callgate {
namespace {

using boost::beast::http::fields;
using core::Direction;
using core::Phase;
using testing::FormParams;

const TimePoint kNow = from_unix_ms(1'700'000'000'000);

/** A source of provider `provider` configured by the YAML lines of `keys`. */
std::unique_ptr<adapters::Source> source(const std::string& provider, const std::string& keys) {
  static const adapters::Registry registry = [] {
    adapters::Registry r;
    adapters::register_builtin_providers(r);
    return r;
  }();
  const auto node = yaml::load_yaml_text("provider: " + provider + "\n" + keys, "test.yaml");
  node.string("provider");
  auto s = registry.find(provider)->create(node, {provider, false});
  node.finish();
  return s;
}

errc code(const result<void>& r) { return r ? errc::ok : static_cast<errc>(r.error().value()); }
template <class T>
errc code(const result<T>& r) {
  return r ? errc::ok : static_cast<errc>(r.error().value());
}

std::string fixture(const std::string& name) {
  return testing::read_file(testing::data_path(name));
}

// --- Twilio ---

const FormParams kTwilioDocParams = {{"CallSid", "CA1234567890ABCDE"},
                                     {"Caller", "+12349013030"},
                                     {"Digits", "1234"},
                                     {"From", "+12349013030"},
                                     {"To", "+18005551212"}};

TEST(TwilioDefinition, AcceptsTheExampleFromTwilioSecurityDocs) {
  // Twilio's docs: token 12345, this URL and these parameters sign to 0/KCTR6DLpKmkAf8muzZqo1nDgQ=
  auto s = source("twilio", "auth_token: '12345'\npublic_url: https://mycompany.com/myapp.php\n");
  fields h;
  h.set("X-Twilio-Signature", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
  const auto body = testing::form_body(kTwilioDocParams);
  // The query string Twilio called with is appended to the configured public URL.
  EXPECT_EQ(code(s->verify({h, body, kNow, "foo=1&bar=2"})), errc::ok);
  EXPECT_EQ(code(s->verify({h, body, kNow, "foo=1&bar=3"})), errc::bad_signature);
  EXPECT_EQ(code(s->verify({h, body + "&Extra=1", kNow, "foo=1&bar=2"})), errc::bad_signature);
  // The independent signer agrees with the published answer.
  EXPECT_EQ(testing::twilio_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2",
                                      kTwilioDocParams),
            "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
}

TEST(TwilioDefinition, ChecksEveryTokenWhileRotatingAndRefusesAMissingHeader) {
  auto s = source("twilio",
                  "auth_token: [new-token, '12345']\npublic_url: "
                  "https://mycompany.com/myapp.php?foo=1&bar=2\n");
  fields h;
  h.set("X-Twilio-Signature", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
  const auto body = testing::form_body(kTwilioDocParams);
  EXPECT_EQ(code(s->verify({h, body, kNow})), errc::ok);
  EXPECT_EQ(code(s->verify({fields{}, body, kNow})), errc::missing_signature);
}

TEST(TwilioDefinition, MapsStatusCallbacksByDirectionAndDuration) {
  auto s = source("twilio", "auth_token: t\npublic_url: https://hooks.example.com/twilio\n");
  const FormParams completed = {{"CallSid", "CA42"},
                                {"CallStatus", "completed"},
                                {"Direction", "outbound-api"},
                                {"From", "+15005550006"},
                                {"To", "+14155552671"},
                                {"CallDuration", "42"},
                                {"Duration", "1"},
                                {"Timestamp", "Tue, 14 Aug 2018 17:19:38 +0000"}};
  auto r = s->parse({fields{}, testing::form_body(completed), kNow});
  ASSERT_EQ(code(r), errc::ok);
  ASSERT_EQ(r->observations.size(), 1u);
  const auto& o = r->observations[0];
  EXPECT_EQ(o.call_key, "CA42");
  EXPECT_EQ(o.phase, Phase::ended);
  EXPECT_EQ(o.direction, Direction::outbound);
  EXPECT_EQ(o.external_number, "+14155552671");
  EXPECT_EQ(o.internal_number, "+15005550006");
  EXPECT_EQ(format_iso8601(*o.ended_at), "2018-08-14T17:19:38.000Z");
  // Only `completed` was sent: answered, and answeredAt is the end less CallDuration.
  EXPECT_TRUE(o.answered);
  EXPECT_EQ(format_iso8601(*o.answered_at), "2018-08-14T17:18:56.000Z");

  const FormParams busy = {{"CallSid", "CA43"},      {"CallStatus", "busy"},
                           {"Direction", "inbound"}, {"From", "+15005550006"},
                           {"To", "+14155552671"},   {"CallDuration", "0"}};
  r = s->parse({fields{}, testing::form_body(busy), kNow});
  ASSERT_EQ(code(r), errc::ok);
  EXPECT_EQ(r->observations[0].phase, Phase::ended);
  EXPECT_FALSE(r->observations[0].answered);
  EXPECT_EQ(r->observations[0].external_number, "+15005550006");
  EXPECT_EQ(format_iso8601(r->observations[0].event_time), format_iso8601(kNow));

  const FormParams recording = {{"CallSid", "CA42"},
                                {"RecordingStatus", "completed"},
                                {"RecordingUrl", "https://api.twilio.com/rec/RE1"},
                                {"RecordingSid", "RE1"}};
  r = s->parse({fields{}, testing::form_body(recording), kNow});
  ASSERT_EQ(code(r), errc::ok);
  EXPECT_EQ(r->event_type, "twilio.recording.completed");
  EXPECT_EQ(r->observations[0].phase, Phase::other);
  EXPECT_EQ(r->observations[0].recording_url, "https://api.twilio.com/rec/RE1");
}

// --- Vonage ---

TEST(VonageDefinition, VerifiesTheVonageSdkTokenAndRefusesAnotherSecret) {
  const std::string token =
      "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJPbmxpbmUgSldUIEJ1aWxkZXIiLCJpYXQiOjE2OTc2Mz"
      "Q2ODAsImV4cCI6MzMyNTQ1NDA4MjgsImF1ZCI6IiIsInN1YiI6IiJ9.88vJc3I2HhuqEDixHXVhc9R30tA6U_"
      "HQHZTC29y6CGM";
  auto claims = verify::verify_jwt_hs256(token, "qwertyuiopasdfghjklzxcvbnm123456");
  ASSERT_EQ(code(claims), errc::ok);
  EXPECT_EQ((*claims)["iss"], "Online JWT Builder");
  EXPECT_EQ((*claims)["iat"], 1697634680);
  EXPECT_EQ(code(verify::verify_jwt_hs256(token, "asdf")), errc::bad_signature);
  // An unsigned token ("alg":"none") is never taken.
  const std::string none =
      "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.eyJpc3MiOiJPbmxpbmUgSldUIEJ1aWxkZXIifQ.";
  EXPECT_EQ(code(verify::verify_jwt_hs256(none, "asdf")), errc::bad_signature);
}

TEST(VonageDefinition, HoldsTheTokenToTheBodyAndToItsIat) {
  const std::string secret = "qwertyuiopasdfghjklzxcvbnm123456";
  auto s = source("vonage", "signature_secret: " + secret + "\n");
  const auto body = fixture("vonage/answered.json");
  EXPECT_EQ(code(s->verify({testing::vonage_headers(secret, body, kNow), body, kNow})), errc::ok);
  // The same token on another body: payload_hash differs.
  EXPECT_EQ(code(s->verify({testing::vonage_headers(secret, body, kNow), body + " ", kNow})),
            errc::bad_signature);
  EXPECT_EQ(code(s->verify({testing::vonage_headers("asdf", body, kNow), body, kNow})),
            errc::bad_signature);
  EXPECT_EQ(code(s->verify({testing::vonage_headers(secret, body, kNow - std::chrono::seconds(301)),
                            body, kNow})),
            errc::stale_timestamp);
  EXPECT_EQ(code(s->verify({fields{}, body, kNow})), errc::missing_signature);
}

TEST(VonageDefinition, CompletedIsAnsweredOnlyWithADuration) {
  auto s = source("vonage", "signature_secret: x\n");
  auto r = s->parse({fields{}, fixture("vonage/completed.json"), kNow});
  ASSERT_EQ(code(r), errc::ok);
  const auto& o = r->observations[0];
  EXPECT_EQ(o.call_key, "aaaaaaaa-bbbb-cccc-dddd-0123456789ab");
  EXPECT_EQ(o.phase, Phase::ended);
  EXPECT_TRUE(o.answered);
  EXPECT_EQ(o.external_number, "+447700900000");  // Vonage leaves out the '+'
  EXPECT_EQ(o.internal_number, "+447700900001");
  EXPECT_EQ(format_iso8601(*o.answered_at), "2020-01-01T12:00:05.000Z");
  EXPECT_EQ(format_iso8601(*o.ended_at), "2020-01-01T12:01:05.000Z");

  r = s->parse({fields{}, fixture("vonage/unanswered_completed.json"), kNow});
  ASSERT_EQ(code(r), errc::ok);
  EXPECT_FALSE(r->observations[0].answered);
  EXPECT_EQ(r->observations[0].phase, Phase::ended);

  // A record callback has no status (and no uuid): recognised, changes nothing.
  r = s->parse({fields{}, fixture("vonage/record.json"), kNow});
  ASSERT_EQ(code(r), errc::ok);
  EXPECT_TRUE(r->observations.empty());
}

// --- Zoom Phone ---

TEST(ZoomPhoneDefinition, AnswersTheDocumentedUrlValidationAfterVerifyingIt) {
  auto s = source("zoom_phone", "secret_token: secretValueTest\n");
  const auto body = fixture("zoom/url_validation.json");
  const auto signed_headers = testing::zoom_headers("secretValueTest", body, kNow);
  ASSERT_EQ(code(s->verify({signed_headers, body, kNow})), errc::ok);
  auto r = s->parse({signed_headers, body, kNow});
  ASSERT_EQ(code(r), errc::ok);
  ASSERT_TRUE(r->answer);
  EXPECT_TRUE(r->observations.empty());
  EXPECT_EQ(r->answer->body,
            R"({"plainToken":"qgg8vlvZRS6UYooatFL8Aw","encryptedToken":")"
            R"(70c1f2e2e6ca2d39297490d1f9142c7d701415ea8e6151f6562a08fa657a40ff"})");
  // Unsigned, the same request is refused before anything is answered.
  EXPECT_EQ(code(s->verify({fields{}, body, kNow})), errc::missing_signature);
}

TEST(ZoomPhoneDefinition, RefusesATamperedBodyAndAStaleTimestamp) {
  auto s = source("zoom_phone", "secret_token: secretValueTest\n");
  const auto body = fixture("zoom/callee_ringing.json");
  EXPECT_EQ(code(s->verify({testing::zoom_headers("secretValueTest", body, kNow), body, kNow})),
            errc::ok);
  auto tampered = body;
  tampered.replace(tampered.find("+12058945728"), 12, "+19998887777");
  EXPECT_EQ(code(s->verify({testing::zoom_headers("secretValueTest", body, kNow), tampered, kNow})),
            errc::bad_signature);
  EXPECT_EQ(code(s->verify(
                {testing::zoom_headers("secretValueTest", body, kNow - std::chrono::seconds(400)),
                 body, kNow})),
            errc::stale_timestamp);
}

TEST(ZoomPhoneDefinition, MapsCalleeEventsAsTheInboundSideAndIgnoresHold) {
  auto s = source("zoom_phone", "secret_token: x\n");
  auto r = s->parse({fields{}, fixture("zoom/callee_ringing.json"), kNow});
  ASSERT_EQ(code(r), errc::ok);
  auto o = r->observations.at(0);
  EXPECT_EQ(o.call_key, "6998252113337041462:inbound");
  EXPECT_EQ(o.direction, Direction::inbound);
  EXPECT_EQ(o.external_number, "+12058945728");
  EXPECT_EQ(o.internal_number, "+12058945729");
  ASSERT_EQ(o.users.size(), 1u);
  EXPECT_EQ(o.users[0].id, "DnEopNmXQEGU2uvvzjgojw");
  EXPECT_EQ(format_iso8601(o.event_time), "2021-07-14T02:44:51.572Z");
  EXPECT_EQ(format_iso8601(*o.started_at), "2021-07-14T02:44:51.000Z");

  r = s->parse({fields{}, fixture("zoom/callee_ended.json"), kNow});
  o = r->observations.at(0);
  EXPECT_EQ(o.phase, Phase::ended);
  EXPECT_EQ(format_iso8601(*o.answered_at), "2021-07-14T02:44:56.000Z");
  EXPECT_EQ(format_iso8601(*o.ended_at), "2021-07-14T02:45:51.000Z");
  EXPECT_FALSE(o.voicemail);

  r = s->parse({fields{}, fixture("zoom/voicemail_ended.json"), kNow});
  EXPECT_TRUE(r->observations.at(0).voicemail);
  EXPECT_FALSE(r->observations.at(0).answered_at);

  r = s->parse({fields{}, fixture("zoom/recording_completed.json"), kNow});
  o = r->observations.at(0);
  EXPECT_EQ(o.call_key, "6998252113337041462:inbound");
  EXPECT_EQ(o.recording_url, "https://zoom.us/v2/phone/recording/download/ab12cd34");

  r = s->parse({fields{}, fixture("zoom/callee_hold.json"), kNow});
  ASSERT_EQ(code(r), errc::ok);
  EXPECT_TRUE(r->observations.empty());
  EXPECT_EQ(r->event_type, "zoom_phone.phone.callee_hold");
}

}  // namespace
}  // namespace callgate
