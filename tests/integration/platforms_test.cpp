// The five platforms bundled as definitions in the second generation (Aircall, RingCentral,
// Plivo, Dialpad, Bandwidth), through the real binary, each configured exactly as
// docs/providers.md says, with the platforms' documented payload shapes: a whole call in order,
// the same call shuffled with one event twice, a missed call, forged requests, handshakes.
#include <algorithm>
#include <functional>
#include <integration/gateway.hpp>
#include <integration/platforms.hpp>
#include <support/definition_signing.hpp>

namespace callgate::testing {
namespace {

using boost::beast::http::fields;
using boost::beast::http::verb;
using nlohmann::json;

class Platforms : public Gateway {
 protected:
  void SetUp() override {
    std::string sources;
    for (const auto& p : platforms()) sources += p.source;
    start(config_yaml("sqlite", "", sources));
  }
  HttpResult send(const PlatformRequest& r) {
    return http_request(port(), r.method, r.target, r.body, r.headers);
  }
  /** Sends requests; each must be answered 200 with the given status. */
  void send_all(const std::vector<PlatformRequest>& requests,
                const std::string& status = "accepted") {
    for (const auto& r : requests) {
      const auto res = send(r);
      ASSERT_EQ(res.status, 200) << r.target << " " << r.body << " -> " << res.body;
      EXPECT_EQ(json::parse(res.body).value("status", ""), status) << r.body;
    }
  }
  /** Every event of the calls the sink has seen, by call id, once `n` events are there. */
  std::map<std::string, std::vector<json>> calls(std::size_t n) {
    std::map<std::string, std::vector<json>> out;
    events(n);
    for (const auto& e : events(1000, kQuiet)) out[e["data"]["id"]].push_back(e);
    return out;
  }

  /** The four checks every platform passes. */
  void check(const Platform& p, const std::string& a, const std::string& b,
             const std::string& missed) {
    // 1. A whole call, in order.
    send_all(p.answered(a));
    // 2. The same call under another id, shuffled, with its end sent twice.
    auto shuffled = p.answered(b);
    std::reverse(shuffled.begin(), shuffled.end());
    send_all(shuffled);
    const auto repeat = send(shuffled.front());
    EXPECT_EQ(repeat.status, 200);
    EXPECT_EQ(json::parse(repeat.body).value("status", ""), "duplicate") << repeat.body;
    // 3. A call nobody answered.
    send_all(p.missed(missed));

    const auto by_call = calls(7);
    ASSERT_EQ(by_call.size(), 3u) << "one unified call per platform call, no phantom legs";
    int completed = 0, missed_calls = 0;
    for (const auto& [id, ev] : by_call) {
      const auto created = std::count_if(ev.begin(), ev.end(), [](const json& e) {
        return event_type(e) == "telephonyCall::created";
      });
      const auto deleted = std::count_if(ev.begin(), ev.end(), [](const json& e) {
        return event_type(e) == "telephonyCall::deleted";
      });
      EXPECT_EQ(created, 1) << id;
      EXPECT_EQ(deleted, 1) << id;
      const auto& f = ev.back()["data"]["fields"];
      EXPECT_EQ(f["direction"], "inbound");
      EXPECT_EQ(f["externalNumber"], kExternal);
      EXPECT_EQ(f["internalNumber"], kInternal);
      const auto contacts =
          p.contact.empty()
              ? json::array()
              : json::array({{{"object", "resourceRef"}, {"model", "contact"}, {"id", p.contact}}});
      EXPECT_EQ(f["contacts"], contacts) << "the platform's own contact, where it names one";
      EXPECT_EQ(f["startedAt"], iso(kT0)) << "from the payload, never the receive time";
      EXPECT_EQ(f["endedAt"], iso(kT2));
      if (f["status"] == "completed") {
        ++completed;
        EXPECT_EQ(f["answeredAt"], iso(kT1));
        EXPECT_EQ(f["duration"], 42);
      } else {
        ++missed_calls;
        EXPECT_EQ(f["status"], "missed");
        EXPECT_TRUE(f["answeredAt"].is_null());
      }
    }
    EXPECT_EQ(completed, 2);
    EXPECT_EQ(missed_calls, 1);

    // 4. Forged requests: no proof, the wrong secret, a changed body where one is signed.
    const auto sample = p.answered("99")[1];
    EXPECT_EQ(send(p.unsigned_copy(sample)).status, 401);
    EXPECT_EQ(send(p.wrong_secret(sample)).status, 401);
    if (auto forged = p.tampered(p.answered("98")[2])) {
      EXPECT_EQ(send(*forged).status, 401);
    }
    EXPECT_EQ(events(1000, kQuiet).size(), events(7).size()) << "a forgery emitted something";
  }
};

TEST_F(Platforms, Aircall) { check(platforms()[0], "812", "813", "814"); }
TEST_F(Platforms, RingCentral) { check(platforms()[1], "s-1", "s-2", "s-3"); }
TEST_F(Platforms, Plivo) { check(platforms()[2], "u-1", "u-2", "u-3"); }
TEST_F(Platforms, Dialpad) { check(platforms()[3], "501", "502", "503"); }
TEST_F(Platforms, Bandwidth) { check(platforms()[4], "c-1", "c-2", "c-3"); }

TEST_F(Platforms, RingCentralSubscribesWithAnEmptyBodyAndTheTokenChecked) {
  fields h;
  h.set("Validation-Token", "wtdwi2y88489yr34iwegsekshwekfhsdfh");
  h.set("Verification-Token", kRcToken);
  const auto res = http_request(port(), verb::post, "/webhooks/ringcentral", "", h);
  EXPECT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(std::string(res.headers["Validation-Token"]), "wtdwi2y88489yr34iwegsekshwekfhsdfh");
  EXPECT_LE(res.body.size(), 1024u);
  h.set("Verification-Token", "another-token");
  EXPECT_EQ(http_request(port(), verb::post, "/webhooks/ringcentral", "", h).status, 401);
  EXPECT_EQ(events(1, kQuiet).size(), 0u) << "a handshake is answered, not stored";
}

TEST_F(Platforms, PlivoRefusesOtherMethodsAndDialpadRefusesAlgNone) {
  EXPECT_EQ(http_request(port(), verb::put, "/webhooks/plivo", "", {}).status, 405);
  EXPECT_EQ(http_request(port(), verb::get, "/webhooks/dialpad", "", {}).status, 405);
  // {"alg":"none"} with the claims of a real event and no signature.
  const auto signed_token = hs256_jwt(kDialpadSecret, dialpad_claims("600", "ringing", kT0).dump());
  const auto claims = signed_token.substr(signed_token.find('.') + 1,
                                          signed_token.rfind('.') - signed_token.find('.') - 1);
  fields h;
  h.set(boost::beast::http::field::content_type, "application/jwt");
  EXPECT_EQ(post(port(), "/webhooks/dialpad", "eyJhbGciOiJub25lIn0." + claims + ".", h).status,
            401);
}

}  // namespace
}  // namespace callgate::testing
