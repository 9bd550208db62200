// Every verifier against the known-answer vectors in shared/REFERENCE.md, then the ways a
// request can fail: missing, garbled, duplicated, wrong body, stale in either direction.
#include <gtest/gtest.h>
#include <sodium.h>

#include <callgate/verify/bearer.hpp>
#include <callgate/verify/standard_webhooks.hpp>
#include <callgate/verify/telnyx.hpp>
#include <callgate/verify/webex.hpp>
#include <support/signing.hpp>

namespace callgate {
namespace {

using boost::beast::http::fields;

std::string unhex(std::string_view hex) {
  std::string out(hex.size() / 2, '\0');
  sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), hex.data(), hex.size(),
                 nullptr, nullptr, nullptr);
  return out;
}

errc code(const result<void>& r) { return r ? errc::ok : static_cast<errc>(r.error().value()); }

TEST(Webex, HmacSha1MatchesRfc2202Case1) {
  EXPECT_EQ(verify::hmac_sha1_hex(std::string(20, '\x0b'), "Hi There"),
            "b617318655057264e28bc0b6fb378c8ef146be00");
}

TEST(Webex, AcceptsTheRightSignatureUnderAnyRotatedSecret) {
  const std::string body = R"({"resource":"telephony_calls"})";
  fields h;
  h.set("X-Spark-Signature", verify::hmac_sha1_hex("new", body));
  EXPECT_EQ(code(verify::verify_webex(h, body, {"old", "new"})), errc::ok);
  h.set("X-Spark-Signature", verify::hmac_sha1_hex("new", body) /* uppercase too */);
  std::string upper = verify::hmac_sha1_hex("new", body);
  for (auto& c : upper) c = static_cast<char>(std::toupper(c));
  h.set("X-Spark-Signature", upper);
  EXPECT_EQ(code(verify::verify_webex(h, body, {"new"})), errc::ok);
}

TEST(Webex, RefusesMissingWrongGarbledAndDuplicatedSignatures) {
  const std::string body = R"({"a":1})";
  fields none;
  EXPECT_EQ(code(verify::verify_webex(none, body, {"s"})), errc::missing_signature);
  fields wrong;
  wrong.set("X-Spark-Signature", verify::hmac_sha1_hex("other", body));
  EXPECT_EQ(code(verify::verify_webex(wrong, body, {"s"})), errc::bad_signature);
  fields other_body;
  other_body.set("X-Spark-Signature", verify::hmac_sha1_hex("s", R"({"a":2})"));
  EXPECT_EQ(code(verify::verify_webex(other_body, body, {"s"})), errc::bad_signature);
  fields garbled;
  garbled.set("X-Spark-Signature", "zz" + verify::hmac_sha1_hex("s", body).substr(2));
  EXPECT_EQ(code(verify::verify_webex(garbled, body, {"s"})), errc::bad_signature);
  fields truncated;
  truncated.set("X-Spark-Signature", verify::hmac_sha1_hex("s", body).substr(0, 38));
  EXPECT_EQ(code(verify::verify_webex(truncated, body, {"s"})), errc::bad_signature);
  fields twice;
  twice.insert("X-Spark-Signature", verify::hmac_sha1_hex("s", body));
  twice.insert("X-Spark-Signature", verify::hmac_sha1_hex("s", body));
  EXPECT_EQ(code(verify::verify_webex(twice, body, {"s"})), errc::bad_signature);
}

TEST(Telnyx, Ed25519MatchesRfc8032Test1) {
  const auto key = verify::Ed25519PublicKey{
      unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")};
  const auto sig = unhex(
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9"
      "b46bd25bf5f0595bbe24655141438e7a100b");
  EXPECT_TRUE(verify::ed25519_verify(key, "", sig));
  EXPECT_FALSE(verify::ed25519_verify(key, "x", sig));
  auto flipped = sig;
  flipped[0] ^= 1;
  EXPECT_FALSE(verify::ed25519_verify(key, "", flipped));
}

TEST(Telnyx, PublicKeyMustBe32BytesOfBase64) {
  EXPECT_TRUE(verify::Ed25519PublicKey::from_base64(verify::base64_encode(std::string(32, 'k'))));
  EXPECT_FALSE(verify::Ed25519PublicKey::from_base64(verify::base64_encode(std::string(31, 'k'))));
  EXPECT_FALSE(verify::Ed25519PublicKey::from_base64("not base64!"));
}

class TelnyxVerify : public ::testing::Test {
 protected:
  testing::TelnyxKeys keys;
  std::vector<verify::Ed25519PublicKey> trusted{
      *verify::Ed25519PublicKey::from_base64(keys.public_key_base64())};
  const std::string body = R"({"data":{"event_type":"call.initiated"}})";
  const TimePoint now = from_unix_ms(1'700'000'000'000);
  const std::chrono::seconds tolerance{300};
};

TEST_F(TelnyxVerify, AcceptsASignedFreshRequest) {
  EXPECT_EQ(code(verify::verify_telnyx(keys.sign(body, now), body, trusted, tolerance, now)),
            errc::ok);
  // 299 s early or late is still inside the window.
  EXPECT_EQ(code(verify::verify_telnyx(keys.sign(body, now - std::chrono::seconds(299)), body,
                                       trusted, tolerance, now)),
            errc::ok);
}

TEST_F(TelnyxVerify, RefusesStaleTimestampsInBothDirections) {
  EXPECT_EQ(code(verify::verify_telnyx(keys.sign(body, now - std::chrono::seconds(301)), body,
                                       trusted, tolerance, now)),
            errc::stale_timestamp);
  EXPECT_EQ(code(verify::verify_telnyx(keys.sign(body, now + std::chrono::seconds(301)), body,
                                       trusted, tolerance, now)),
            errc::stale_timestamp);
}

TEST_F(TelnyxVerify, RefusesOtherKeysOtherBodiesAndMovedTimestamps) {
  testing::TelnyxKeys stranger;
  EXPECT_EQ(code(verify::verify_telnyx(stranger.sign(body, now), body, trusted, tolerance, now)),
            errc::bad_signature);
  EXPECT_EQ(code(verify::verify_telnyx(keys.sign(body, now), body + " ", trusted, tolerance, now)),
            errc::bad_signature);
  auto h = keys.sign(body, now);
  h.set("telnyx-timestamp", std::to_string(to_unix_ms(now) / 1000 + 1));  // not what was signed
  EXPECT_EQ(code(verify::verify_telnyx(h, body, trusted, tolerance, now)), errc::bad_signature);
  h = keys.sign(body, now);
  h.set("telnyx-signature-ed25519", "%%%");
  EXPECT_EQ(code(verify::verify_telnyx(h, body, trusted, tolerance, now)), errc::bad_signature);
  fields missing;
  missing.set("telnyx-timestamp", "1700000000");
  EXPECT_EQ(code(verify::verify_telnyx(missing, body, trusted, tolerance, now)),
            errc::missing_signature);
}

TEST(StandardWebhooks, MatchesThePublishedVectors) {
  struct Vector {
    const char* secret;
    const char* id;
    const char* ts;
    const char* body;
    const char* expected;
  };
  for (const auto& v :
       {Vector{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
               "1614265330", R"({"test": 2432232314})",
               "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="},
        Vector{"whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
               "1649367553", R"({"email":"test@example.com","username":"test_user"})",
               "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="}}) {
    const auto secret = verify::StandardWebhooksSecret::parse(v.secret);
    ASSERT_TRUE(secret);
    EXPECT_EQ(verify::standard_webhooks_sign(*secret, v.id, v.ts, v.body), v.expected);
    fields h;
    h.set("webhook-id", v.id);
    h.set("webhook-timestamp", v.ts);
    h.set("webhook-signature", std::string("v1,bm90IHRoZSBzaWduYXR1cmU= ") + v.expected);
    const auto at = *parse_unix_seconds(v.ts);
    EXPECT_EQ(
        code(verify::verify_standard_webhooks(h, v.body, {*secret}, std::chrono::seconds(300), at)),
        errc::ok);
    EXPECT_EQ(code(verify::verify_standard_webhooks(h, v.body, {*secret}, std::chrono::seconds(300),
                                                    at + std::chrono::seconds(301))),
              errc::stale_timestamp);
    h.set("webhook-signature", "v1,bm90IHRoZSBzaWduYXR1cmU=");
    EXPECT_EQ(
        code(verify::verify_standard_webhooks(h, v.body, {*secret}, std::chrono::seconds(300), at)),
        errc::bad_signature);
  }
}

TEST(StandardWebhooks, RefusesMissingHeadersAndBadSecrets) {
  fields h;
  h.set("webhook-id", "msg_1");
  const auto secret =
      *verify::StandardWebhooksSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  EXPECT_EQ(code(verify::verify_standard_webhooks(h, "{}", {secret}, std::chrono::seconds(300),
                                                  from_unix_ms(0))),
            errc::missing_signature);
  EXPECT_FALSE(verify::StandardWebhooksSecret::parse("whsec_!!!"));
  EXPECT_FALSE(verify::StandardWebhooksSecret::parse("whsec_"));
}

TEST(StandardWebhooks, AcceptsSvixHeaderNames) {
  // The first published vector, sent as Svix sends it by default.
  const auto secret =
      *verify::StandardWebhooksSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  const std::string body = R"({"test": 2432232314})";
  fields h;
  h.set("svix-id", "msg_p5jXN8AQM9LWM0D4loKWxJek");
  h.set("svix-timestamp", "1614265330");
  h.set("svix-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  const auto at = *parse_unix_seconds("1614265330");
  EXPECT_EQ(
      code(verify::verify_standard_webhooks(h, body, {secret}, std::chrono::seconds(300), at)),
      errc::ok);
  h.set("svix-signature", "v1,bm90IHRoZSBzaWduYXR1cmU=");
  EXPECT_EQ(
      code(verify::verify_standard_webhooks(h, body, {secret}, std::chrono::seconds(300), at)),
      errc::bad_signature);
}

TEST(StandardWebhooks, ReadsASecretWithoutPaddingOrWithSpareBitsSet) {
  // 25 bytes: base64 "MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ubw==" (the last 'w' leaves 4 spare bits 0).
  const auto padded =
      verify::StandardWebhooksSecret::parse("whsec_MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ubw==");
  const auto unpadded =
      verify::StandardWebhooksSecret::parse("whsec_MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ubw");
  const auto spare_bits =
      verify::StandardWebhooksSecret::parse("whsec_MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ubx");
  ASSERT_TRUE(padded && unpadded && spare_bits);
  EXPECT_EQ(padded->key, "0123456789abcdefghijklmno");
  EXPECT_EQ(unpadded->key, padded->key);
  EXPECT_EQ(spare_bits->key, padded->key);
  EXPECT_FALSE(verify::StandardWebhooksSecret::parse("whsec_MDEyM"));  // 5 characters: not base64
}

TEST(Bearer, AcceptsOnlyAConfiguredToken) {
  EXPECT_EQ(code(verify::verify_bearer(testing::bearer_headers("t1"), {"t0", "t1"})), errc::ok);
  EXPECT_EQ(code(verify::verify_bearer(testing::bearer_headers("t2"), {"t0", "t1"})),
            errc::bad_signature);
  EXPECT_EQ(code(verify::verify_bearer(testing::bearer_headers("t1x"), {"t1"})),
            errc::bad_signature);
  fields basic;
  basic.set("Authorization", "Basic dTpw");
  EXPECT_EQ(code(verify::verify_bearer(basic, {"t1"})), errc::missing_signature);
  EXPECT_EQ(code(verify::verify_bearer(fields{}, {"t1"})), errc::missing_signature);
  fields lower;
  lower.set("Authorization", "bearer t1");
  EXPECT_EQ(code(verify::verify_bearer(lower, {"t1"})), errc::ok);
}

}  // namespace
}  // namespace callgate
