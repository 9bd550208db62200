// Signature templates of the definition format: Plivo's V3 (plivo-go's own known answers), several
// headers and lists, GET callbacks, and HTTP Basic with the user and password as two keys.
#include <gtest/gtest.h>

#include <support/definition_signing.hpp>
#include <support/definitions.hpp>

namespace callgate {
namespace {

using boost::beast::http::fields;
using testing::bundled_source;
using testing::code;

const TimePoint kNow = from_unix_ms(1'772'445'600'000);

// --- Signature templates: Plivo's V3, from plivo-go's own tests ---

const testing::FormParams kPlivoParams = {
    {"Direction", "outbound"},
    {"From", "19792014278"},
    {"ALegUUID", "3e82ae9d-2c78-4d85-b1a4-6eae7dbafb36"},
    {"ALegRequestUUID", "3e82ae9d-2c78-4d85-b1a4-6eae7dbafb36"},
    {"CallUUID", "3e82ae9d-2c78-4d85-b1a4-6eae7dbafb36"},
    {"RequestUUID", "3e82ae9d-2c78-4d85-b1a4-6eae7dbafb36"},
    {"CallStatus", "in-progress"},
    {"BillRate", "0.002"},
    {"ParentAuthID", "MANWVLYTK4ZWU1YTY4QA"},
    {"To", "sip:PlivoSignature382029104058171078704104@phone-qa.voice.plivodev.com"},
    {"SIP-H-To", "<sip:PlivoSignature382029104058171078704104@52.9.11.55;transport=udp>;tag=1"},
    {"SessionStart", "2020-04-08 11:34:33.238707"},
    {"Event", "StartApp"}};
const std::string kPlivoToken = "Y2Q2ZDgxZmY5YWRiOTI5YmQ1Njg0MTAxZWIyOTc4";
const std::string kPlivoBase =
    "https://plivobin.non-prod.plivops.com/api/v1/validate_signature03.xml";

TEST(FormatSignature, PlivoV3KnownAnswersWithAndWithoutAQuery) {
  const auto body = testing::form_body(kPlivoParams);
  fields h;
  h.set("X-Plivo-Signature-V3-Nonce", "31627761595286130198");
  h.set("X-Plivo-Signature-V3", "k7Pusd4OxCIjR5IfA9iedDNu/h/gbdYqdzG/MiYtd1c=");
  auto with_query = bundled_source(
      "plivo", "auth_token: " + kPlivoToken + "\npublic_url: " + kPlivoBase + "/?a=b&c=d\n");
  EXPECT_EQ(code(with_query->verify({h, body, kNow, "a=b&c=d"})), errc::ok);
  EXPECT_EQ(code(with_query->verify({h, body, kNow, "a=b&c=e"})), errc::bad_signature);
  h.set("X-Plivo-Signature-V3", "iAjE5QqI37mbkYe4w3jTMudqEzbDufdqi7sYwTu64e0=");
  auto plain =
      bundled_source("plivo", "auth_token: " + kPlivoToken + "\npublic_url: " + kPlivoBase + "\n");
  EXPECT_EQ(code(plain->verify({h, body, kNow})), errc::ok);
  // The independent signer agrees with both published answers.
  EXPECT_EQ(testing::plivo_v3_signature(kPlivoToken, kPlivoBase + "/?a=b&c=d", kPlivoParams,
                                        "31627761595286130198"),
            "k7Pusd4OxCIjR5IfA9iedDNu/h/gbdYqdzG/MiYtd1c=");
  EXPECT_EQ(
      testing::plivo_v3_signature(kPlivoToken, kPlivoBase, kPlivoParams, "31627761595286130198"),
      "iAjE5QqI37mbkYe4w3jTMudqEzbDufdqi7sYwTu64e0=");
}

TEST(FormatSignature, SeveralHeadersEachAListAndGetSignsItsQuery) {
  const auto body = testing::form_body(kPlivoParams);
  auto s = bundled_source("plivo", "auth_token: [main-account-token, " + kPlivoToken +
                                       "]\npublic_url: " + kPlivoBase + "\n");
  fields h;
  h.set("X-Plivo-Signature-V3-Nonce", "31627761595286130198");
  h.set("X-Plivo-Signature-Ma-V3", "bm90LWl0, iAjE5QqI37mbkYe4w3jTMudqEzbDufdqi7sYwTu64e0=");
  EXPECT_EQ(code(s->verify({h, body, kNow})), errc::ok) << "the -Ma-V3 header alone, a list";
  h.erase("X-Plivo-Signature-Ma-V3");
  EXPECT_EQ(code(s->verify({h, body, kNow})), errc::missing_signature);
  // A GET: the query is the form, and what is signed.
  const std::string query = "CallUUID=u-1&CallStatus=ringing&Direction=inbound&From=14155550100";
  h.set("X-Plivo-Signature-V3", testing::plivo_v3_signature(kPlivoToken, kPlivoBase + "?" + query,
                                                            {}, "31627761595286130198", true));
  adapters::Request get{h, "", kNow, query, true};
  EXPECT_EQ(code(s->verify(get)), errc::ok);
  EXPECT_TRUE(s->accepts_get());
  auto parsed = s->parse(get);
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->observations.size(), 1u);
  EXPECT_EQ(parsed->observations[0].call_key, "u-1");
  EXPECT_EQ(parsed->observations[0].external_number, "+14155550100");
  const std::string longer = query + "&To=1";  // a query the signature did not cover
  get.query = longer;
  EXPECT_EQ(code(s->verify(get)), errc::bad_signature);
}

TEST(FormatSignature, BasicWithTheUserAndPasswordAsTwoKeys) {
  // RFC 7617's example: Aladdin / open sesame.
  auto s = bundled_source("bandwidth", "username: Aladdin\npassword: open sesame\n");
  fields h;
  h.set("Authorization", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  EXPECT_EQ(code(s->verify({h, "{}", kNow})), errc::ok);
  h.set("Authorization", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZR==");
  EXPECT_EQ(code(s->verify({h, "{}", kNow})), errc::bad_signature);
}

}  // namespace
}  // namespace callgate
