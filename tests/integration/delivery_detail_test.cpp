// What an operator sees of a failing receiver through the admin API of the real binary: each
// attempt's status, answer, latency and error, since when the sink fails, when the next attempt is
// due; "retry now", which does not wait for the backoff; and any event sent to one sink again.
#include <integration/gateway.hpp>
#include <support/receiver.hpp>

namespace callgate::testing {
namespace {

using boost::beast::http::verb;

class DeliveryDetail : public Gateway {
 protected:
  void SetUp() override {
    // Backoffs of ten minutes: within a test, a second attempt comes only when asked for.
    start(config_yaml("sqlite", "  - type: http\n    name: crm\n    url: " + receiver.url() +
                                    "\n    max_attempts: 100\n    retry_base_ms: 600000\n"
                                    "    retry_max_ms: 600000\n"
                                    "admin:\n  listen: 127.0.0.1:0\n  token: admin-test-token\n"));
    admin = server->admin_port();
    ASSERT_NE(admin, 0);
  }

  nlohmann::json deliveries() {
    const auto res = get(admin, "/admin/deliveries?sink=crm", auth);
    EXPECT_EQ(res.status, 200) << res.body;
    return nlohmann::json::parse(res.body);
  }

  Receiver receiver;
  std::uint16_t admin = 0;
  boost::beast::http::fields auth = bearer_headers("admin-test-token");
};

TEST_F(DeliveryDetail, AFailingReceiverShowsItsAnswerAndTheNextAttemptAndRetryNowDoesNotWait) {
  receiver.respond_with([](const Received&) { return 500; });
  const auto before = now();
  ASSERT_EQ(post_pbx(R"({"event":"NotifyStart","callId":"c-1","direction":"In",)"
                     R"("srcPhone":"+15550100","dstPhone":"100"})")
                .status,
            200);
  nlohmann::json d;
  ASSERT_TRUE(eventually([&] { return !(d = deliveries())["failedAttempts"].empty(); }));
  const auto a = d["failedAttempts"][0];
  EXPECT_EQ(a["status"], 500);
  EXPECT_EQ(a["result"], "retry");
  EXPECT_EQ(a["error"], "receiver answered 500");
  EXPECT_EQ(a["response"], R"({"error":"the receiver refused it with 500"})");
  EXPECT_EQ(a["attempt"], 1);
  EXPECT_EQ(a["eventType"], "telephonyCall::created");
  EXPECT_GE(a["latencyMs"].get<int>(), 0);
  EXPECT_LT(a["latencyMs"].get<int>(), 5000);
  ASSERT_TRUE(a["nextAttemptAt"].is_string());
  const auto next = parse_iso8601(a["nextAttemptAt"].get<std::string>());
  ASSERT_TRUE(next);
  EXPECT_LE(*next, before + std::chrono::minutes(11));
  ASSERT_TRUE(d["failingSince"].is_string());
  EXPECT_TRUE(d["lastDelivered"].is_null());
  ASSERT_TRUE(eventually([&] { return (d = deliveries())["waiting"].size() == 1; }));
  EXPECT_EQ(d["waiting"][0]["attempts"], 1);
  EXPECT_EQ(d["waiting"][0]["error"], "receiver answered 500");
  EXPECT_EQ(d["waiting"][0]["seq"], a["seq"]);

  // The receiver is fixed; the next attempt would be up to ten minutes away.
  receiver.respond_with([](const Received&) { return 200; });
  EXPECT_EQ(http_request(admin, verb::post, "/admin/deliveries/retry?sink=crm", "", auth).status,
            202);
  ASSERT_TRUE(eventually([&] { return receiver.received().size() >= 2; }));
  ASSERT_TRUE(eventually([&] { return deliveries()["failingSince"].is_null(); }));
  d = deliveries();
  EXPECT_TRUE(d["waiting"].empty());
  EXPECT_TRUE(d["lastDelivered"].is_string());
  EXPECT_EQ(d["attempts"][0]["result"], "delivered");
  EXPECT_EQ(d["attempts"][0]["status"], 200);
  EXPECT_EQ(d["attempts"][0]["attempt"], 2);
  EXPECT_EQ(d["attempts"][0]["response"], "") << "an accepted answer's body is not kept";
  EXPECT_EQ(http_request(admin, verb::post, "/admin/deliveries/retry?sink=nope", "", auth).status,
            404);
}

TEST_F(DeliveryDetail, AnyEventIsSentAgainToOneSinkWithItsOwnKey) {
  ASSERT_EQ(post_pbx(R"({"event":"NotifyStart","callId":"c-2","direction":"Out",)"
                     R"("srcPhone":"100","dstPhone":"+15550100"})")
                .status,
            200);
  ASSERT_TRUE(eventually([&] { return receiver.received().size() == 1; }));
  const auto key = receiver.received()[0].header("x-idempotency-key");
  const auto events =
      nlohmann::json::parse(get(admin, "/admin/events?limit=1", auth).body)["events"];
  ASSERT_EQ(events.size(), 1u);
  const auto seq = events[0]["seq"].get<std::int64_t>();

  const auto res = http_request(
      admin, verb::post, "/admin/events/resend?sink=crm&seq=" + std::to_string(seq), "", auth);
  ASSERT_EQ(res.status, 200) << res.body;
  ASSERT_TRUE(eventually([&] { return receiver.received().size() == 2; }));
  EXPECT_EQ(receiver.received()[1].header("x-idempotency-key"), key);
  EXPECT_EQ(receiver.received()[1].body, receiver.received()[0].body);
  // The file sink had it already and is not sent it again.
  EXPECT_EQ(read_lines(dir / "var/events.jsonl").size(), 1u);

  EXPECT_EQ(
      http_request(admin, verb::post, "/admin/events/resend?sink=crm&seq=999999", "", auth).status,
      404);
  EXPECT_EQ(http_request(admin, verb::post,
                         "/admin/events/resend?sink=other&seq=" + std::to_string(seq), "", auth)
                .status,
            404);
}

}  // namespace
}  // namespace callgate::testing
