// The definition format's second generation, one feature at a time: the body as the signed token,
// unsigned sources, handshakes without a body, items, conditions on any field, time patterns and
// zones, duration units, and the YAML trap of unquoted indexes (signature templates are in
// format_signature_test.cpp).
#include <gtest/gtest.h>

#include <callgate/adapters/defined/fields.hpp>
#include <callgate/adapters/defined/provider.hpp>
#include <support/definition_signing.hpp>
#include <support/definitions.hpp>
#include <support/fixtures.hpp>

namespace callgate {
namespace {

using adapters::defined::DurationUnit;
using boost::beast::http::fields;
using core::Direction;
using core::Phase;

const TimePoint kNow = from_unix_ms(1'772'445'600'000);  // 2026-03-02T10:00:00Z

using testing::bundled_source;
using testing::code;
using testing::config_error_of;
using testing::defined_source;

// --- The body as the signed token ---

const std::string kJwtBody = R"(name: acme
keys: {secret: {type: secrets, required: false}}
signature: {scheme: jwt_body, secret: secret}
mapping:
  event_type: iss
  call_key: iat
  events: {Online JWT Builder: ringing}
)";

// Vonage's Python SDK verifies this token with this secret and rejects it with "asdf".
const std::string kSdkToken =
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJPbmxpbmUgSldUIEJ1aWxkZXIiLCJpYXQiOjE2OTc2Mz"
    "Q2ODAsImV4cCI6MzMyNTQ1NDA4MjgsImF1ZCI6IiIsInN1YiI6IiJ9.88vJc3I2HhuqEDixHXVhc9R30tA6U_HQHZTC2"
    "9y6CGM";

TEST(FormatJwtBody, VerifiesTheWholeBodyAsAnHs256TokenAndMapsItsClaims) {
  auto s = defined_source(kJwtBody, "secret: qwertyuiopasdfghjklzxcvbnm123456\n");
  const fields h;
  const std::string body = kSdkToken + "\n";  // a trailing newline is not part of the token
  const adapters::Request r{h, body, kNow};
  ASSERT_EQ(code(s->verify(r)), errc::ok);
  auto parsed = s->parse(r);
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->observations.size(), 1u);
  EXPECT_EQ(parsed->observations[0].call_key, "1697634680");
  EXPECT_EQ(parsed->observations[0].phase, Phase::ringing);
  EXPECT_EQ(code(defined_source(kJwtBody, "secret: asdf\n")->verify({h, kSdkToken, kNow})),
            errc::bad_signature);
  // alg none, with the same claims and no signature; and the claims of another token.
  const auto claims = kSdkToken.substr(kSdkToken.find('.'));
  EXPECT_EQ(
      code(s->verify({h, "eyJhbGciOiJub25lIn0" + claims.substr(0, claims.rfind('.')) + ".", kNow})),
      errc::bad_signature);
  const auto other = testing::hs256_jwt("x", R"({"iss":"Online JWT Builder","iat":1})");
  EXPECT_EQ(code(s->verify({h, other.substr(0, other.find('.')) + claims, kNow})),
            errc::bad_signature);
  EXPECT_EQ(code(s->verify({h, "", kNow})), errc::missing_signature);
}

TEST(FormatJwtBody, Rfc7515AppendixA1) {
  // RFC 7515's HS256 example: its JWK key (here as standard base64) and its token.
  const std::string def = R"(name: acme
keys: {key: secrets}
signature: {scheme: jwt_body, secret: key, secret_encoding: base64}
mapping:
  event_type: iss
  call_key: exp
  events: {joe: ringing}
)";
  auto s = defined_source(
      def,
      "key: "
      "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ+EstJQLr/T+1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow==\n");
  const std::string token =
      "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQog"
      "Imh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  const fields h;
  const adapters::Request r{h, token, kNow};
  ASSERT_EQ(code(s->verify(r)), errc::ok);
  auto parsed = s->parse(r);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->observations.at(0).call_key, "1300819380");
  const std::string flipped = token.substr(0, token.size() - 1) + "Y";
  EXPECT_EQ(code(s->verify({h, flipped, kNow})), errc::bad_signature);
}

TEST(FormatJwtBody, WithoutASecretTheBodyIsPlainJsonAndTheSourceMustSaySo) {
  EXPECT_NE(config_error_of([] {
              defined_source(kJwtBody, "");
            }).find("key 'secret': is not set: set it, or allow_unsigned: true"),
            std::string::npos);
  auto s = defined_source(kJwtBody, "", true);
  EXPECT_TRUE(s->is_unsigned());
  const fields h;
  const std::string body = R"({"iss":"Online JWT Builder","iat":7})";
  ASSERT_EQ(code(s->verify({h, body, kNow})), errc::ok);
  auto parsed = s->parse({h, body, kNow});
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->observations.at(0).call_key, "7");
}

// --- Sources without a signature ---

TEST(FormatUnsigned, SchemeNoneNeedsAllowUnsigned) {
  const std::string def = R"(name: acme
signature: {scheme: none}
mapping: {event_type: e, call_key: id, events: {start: ringing}}
)";
  EXPECT_NE(config_error_of([&] {
              defined_source(def, "");
            }).find("signs nothing: set allow_unsigned: true"),
            std::string::npos);
  auto s = defined_source(def, "", true);
  EXPECT_EQ(code(s->verify({fields{}, R"({"e":"start","id":"1"})", kNow})), errc::ok);
  EXPECT_TRUE(s->is_unsigned());
}

// --- Handshakes without a body ---

TEST(FormatHandshake, AHeaderKeyedHandshakeIsAnsweredBeforeTheBodyIsRead) {
  auto s = bundled_source("ringcentral", "verification_token: vt\n");
  fields h;
  h.set("Validation-Token", "wtdwi2y88489yr34iwegsekshwekfhsdfh");
  EXPECT_EQ(code(s->verify({h, "", kNow})), errc::missing_signature) << "its token is checked";
  h.set("Verification-Token", "vt");
  ASSERT_EQ(code(s->verify({h, "", kNow})), errc::ok);
  auto parsed = s->parse({h, "", kNow});
  ASSERT_TRUE(parsed) << parsed.error().message();
  ASSERT_TRUE(parsed->answer);
  EXPECT_EQ(parsed->answer->headers.at(0),
            std::make_pair(std::string("Validation-Token"),
                           std::string("wtdwi2y88489yr34iwegsekshwekfhsdfh")));
  EXPECT_TRUE(parsed->answer->body.empty());
}

// --- Items ---

TEST(FormatItems, EachKeptElementIsOneObservationWithItsOwnDeliveryKey) {
  const auto def =
      testing::read_file(testing::data_path("../../fuzz/corpus/definitions/feature-items.yaml"));
  auto s = defined_source(def, "token: t\n");
  const std::string body = R"({"uuid":"n-1","body":{"sessionId":"s","parties":[
    {"id":"p1","direction":"Inbound","status":{"code":"Setup"},"from":{"phoneNumber":"+1415"}},
    {"id":"p2","extensionId":"400","kind":"user","direction":"Inbound","status":{"code":"Answered"},
     "from":{"phoneNumber":"+14155550100"},"to":{"phoneNumber":"+16505550101"}},
    {"id":"p3","extensionId":"500","kind":"ivr","status":{"code":"Setup"}},
    {"id":"p4","extensionId":"401","kind":"queue","direction":"Outbound","status":{"code":"Setup"},
     "from":{"phoneNumber":"+16505550102"},"to":{"phoneNumber":"+14155550100"}}]}})";
  auto parsed = s->parse({fields{}, body, kNow});
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->observations.size(), 2u) << "p1 has no extensionId; p3's kind is not listed";
  const auto& a = parsed->observations[0];
  const auto& b = parsed->observations[1];
  EXPECT_EQ(a.call_key, "s:p2");
  EXPECT_EQ(a.phase, Phase::answered);
  EXPECT_EQ(a.external_number, "+14155550100");
  EXPECT_EQ(b.call_key, "s:p4");
  EXPECT_EQ(b.direction, Direction::outbound);
  EXPECT_EQ(b.external_number, "+14155550100");
  EXPECT_EQ(b.internal_number, "+16505550102");
  EXPECT_NE(a.dedup_key, b.dedup_key);
  // No array where the items should be: recognised, nothing to say.
  parsed = s->parse({fields{}, R"({"uuid":"n-2","body":{"sessionId":"s"}})", kNow});
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->observations.empty());
}

TEST(FormatItems, AnEventOfItsOwnMayListSeveralCalls) {
  // Zoom's recording_completed lists one recording per call: each is read, not only [0].
  auto s = bundled_source("zoom_phone", "secret_token: t\n");
  const std::string body =
      R"({"event":"phone.recording_completed","event_ts":1626230760000,"payload":{"object":{
      "recordings":[
        {"call_id":"111","direction":"inbound","caller_number":"+12058945728",
         "callee_number":"+12058945729","download_url":"https://zoom.us/r/1"},
        {"call_id":"222","direction":"outbound","caller_number":"+12058945729",
         "callee_number":"+12058945730","download_url":"https://zoom.us/r/2"}]}}})";
  auto parsed = s->parse({fields{}, body, kNow});
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->observations.size(), 2u);
  EXPECT_EQ(parsed->observations[0].call_key, "111:inbound");
  EXPECT_EQ(parsed->observations[0].recording_url, "https://zoom.us/r/1");
  EXPECT_EQ(parsed->observations[1].call_key, "222:outbound");
  EXPECT_EQ(parsed->observations[1].external_number, "+12058945730");
  EXPECT_EQ(parsed->event_type, "zoom_phone.phone.recording_completed");
  // Items at both levels cannot be: the mapping's apply to every event.
  EXPECT_NE(config_error_of([] {
              adapters::defined::load_definition(R"(name: acme
keys: {t: secrets}
signature: {scheme: bearer, secret: t}
mapping:
  items: list
  event_type: item.type
  call_key: item.id
  events:
    x: {means: update, items: other}
)",
                                                 "acme.yaml");
            }).find("key 'mapping.events.x.items': is already set for every event"),
            std::string::npos);
}

// --- Conditions on any field ---

TEST(FormatConditions, UsersAndFlagsOnlyWhenTheirConditionHolds) {
  const auto def =
      testing::read_file(testing::data_path("../../fuzz/corpus/definitions/feature-when.yaml"));
  auto s = defined_source(def, "token: t\n");
  auto one = [&](const std::string& body) {
    auto parsed = s->parse({fields{}, body, kNow});
    EXPECT_TRUE(parsed && parsed->observations.size() == 1) << body;
    return parsed->observations.at(0);
  };
  auto o = one(R"({"state":"hangup","call_id":1,"target":{"id":9,"type":"office"},"reason":"vm"})");
  EXPECT_TRUE(o.users.empty()) << "an office is not a user";
  EXPECT_FALSE(o.answered);
  EXPECT_TRUE(o.voicemail);
  o = one(R"({"state":"hangup","call_id":1,"target":{"id":9,"type":"User"},"connected":0})");
  ASSERT_EQ(o.users.size(), 1u);
  EXPECT_EQ(o.users[0].id, "9");
  EXPECT_TRUE(o.answered) << "exists holds for any value, 0 included";
  EXPECT_FALSE(o.voicemail);
}

TEST(FormatPeople, ContactsNameThePlatformsOwnContactUnderTheirModel) {
  const auto def =
      testing::read_file(testing::data_path("../../fuzz/corpus/definitions/feature-contacts.yaml"));
  auto s = defined_source(def, "token: t\n");
  auto parsed = s->parse(
      {fields{},
       R"({"state":"ringing","call_id":1,"agent":{"id":7},"contact":{"id":42,"phone":"+1 905"}})",
       kNow});
  ASSERT_TRUE(parsed && parsed->observations.size() == 1);
  const auto& o = parsed->observations[0];
  EXPECT_EQ(o.users, (std::vector<core::ResourceRef>{{"user", "7"}}));
  EXPECT_EQ(o.contacts, (std::vector<core::ResourceRef>{{"lead", "42"}}));
  parsed = s->parse({fields{}, R"({"state":"ringing","call_id":2,"contact":null})", kNow});
  ASSERT_TRUE(parsed && parsed->observations.size() == 1);
  EXPECT_TRUE(parsed->observations[0].contacts.empty()) << "no contact named, none invented";
}

// --- Times and durations ---

TEST(FormatTimes, PatternsZonesAndTheFallbackToTheReceiveTime) {
  const auto def =
      testing::read_file(testing::data_path("../../fuzz/corpus/definitions/feature-times.yaml"));
  auto time_of = [&](const std::unique_ptr<adapters::Source>& s, const std::string& form) {
    auto parsed = s->parse({fields{}, form, kNow});
    EXPECT_TRUE(parsed && parsed->observations.size() == 1) << form;
    return parsed->observations.at(0);
  };
  auto ny = defined_source(def, "token: t\n");
  // 10:00 in New York in March (EST, -5) is 15:00Z.
  EXPECT_EQ(
      format_iso8601(time_of(ny, "Status=ringing&Id=1&EndTime=2026-03-02+10%3A00%3A00").event_time),
      "2026-03-02T15:00:00.000Z");
  // Fractional seconds are read (to the millisecond).
  EXPECT_EQ(
      format_iso8601(
          time_of(ny, "Status=ringing&Id=1&EndTime=2026-07-01+10%3A00%3A00.238707").event_time),
      "2026-07-01T14:00:00.238Z");
  // A source's timezone wins over the definition's.
  auto utc = defined_source(def, "token: t\ntimezone: UTC\n");
  EXPECT_EQ(format_iso8601(
                time_of(utc, "Status=ringing&Id=1&EndTime=2026-03-02+10%3A00%3A00").event_time),
            "2026-03-02T10:00:00.000Z");
  EXPECT_NE(config_error_of([&] {
              defined_source(def, "token: t\ntimezone: Mars/Olympus\n");
            }).find("key 'timezone': is not a time zone"),
            std::string::npos);
  // Unreadable: a warning that names it, and the receive time.
  const auto o = time_of(ny, "Status=ringing&Id=1&EndTime=yesterday");
  EXPECT_EQ(o.event_time, kNow);
  ASSERT_EQ(o.warnings.size(), 2u);
  EXPECT_EQ(o.warnings[0], "feature-times: unreadable event time 'yesterday'");
  EXPECT_EQ(o.warnings[1], "feature-times: no event time; used the time callgate received it");
}

TEST(FormatTimes, ZonelessIso8601IsReadInTheTimezoneAndEachAlternativeHasItsFormat) {
  using adapters::defined::Alternative;
  using adapters::defined::TimeFormat;
  const auto* ny = adapters::defined::find_zone("America/New_York");
  Alternative iso;
  iso.format = TimeFormat::iso8601;
  EXPECT_EQ(format_iso8601(*adapters::defined::parse_time("2026-07-01T09:00:00", iso, ny)),
            "2026-07-01T13:00:00.000Z");
  EXPECT_EQ(format_iso8601(*adapters::defined::parse_time("2026-07-01 09:00:00.5", iso, nullptr)),
            "2026-07-01T09:00:00.500Z");
  EXPECT_EQ(format_iso8601(*adapters::defined::parse_time("2026-07-01T09:00:00+02:00", iso, ny)),
            "2026-07-01T07:00:00.000Z")
      << "a written offset wins over the zone";
  // Years far from now, which the fuzzers sent (nanoseconds would overflow there).
  EXPECT_EQ(format_iso8601(*adapters::defined::parse_time("1010-01-01T12:00:00", iso, nullptr)),
            "1010-01-01T12:00:00.000Z");
  EXPECT_EQ(format_iso8601(*adapters::defined::parse_time("5032-03-02 10:00:00", iso, ny)),
            "5032-03-02T15:00:00.000Z");
  Alternative pattern;
  pattern.format = TimeFormat::pattern;
  pattern.pattern = "%d/%m/%Y %H:%M %z";
  EXPECT_EQ(format_iso8601(*adapters::defined::parse_time("02/03/2026 10:00 +0100", pattern, ny)),
            "2026-03-02T09:00:00.000Z");
  EXPECT_FALSE(adapters::defined::parse_time("02/03/2026 10:00 +0100 junk", pattern, ny));
}

TEST(FormatDurations, SecondsMillisecondsAndIso8601) {
  using adapters::defined::parse_duration;
  EXPECT_EQ(parse_duration("42", DurationUnit::seconds)->count(), 42);
  EXPECT_EQ(parse_duration("42.9", DurationUnit::seconds)->count(), 42);
  EXPECT_EQ(parse_duration("20056", DurationUnit::milliseconds)->count(), 20);
  EXPECT_EQ(parse_duration("PT20.056S", DurationUnit::iso8601)->count(), 20);
  EXPECT_EQ(parse_duration("P1DT2H3M", DurationUnit::iso8601)->count(), 93780);
  EXPECT_FALSE(parse_duration("P1M", DurationUnit::iso8601)) << "a month has no fixed length";
  EXPECT_FALSE(parse_duration("PT", DurationUnit::iso8601));
  EXPECT_FALSE(parse_duration("20s", DurationUnit::seconds));
  EXPECT_FALSE(parse_duration("-5", DurationUnit::seconds));
}

// --- The YAML traps ---

TEST(FormatYaml, AnUnquotedIndexInAFlowMappingSaysToQuoteIt) {
  const std::string def = R"(name: acme
keys: {token: secrets}
signature: {scheme: bearer, secret: token}
mapping:
  event_type: type
  call_key: {field: calls[0].id}
  events: {x: ringing}
)";
  EXPECT_NE(config_error_of([&] { adapters::defined::load_definition(def, "acme.yaml"); })
                .find("acme.yaml:6: end of map flow not found (inside { } or [ ], a field path "
                      "with an index must be quoted: 'a[0].b')"),
            std::string::npos);
  auto quoted = def;
  quoted.replace(quoted.find("calls[0].id"), 11, "'calls[0].id'");
  EXPECT_EQ(config_error_of([&] { adapters::defined::load_definition(quoted, "acme.yaml"); }),
            "(no error)");
}

}  // namespace
}  // namespace callgate
