// The router and the webhook handler without sockets: requests built in memory, a fake
// Submitter in place of the committer, answers and metrics checked.
#include <gtest/gtest.h>

#include <callgate/adapters/voip/voip.hpp>
#include <callgate/http/router.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <support/signing.hpp>

namespace callgate {
namespace {

using http::bhttp::status;

/** Records what the router hands over and answers with whatever the test set. */
class FakeSubmitter final : public outbox::Submitter {
 public:
  void submit(std::vector<core::Observation> observations, Done done) override {
    submitted.push_back(std::move(observations));
    if (failure) {
      done(*failure);
    } else {
      done(next);
    }
  }
  void probe(std::function<void(result<void>)> done) override {
    ++probes;
    done(ready);
  }

  std::vector<std::vector<core::Observation>> submitted;
  // An Outcome and an error apart: GCC 12 under ASan warns (maybe-uninitialized) when a
  // result<Outcome> holding an Outcome is assigned an error.
  outbox::Outcome next{1, 0, {}};
  std::optional<boost::system::error_code> failure;
  result<void> ready = result<void>{};
  int probes = 0;
};

std::shared_ptr<const adapters::Source> voip_source(const std::string& yaml_text,
                                                    const std::string& name) {
  const yaml::Node node(YAML::Load(yaml_text), std::make_shared<const std::string>("test.yaml"),
                        "sources." + name);
  adapters::SourceSettings settings{name};
  if (auto limit = node.optional_map("rate_limit")) {
    settings.rate_per_second = static_cast<double>(limit->integer("per_second", 1, 1, 1000));
    settings.rate_burst = static_cast<double>(limit->integer("burst", 1, 1, 1000));
  }
  return adapters::voip::factory().create(node, settings);
}

constexpr const char* kStart =
    R"({"event":"NotifyStart","direction":"In","srcPhone":"+15550001111","dstPhone":"100"})";

class RouterTest : public ::testing::Test {
 protected:
  RouterTest()
      : router(
            {{"pbx", voip_source("auth: {bearer: tok}", "pbx")},
             {"limited", voip_source("auth: {bearer: tok}\nrate_limit: {per_second: 1, burst: 1}",
                                     "limited")}},
            submitter, metrics, /*serve_metrics=*/true) {}

  /** Sends one request and returns the answer; the fake completes synchronously. */
  http::Response send(http::bhttp::verb method, const std::string& target, std::string body = "",
                      const boost::beast::http::fields& headers = testing::bearer_headers("tok")) {
    http::Request req{method, target, 11};
    for (const auto& h : headers) req.set(h.name_string(), h.value());
    req.body() = std::move(body);
    req.prepare_payload();
    std::optional<http::Response> answer;
    router.handle(std::move(req), connection, [&](http::Response res) { answer = std::move(res); });
    EXPECT_TRUE(answer) << "no answer to " << target;
    return answer.value_or(http::Response{});
  }
  http::Response post(const std::string& target, std::string body,
                      const boost::beast::http::fields& headers = testing::bearer_headers("tok")) {
    return send(http::bhttp::verb::post, target, std::move(body), headers);
  }
  std::int64_t requests(std::string_view source, std::string_view code) const {
    return metrics.value("callgate_requests_total", {{"source", source}, {"status", code}});
  }

  FakeSubmitter submitter;
  metrics::Metrics metrics;
  http::Router router;
  http::ConnectionState connection;  // every request of a test comes on one connection
};

TEST_F(RouterTest, AVerifiedEventIsSubmittedAndAnsweredOnceCommitted) {
  const auto res = post("/webhooks/pbx", kStart);
  EXPECT_EQ(res.result(), status::ok);
  EXPECT_EQ(nlohmann::json::parse(res.body()),
            (nlohmann::json{{"status", "accepted"}, {"events", 1}}));
  ASSERT_EQ(submitter.submitted.size(), 1u);
  ASSERT_EQ(submitter.submitted[0].size(), 1u);
  const auto& obs = submitter.submitted[0][0];
  EXPECT_EQ(obs.source, "pbx");
  EXPECT_EQ(obs.phase, core::Phase::ringing);
  EXPECT_EQ(obs.external_number, "+15550001111");
  EXPECT_FALSE(obs.dedup_key.empty()) << "the body stands in for a missing delivery id";
  EXPECT_EQ(requests("pbx", "200"), 1);
}

TEST_F(RouterTest, ARedeliveryIsAnsweredDuplicate) {
  submitter.next = outbox::Outcome{0, 1, {}};
  const auto res = post("/webhooks/pbx", kStart);
  EXPECT_EQ(res.result(), status::ok);
  EXPECT_EQ(nlohmann::json::parse(res.body())["status"], "duplicate");
}

TEST_F(RouterTest, AStoreFailureIs503WithRetryAfterAndCounted) {
  submitter.failure = make_error_code(errc::store_unavailable);
  const auto res = post("/webhooks/pbx", kStart);
  EXPECT_EQ(res.result(), status::service_unavailable);
  EXPECT_EQ(res[http::bhttp::field::retry_after], "1");
  EXPECT_EQ(metrics.value("callgate_rejections_total",
                          {{"source", "pbx"}, {"reason", "store unavailable"}}),
            1);
}

TEST_F(RouterTest, AFullCommitterQueueIs503WithRetryAfter) {
  submitter.failure = make_error_code(errc::overloaded);
  const auto res = post("/webhooks/pbx", kStart);
  EXPECT_EQ(res.result(), status::service_unavailable);
  EXPECT_EQ(res[http::bhttp::field::retry_after], "1");
  EXPECT_EQ(nlohmann::json::parse(res.body())["error"], "too many requests waiting for the store");
}

TEST_F(RouterTest, UnverifiedOrUnreadableBodiesNeverReachTheCommitter) {
  EXPECT_EQ(post("/webhooks/pbx", kStart, {}).result(), status::unauthorized);
  EXPECT_EQ(post("/webhooks/pbx", kStart, testing::bearer_headers("wrong")).result(),
            status::unauthorized);
  EXPECT_EQ(post("/webhooks/pbx", "{not json").result(), status::bad_request);
  EXPECT_TRUE(submitter.submitted.empty());
  EXPECT_EQ(metrics.value("callgate_verification_failures_total",
                          {{"source", "pbx"}, {"reason", "missing signature"}}),
            1);
  EXPECT_EQ(metrics.value("callgate_verification_failures_total",
                          {{"source", "pbx"}, {"reason", "signature does not match"}}),
            1);
  EXPECT_EQ(requests("pbx", "401"), 2);
  EXPECT_EQ(requests("pbx", "400"), 1);
}

TEST_F(RouterTest, AnEventThatChangesNoCallIsIgnoredNotSubmitted) {
  const auto res = post("/webhooks/pbx", R"({"event":"NotifyDtmf","direction":"In"})");
  EXPECT_EQ(res.result(), status::ok);
  EXPECT_EQ(nlohmann::json::parse(res.body())["status"], "ignored");
  EXPECT_TRUE(submitter.submitted.empty());
  EXPECT_EQ(metrics.value("callgate_events_ignored_total", {{"source", "pbx"}}), 1);
}

TEST_F(RouterTest, UnknownSourcesAndWrongMethodsAreRefusedWithoutEchoingTheName) {
  EXPECT_EQ(post("/webhooks/nosuch", kStart).result(), status::not_found);
  EXPECT_EQ(requests("(unknown)", "404"), 1);
  const auto get = send(http::bhttp::verb::get, "/webhooks/pbx");
  EXPECT_EQ(get.result(), status::method_not_allowed);
  EXPECT_EQ(get[http::bhttp::field::allow], "POST");
  EXPECT_EQ(send(http::bhttp::verb::get, "/nowhere").result(), status::not_found);
  EXPECT_TRUE(submitter.submitted.empty());
}

TEST_F(RouterTest, ReadinessFollowsTheProbe) {
  EXPECT_EQ(send(http::bhttp::verb::get, "/readyz").result(), status::ok);
  submitter.ready = make_error_code(errc::store_unavailable);
  EXPECT_EQ(send(http::bhttp::verb::get, "/readyz").result(), status::service_unavailable);
  EXPECT_EQ(submitter.probes, 2);
  EXPECT_EQ(send(http::bhttp::verb::get, "/healthz").result(), status::ok);
}

TEST_F(RouterTest, TheRateLimitAnswers429WithRetryAfter) {
  EXPECT_EQ(post("/webhooks/limited", kStart).result(), status::ok);
  const auto res = post("/webhooks/limited", kStart);
  EXPECT_EQ(res.result(), status::too_many_requests);
  EXPECT_EQ(res[http::bhttp::field::retry_after], "1");
  EXPECT_EQ(submitter.submitted.size(), 1u);
}

// Forgeries spend their connection's bucket, never the source's: the real sender keeps its rate,
// and once the forging connection's bucket is empty it is refused before any crypto.
TEST_F(RouterTest, ForgeriesCannotSpendTheSourcesRateLimit) {
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(post("/webhooks/limited", kStart, testing::bearer_headers("forged")).result(),
              i == 0 ? status::unauthorized : status::too_many_requests)
        << i;
  EXPECT_EQ(metrics.value("callgate_rejections_total",
                          {{"source", "limited"},
                           {"reason", "too many failed verifications on this connection"}}),
            4);
  EXPECT_EQ(metrics.value("callgate_verification_failures_total",
                          {{"source", "limited"}, {"reason", "signature does not match"}}),
            1)
      << "refused before verification: no crypto spent";
  http::ConnectionState real;  // the real provider on its own connection
  std::optional<http::Response> answer;
  http::Request req{http::bhttp::verb::post, "/webhooks/limited", 11};
  req.set(http::bhttp::field::authorization, "Bearer tok");
  req.body() = kStart;
  req.prepare_payload();
  router.handle(std::move(req), real, [&](http::Response res) { answer = std::move(res); });
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->result(), status::ok) << "the source's bucket is untouched by forgeries";
}

TEST(Router, DoesNotServeMetricsUnlessAsked) {
  FakeSubmitter submitter;
  metrics::Metrics metrics;
  http::Router router({}, submitter, metrics);
  http::ConnectionState connection;
  std::optional<http::Response> answer;
  router.handle(http::Request{http::bhttp::verb::get, "/metrics", 11}, connection,
                [&](http::Response res) { answer = std::move(res); });
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->result(), status::not_found);
}

TEST_F(RouterTest, MetricsAreRenderedForPrometheus) {
  post("/webhooks/pbx", kStart);
  const auto res = send(http::bhttp::verb::get, "/metrics");
  EXPECT_EQ(res.result(), status::ok);
  EXPECT_NE(res.body().find(R"(callgate_requests_total{source="pbx",status="200"} 1)"),
            std::string::npos)
      << res.body();
}

}  // namespace
}  // namespace callgate
