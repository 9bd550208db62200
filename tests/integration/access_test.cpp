// Who may send: a source's allow_from (403 from elsewhere, before any parsing), the peers whose
// X-Forwarded-For is believed (trusted_proxies), and sources that take requests unsigned only
// when they say so (allow_unsigned), through the real binary.
#include <integration/gateway.hpp>
#include <integration/platforms.hpp>
#include <support/definition_signing.hpp>

namespace callgate::testing {
namespace {

using boost::beast::http::fields;

const std::string kUser = "bw-user";
const std::string kPassword = "bw-password";

class Access : public Gateway {
 protected:
  void SetUp() override {
    start(config_yaml("sqlite", "trusted_proxies: [127.0.0.1]\n",
                      "  dialpad-open:\n    provider: dialpad\n    allow_unsigned: true\n"
                      "    allow_from: [127.0.0.1/32, '::1']\n"
                      "  behind-lb:\n    provider: bandwidth\n    username: " +
                          kUser + "\n    password: " + kPassword +
                          "\n    allow_from: [192.0.2.0/24]\n"));
  }
  HttpResult post_bandwidth(const std::string& forwarded_for, const std::string& body) {
    auto h = basic_headers(kUser, kPassword);
    if (!forwarded_for.empty()) h.set("X-Forwarded-For", forwarded_for);
    return post(port(), "/webhooks/behind-lb", body, h);
  }
};

const std::string kInitiate =
    R"({"eventType":"initiate","callId":"c-lb","direction":"inbound","from":"+14155550100",)"
    R"("to":"+16505550101","eventTime":"2026-03-02T10:00:00.000Z"})";

TEST_F(Access, AllowFromReadsTheClientBehindATrustedProxyAndRefusesOthersWith403) {
  // The peer is 127.0.0.1, a trusted proxy: the client is the right-most untrusted address.
  EXPECT_EQ(post_bandwidth("", kInitiate).status, 403) << "the proxy itself is not allowed";
  EXPECT_EQ(post_bandwidth("198.51.100.9", kInitiate).status, 403);
  EXPECT_EQ(post_bandwidth("192.0.2.7, 198.51.100.9", kInitiate).status, 403)
      << "the right-most address was appended by our proxy: it is the client";
  EXPECT_EQ(post_bandwidth("garbage", kInitiate).status, 403);
  // Refused before anything else: a body that is not even JSON gets 403, not 400.
  EXPECT_EQ(post_bandwidth("198.51.100.9", "not json").status, 403);
  EXPECT_EQ(post_bandwidth("198.51.100.9, 192.0.2.7", kInitiate).status, 200);
  EXPECT_EQ(
      metric_value(
          metrics(),
          R"(callgate_rejections_total{source="behind-lb",reason="sender address not allowed"})"),
      5);
  EXPECT_EQ(events(1).size(), 1u);
}

TEST_F(Access, AnUnsignedSourceTakesPlainJsonFromItsAllowedAddress) {
  fields h;
  h.set(boost::beast::http::field::content_type, "application/json");
  const auto body = dialpad_claims("900", "ringing", kT0).dump();
  const auto res = post(port(), "/webhooks/dialpad-open", body, h);
  EXPECT_EQ(res.status, 200) << res.body;
  const auto ev = events(1);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]["data"]["fields"]["users"][0]["id"], "5001");
  EXPECT_EQ(ev[0]["data"]["fields"]["startedAt"], iso(kT0));
}

TEST(AccessConfig, UnsignedNeedsAnExplicitOptInAndCheckConfigWarns) {
  TempDir dir;
  std::string out;
  std::ofstream(dir / "silent.yaml") << "sources:\n  d:\n    provider: dialpad\n";
  EXPECT_EQ(run_callgate({"check-config", (dir / "silent.yaml").string()}, out), 1);
  EXPECT_NE(out.find("key 'sources.d.secret': is not set: set it, or allow_unsigned: true"),
            std::string::npos)
      << out;
  std::ofstream(dir / "open.yaml")
      << "sources:\n  d:\n    provider: dialpad\n    allow_unsigned: true\n";
  EXPECT_EQ(run_callgate({"check-config", (dir / "open.yaml").string()}, out), 0) << out;
  EXPECT_NE(out.find("sources.d takes requests unsigned (allow_unsigned), from any address"),
            std::string::npos)
      << out;
  std::ofstream(dir / "both.yaml")
      << "sources:\n  d:\n    provider: dialpad\n    secret: s\n    allow_unsigned: true\n";
  EXPECT_EQ(run_callgate({"check-config", (dir / "both.yaml").string()}, out), 1);
  EXPECT_NE(out.find("allow_unsigned': is set, but this source checks a signature"),
            std::string::npos)
      << out;
  std::ofstream(dir / "cidr.yaml")
      << "sources:\n  d:\n    provider: dialpad\n    secret: s\n    allow_from: [10.0.0.0/33]\n";
  EXPECT_EQ(run_callgate({"check-config", (dir / "cidr.yaml").string()}, out), 1);
  EXPECT_NE(out.find("'10.0.0.0/33' is not an IP address or CIDR network"), std::string::npos)
      << out;
}

}  // namespace
}  // namespace callgate::testing
