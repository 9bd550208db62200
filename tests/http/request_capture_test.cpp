// What the request log keeps of a request: every provider's secret-bearing header redacted (with
// the sealed copy a replay needs), a token in the body redacted, the body bounded, and what a
// refused signature check says.
#include <gtest/gtest.h>

#include <callgate/http/request_capture.hpp>
#include <nlohmann/json.hpp>
#include <support/definitions.hpp>

namespace callgate {
namespace {

const TimePoint kNow = from_unix_ms(1'765'000'000'000);

/** A POST with these headers and body. */
http::Request post(const std::vector<std::pair<std::string, std::string>>& headers,
                   std::string body, const std::string& target = "/webhooks/s") {
  http::Request req{http::bhttp::verb::post, target, 11};
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = std::move(body);
  return req;
}

const std::string* shown(const store::RequestRecord& r, const std::string& name) {
  for (const auto& [n, v] : r.headers)
    if (n == name) return &v;
  return nullptr;
}

struct SecretHeader {
  const char* provider;
  const char* keys;  // the source's config
  const char* header;
  const char* value;
};

// Every provider callgate ships, and the header that carries its signature or credential.
const SecretHeader kSecretHeaders[] = {
    {"twilio", "{auth_token: t, public_url: 'https://a.example/w'}", "X-Twilio-Signature",
     "0frNtlWKw2yKkGkAPnGMIUr6Wqw="},
    {"telnyx", "{public_key: 'eRWMdyv0B5XsXy8EqYJ9mDq7Dcqs5hFjYa8Aw1/FJKs='}",
     "telnyx-signature-ed25519", "dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZSBhdCBhbGw="},
    {"webex", "{secret: s}", "X-Spark-Signature", "1c4bd2a0b1f7ff0c30a9a4c9d2c1c1b0e4f0a1b2"},
    {"zoom_phone", "{secret_token: z}", "x-zm-signature", "v0=9f1c0a6f2ad5b2c1d0e3f4a5b6c7d8e9"},
    {"plivo", "{auth_token: p, public_url: 'https://a.example/w'}", "X-Plivo-Signature-V3",
     "kDgZcK2X8YxY7m0vqvH1k9eQ8sT1xz3Q="},
    {"plivo", "{auth_token: p, public_url: 'https://a.example/w'}", "X-Plivo-Signature-Ma-V3",
     "mAgZcK2X8YxY7m0vqvH1k9eQ8sT1xz3Q="},
    {"ringcentral", "{verification_token: v}", "Verification-Token", "q3XbV2p9KcW1mZ8sT4yR"},
    {"vonage", "{signature_secret: v}", "Authorization",
     "Bearer eyJhbGciOiJIUzI1NiJ9.eyJpYXQiOjE3MDAwMDAwMDB9.c2lnbmF0dXJl"},
    {"bandwidth", "{username: u, password: p}", "Authorization", "Basic dXNlcjpwYXNzd29yZDEyMw=="},
    {"voip", "{auth: {bearer: tok-0123456789abcdef}}", "Authorization",
     "Bearer tok-0123456789abcdef"},
    {"voip", "{auth: {standard_webhooks_secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'}}",
     "webhook-signature", "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="},
};

TEST(RequestCapture, EveryProvidersSecretBearingHeaderIsRedactedAndSealed) {
  const store::RequestLogConfig config;
  for (const auto& c : kSecretHeaders) {
    SCOPED_TRACE(std::string(c.provider) + " " + c.header);
    const auto source = testing::bundled_source(c.provider, c.keys);
    const auto req = post({{c.header, c.value}, {"Content-Type", "application/json"}}, "{}");
    const auto r = http::capture(req, "s", source.get(), source->describe_check(), "203.0.113.9",
                                 config, kNow);
    const auto* value = shown(r, c.header);
    ASSERT_NE(value, nullptr);
    EXPECT_EQ(value->find(std::string(c.value).substr(8)), std::string::npos) << *value;
    std::string_view credential = c.value;
    for (std::string_view scheme : {"Bearer ", "Basic "})
      if (credential.starts_with(scheme)) credential.remove_prefix(scheme.size());
    EXPECT_TRUE(value->ends_with("(" + std::to_string(credential.size()) + " chars)"))
        << "the length is kept: " << *value;
    EXPECT_EQ(*shown(r, "Content-Type"), "application/json") << "other headers as sent";
    ASSERT_EQ(r.sealed_headers.size(), 1u);
    EXPECT_EQ(r.sealed_headers[0].second, c.value) << "kept whole for a replay";
  }
}

TEST(RequestCapture, ACredentialShowsItsSchemeItsFirstCharactersAndItsLengthOnly) {
  EXPECT_EQ(http::redact_value("Bearer eyJhbGciOiJIUzI1NiJ9.payload"), "Bearer eyJh… (28 chars)");
  EXPECT_EQ(http::redact_value("Basic dXNlcjpwYXNzd29yZDEyMw=="), "Basic dXNl… (24 chars)");
  EXPECT_EQ(http::redact_value("short-token"), "… (11 chars)") << "a short one shows nothing";
  EXPECT_EQ(http::redact_target("/webhooks/pbx?token=abcdefghijklmnopqr&CallSid=CA1"),
            "/webhooks/pbx?token=abcd… (18 chars)&CallSid=CA1");
  EXPECT_EQ(http::redact_target("/webhooks/pbx"), "/webhooks/pbx");
  // Names that sound like credentials are redacted whatever the source says it reads.
  for (const char* name : {"Cookie", "X-Api-Key", "X-Auth-Token", "x-webhook-secret"})
    EXPECT_TRUE(http::secret_header(name, {})) << name;
  for (const char* name : {"Content-Type", "User-Agent", "X-Request-Id", "telnyx-timestamp"})
    EXPECT_FALSE(http::secret_header(name, {})) << name;
}

TEST(RequestCapture, ATokenInTheBodyIsRedactedInTheShownBodyAndKeptForAReplay) {
  const auto source = testing::bundled_source("aircall", "{token: aircall-token-0123456789}");
  const std::string body = R"({"event":"call.created","token":"aircall-token-0123456789"})";
  const auto r =
      http::capture(post({}, body), "air", source.get(), source->describe_check(), "", {}, kNow);
  EXPECT_EQ(r.body.find("aircall-token-0123456789"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"x("token":"airc… (24 chars)")x"), std::string::npos) << r.body;
  EXPECT_EQ(r.sealed_body, body);
  EXPECT_TRUE(r.replayable);
}

TEST(RequestCapture, TheBodyIsKeptUpToItsBoundItsSizeAlwaysAndNoneWithoutBodies) {
  const auto source = testing::bundled_source("webex", "{secret: s}");
  store::RequestLogConfig config;
  config.max_body_bytes = 10;
  const std::string body(25, 'x');
  auto r = http::capture(post({{"X-Spark-Signature", "0123456789abcdef0123"}}, body), "w",
                         source.get(), source->describe_check(), "", config, kNow);
  EXPECT_EQ(r.body, std::string(10, 'x'));
  EXPECT_EQ(r.body_size, 25);
  EXPECT_FALSE(r.replayable) << "a cut body cannot be replayed";

  config.bodies = false;
  r = http::capture(post({{"X-Spark-Signature", "0123456789abcdef0123"}}, body), "w", source.get(),
                    source->describe_check(), "", config, kNow);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(r.body_size, 25);
  EXPECT_TRUE(r.sealed_headers.empty()) << "metadata only: nothing kept for a replay";
  EXPECT_EQ(*shown(r, "X-Spark-Signature"), "0123… (20 chars)") << "still redacted";
  EXPECT_FALSE(r.replayable);

  r = http::capture(post({}, "{}"), "nobody", nullptr, {}, "", {}, kNow);
  EXPECT_FALSE(r.replayable) << "an unknown source has nothing to replay through";
}

TEST(RequestCapture, ARefusedUrlSignatureSaysWhichUrlWasSignedAndWhereTheRequestCame) {
  const auto source =
      testing::bundled_source("twilio", "{auth_token: [a, b], public_url: 'https://a.example/w'}");
  auto req = post({{"Host", "gw.internal:8080"}, {"X-Forwarded-Proto", "https"}}, "CallSid=CA1",
                  "/webhooks/twilio?x=1");
  const auto d = nlohmann::json::parse(http::diagnose(source->describe_check(), req, kNow));
  EXPECT_EQ(d["scheme"], "hmac-sha1");
  EXPECT_EQ(d["signs"], "{url:public_url}{form:sorted}");
  EXPECT_EQ(d["headers"][0]["name"], "X-Twilio-Signature");
  EXPECT_EQ(d["headers"][0]["present"], false);
  EXPECT_EQ(d["signedUrls"][0]["url"], "https://a.example/w");
  EXPECT_EQ(d["requestUrl"], "https://gw.internal:8080/webhooks/twilio?x=1");
  EXPECT_EQ(d["secretsTried"], 2);
}

TEST(RequestCapture, ARefusedTimestampSaysItsValueAndSkew) {
  const auto source = testing::bundled_source("zoom_phone", "{secret_token: z}");
  const auto sent = to_unix_ms(kNow) / 1000 - 400;
  auto req =
      post({{"x-zm-signature", "v0=00"}, {"x-zm-request-timestamp", std::to_string(sent)}}, "{}");
  const auto d = nlohmann::json::parse(http::diagnose(source->describe_check(), req, kNow));
  EXPECT_EQ(d["timestamp"]["header"], "x-zm-request-timestamp");
  EXPECT_EQ(d["timestamp"]["value"], std::to_string(sent));
  EXPECT_EQ(d["timestamp"]["skewSeconds"], 400);
  EXPECT_EQ(d["timestamp"]["toleranceSeconds"], 300);
  EXPECT_EQ(d["headers"][0]["present"], true);
  EXPECT_EQ(d.dump().find("v0=00"), std::string::npos) << "never the signature itself";
}

}  // namespace
}  // namespace callgate
