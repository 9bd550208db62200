// Downstream delivery through the real binary to a real HTTP receiver: signed, in order per call,
// retried until taken, dead-lettered when refused, and nothing acknowledged lost on kill -9.
#include <atomic>
#include <callgate/core/correlate.hpp>
#include <callgate/verify/standard_webhooks.hpp>
#include <integration/gateway.hpp>
#include <set>
#include <support/receiver.hpp>
#include <thread>

namespace callgate::testing {
namespace {

const std::string kDownstreamSecret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

class Delivery : public Gateway {
 protected:
  void SetUp() override {
    start(config_yaml("sqlite",
                      "  - type: http\n"
                      "    url: " +
                          receiver.url() +
                          "\n"
                          "    secret: " +
                          kDownstreamSecret +
                          "\n"
                          "    timeout_ms: 2000\n"
                          "    max_attempts: 1000\n"
                          "    concurrency: 4\n"
                          "    retry_base_ms: 20\n"
                          "    retry_max_ms: 200\n"
                          "admin:\n"
                          "  listen: 127.0.0.1:0\n"
                          "  token: admin-test-token\n"));
  }

  std::string pbx_event(const std::string& call, const std::string& event) {
    return R"({"event":")" + event + R"(","callId":")" + call +
           R"(","direction":"In","disposition":"Answered","srcPhone":"+1555","dstPhone":"100"})";
  }

  /** Received events, first delivery of each idempotency key only, in arrival order. */
  std::vector<Received> unique_received() {
    std::vector<Received> out;
    std::set<std::string> seen;
    for (auto& r : receiver.received())
      if (seen.insert(r.header("x-idempotency-key")).second) out.push_back(r);
    return out;
  }

  Receiver receiver;  // constructed before the gateway starts, so its URL is known
};

TEST_F(Delivery, EachEventArrivesSignedWithItsHeadersAndTheFileSinksBody) {
  for (const auto& body : webex_seed_bodies()) ASSERT_EQ(post_webex(body).status, 200);
  ASSERT_TRUE(eventually([&] { return receiver.received().size() >= 2; }));
  const auto got = receiver.received();
  ASSERT_EQ(got.size(), 2u);
  // The file sink gathers 20 ms of events per fsync, so it may trail the HTTP sink a little.
  std::vector<std::string> lines;
  ASSERT_TRUE(
      eventually([&] { return (lines = read_lines(dir / "var/events.jsonl")).size() >= 2; }));
  ASSERT_EQ(lines.size(), 2u);
  const auto secret = *verify::StandardWebhooksSecret::parse(kDownstreamSecret);
  for (std::size_t i = 0; i < got.size(); ++i) {
    const auto& r = got[i];
    EXPECT_EQ(r.body, lines[i]);  // byte for byte what the file sink wrote
    EXPECT_EQ(r.header("x-connector-id"), "callgate");
    EXPECT_EQ(r.header("content-type"), "application/json");
    EXPECT_EQ(r.header("webhook-id"), r.header("x-idempotency-key"));
    boost::beast::http::fields h;
    for (const auto& [k, v] : r.headers) h.set(k, v);
    EXPECT_TRUE(
        verify::verify_standard_webhooks(h, r.body, {secret}, std::chrono::seconds(300), now()))
        << "delivery " << i << " is not a valid Standard Webhooks signature";
  }
  const auto id = nlohmann::json::parse(got[0].body)["data"]["id"].get<std::string>();
  EXPECT_EQ(got[0].header("x-idempotency-key"), id + ":1");
  EXPECT_EQ(got[1].header("x-idempotency-key"), id + ":2");
  EXPECT_EQ(nlohmann::json::parse(got[1].body)["event"], "telephonyCall::deleted");
}

TEST_F(Delivery, AReceiverThatIsDownForAWhileGetsEveryEventInPerCallOrder) {
  receiver.stop();
  constexpr int kCalls = 15;
  for (int i = 0; i < kCalls; ++i) {
    const auto call = "down-" + std::to_string(i);
    ASSERT_EQ(post_pbx(pbx_event(call, "NotifyStart")).status, 200);
    ASSERT_EQ(post_pbx(pbx_event(call, "NotifyAnswer")).status, 200);
    ASSERT_EQ(post_pbx(pbx_event(call, "NotifyEnd")).status, 200);
  }
  EXPECT_TRUE(eventually([&] {
    return metric_value(metrics(), R"(callgate_sink_failures_total{sink="http:)" + receiver.url() +
                                       R"("})") > 0;
  })) << "the sink kept trying while the receiver was down";
  receiver.start();
  ASSERT_TRUE(eventually([&] { return unique_received().size() >= std::size_t{kCalls} * 3; }))
      << unique_received().size();
  const auto got = unique_received();
  EXPECT_EQ(got.size(), static_cast<std::size_t>(kCalls * 3));
  // Per call: created, updated, deleted, in that order, and the keys numbered 1, 2, 3.
  std::map<std::string, std::vector<std::string>> per_call;
  for (const auto& r : got) {
    const auto j = nlohmann::json::parse(r.body);
    per_call[j["data"]["id"]].push_back(r.header("x-idempotency-key"));
  }
  EXPECT_EQ(per_call.size(), static_cast<std::size_t>(kCalls));
  for (const auto& [id, keys] : per_call)
    EXPECT_EQ(keys, (std::vector<std::string>{id + ":1", id + ":2", id + ":3"})) << id;
}

TEST_F(Delivery, ARefusedEventIsDeadLetteredAtOnceAndTheCallMovesOn) {
  receiver.respond_with(
      [](const Received& r) { return r.header("x-idempotency-key").ends_with(":1") ? 422 : 200; });
  ASSERT_EQ(post_pbx(pbx_event("refused", "NotifyStart")).status, 200);
  ASSERT_EQ(post_pbx(pbx_event("refused", "NotifyEnd")).status, 200);
  ASSERT_TRUE(eventually([&] { return receiver.received().size() >= 2; }));
  // Once the 422 is a dead letter it is settled: nothing more can come for it.
  ASSERT_TRUE(eventually([&] {
    return metric_value(metrics(), R"(callgate_sink_dead_letters_total{sink="http:)" +
                                       receiver.url() + R"("})") == 1;
  }));
  const auto got = receiver.received();
  ASSERT_EQ(got.size(), 2u);  // one attempt each: a 422 is not retried
  EXPECT_TRUE(got[0].header("x-idempotency-key").ends_with(":1"));
  EXPECT_TRUE(got[1].header("x-idempotency-key").ends_with(":2"));
  EXPECT_EQ(metric_value(metrics(), R"(callgate_sink_dead_letters_total{sink="http:)" +
                                        receiver.url() + R"("})"),
            1);
  EXPECT_NE(server->log().find("dead-lettered: receiver answered 422"), std::string::npos);
}

TEST_F(Delivery, TheAdminApiListsAndRedeliversDeadLetters) {
  receiver.respond_with([](const Received&) { return 410; });
  ASSERT_EQ(post_pbx(pbx_event("gone", "NotifyStart")).status, 200);
  ASSERT_TRUE(eventually([&] { return receiver.received().size() >= 1; }));
  const auto admin = server->admin_port();
  ASSERT_NE(admin, 0);
  EXPECT_EQ(get(admin, "/admin/dead-letters").status, 401);  // the token is required
  const auto auth = bearer_headers("admin-test-token");
  const auto sink = "http:" + receiver.url();
  nlohmann::json dead;
  ASSERT_TRUE(eventually([&] {
    dead = nlohmann::json::parse(get(admin, "/admin/dead-letters", auth).body)["deadLetters"];
    return dead.size() == 1;
  }));
  EXPECT_EQ(dead[0]["sink"], sink);
  EXPECT_EQ(dead[0]["reason"], "receiver answered 410");
  EXPECT_EQ(dead[0]["eventType"], "telephonyCall::created");
  const auto key = dead[0]["idempotencyKey"].get<std::string>();

  const auto calls = nlohmann::json::parse(get(admin, "/admin/calls", auth).body)["calls"];
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0]["fields"]["status"], "inProgress");
  const auto events =
      nlohmann::json::parse(get(admin, "/admin/events?since=10m", auth).body)["events"];
  EXPECT_EQ(events.size(), 1u);

  receiver.respond_with([](const Received&) { return 200; });
  const auto moved = http_request(admin, boost::beast::http::verb::post,
                                  "/admin/dead-letters/redeliver?sink=" + sink, "", auth);
  EXPECT_EQ(moved.status, 200) << moved.body;
  EXPECT_EQ(nlohmann::json::parse(moved.body)["redelivered"], 1);
  ASSERT_TRUE(eventually([&] { return receiver.received().size() >= 2; }));
  EXPECT_EQ(receiver.received()[1].header("x-idempotency-key"), key);  // the same event again
  EXPECT_TRUE(
      nlohmann::json::parse(get(admin, "/admin/dead-letters", auth).body)["deadLetters"].empty());
  // The file sink is not sent the re-delivery: it took the event the first time.
  EXPECT_EQ(read_lines(dir / "var/events.jsonl").size(), 1u);

  // `callgate events` tells the redelivery from the original: its own seq, the sink it is for,
  // the same idempotency key. It needs no provider secret (the environment has none here).
  std::string out;
  ASSERT_EQ(
      run_callgate({"events", "--since", "10m", "--config", "callgate.yaml"}, out, {}, dir.path()),
      0)
      << out;
  std::vector<nlohmann::json> rows;
  for (std::size_t pos = 0, nl; (nl = out.find('\n', pos)) != std::string::npos; pos = nl + 1)
    rows.push_back(nlohmann::json::parse(out.substr(pos, nl - pos)));
  ASSERT_EQ(rows.size(), 2u) << out;
  EXPECT_GT(rows[0]["seq"], rows[1]["seq"]) << "newest first";
  EXPECT_TRUE(rows[1]["sink"].is_null());
  EXPECT_EQ(rows[0]["sink"], sink);
  EXPECT_EQ(rows[0]["idempotencyKey"], key);
  EXPECT_EQ(rows[1]["idempotencyKey"], key);
  EXPECT_EQ(rows[0]["body"]["event"], "telephonyCall::created");
}

// A call's timeline: what the provider sent (a duplicate too), what was emitted, and where each
// sink has got with it.
TEST_F(Delivery, TheAdminApiShowsACallsWholeTimeline) {
  std::atomic<int> calls{0};
  receiver.respond_with([&](const Received&) { return ++calls == 1 ? 503 : 200; });
  ASSERT_EQ(post_pbx(pbx_event("story", "NotifyStart")).status, 200);
  ASSERT_EQ(post_pbx(pbx_event("story", "NotifyStart")).status, 200);  // the same body again
  ASSERT_EQ(post_pbx(pbx_event("story", "NotifyEnd")).status, 200);
  ASSERT_TRUE(eventually([&] { return unique_received().size() >= 2; }));
  const auto admin = server->admin_port();
  const auto auth = bearer_headers("admin-test-token");
  const auto id = nlohmann::json::parse(unique_received()[0].body)["data"]["id"].get<std::string>();
  EXPECT_EQ(get(admin, "/admin/calls/" + id).status, 401);
  nlohmann::json t;
  ASSERT_TRUE(eventually([&] {
    t = nlohmann::json::parse(get(admin, "/admin/calls/" + id, auth).body);
    // Five lines of the story and one failed attempt, wherever it fell, once all is delivered.
    std::size_t emitted_delivered = 0;
    for (const auto& e : t["timeline"])
      if (e["kind"] == "emitted" && e["deliveries"][1]["status"] == "delivered")
        ++emitted_delivered;
    return t["timeline"].size() == 6 && emitted_delivered == 2;
  })) << t.dump();
  // The receiver's first answer was a 503: that attempt is in the story, with its error.
  std::vector<nlohmann::json> line, attempts;
  for (const auto& e : t["timeline"]) (e["kind"] == "attempt" ? attempts : line).push_back(e);
  ASSERT_EQ(line.size(), 5u) << t.dump();
  ASSERT_EQ(attempts.size(), 1u) << t.dump();
  EXPECT_EQ(attempts[0]["status"], "failed");
  EXPECT_EQ(attempts[0]["sink"], "http:" + receiver.url());
  EXPECT_EQ(attempts[0]["idempotencyKey"], id + ":1");
  EXPECT_NE(attempts[0]["error"].get<std::string>().find("503"), std::string::npos);
  EXPECT_EQ(t["call"]["fields"]["status"], "completed");
  EXPECT_EQ(line[0]["kind"], "received");
  EXPECT_EQ(line[0]["eventType"], "NotifyStart");
  EXPECT_EQ(line[0]["source"], "pbx");
  EXPECT_EQ(line[1]["kind"], "emitted");
  EXPECT_EQ(line[1]["eventType"], "telephonyCall::created");
  EXPECT_EQ(line[1]["idempotencyKey"], id + ":1");
  EXPECT_EQ(line[2]["kind"], "duplicate");
  EXPECT_EQ(line[3]["eventType"], "NotifyEnd");
  EXPECT_EQ(line[4]["eventType"], "telephonyCall::deleted");
  EXPECT_EQ(line[4]["deliveries"].size(), 2u);  // the file sink and the HTTP sink
  EXPECT_EQ(get(admin, "/admin/calls/call_nosuch", auth).status, 404);
}

// Each mistake gets a status and a message that names it.
TEST_F(Delivery, TheAdminApiNamesEachMistake) {
  const auto admin = server->admin_port();
  const auto auth = bearer_headers("admin-test-token");
  auto error_of = [](const HttpResult& r) {
    return nlohmann::json::parse(r.body, nullptr, false).value("error", std::string("(none)"));
  };
  const auto no_token = get(admin, "/admin/calls");
  EXPECT_EQ(no_token.status, 401);
  EXPECT_NE(error_of(no_token).find("missing admin token"), std::string::npos) << no_token.body;
  const auto bad_token = get(admin, "/admin/calls", bearer_headers("wrong"));
  EXPECT_EQ(bad_token.status, 401);
  EXPECT_EQ(error_of(bad_token), "invalid admin token");

  const auto post_admin = [&](const std::string& target) {
    return http_request(admin, boost::beast::http::verb::post, target, "", auth);
  };
  const auto no_sink = post_admin("/admin/dead-letters/redeliver");
  EXPECT_EQ(no_sink.status, 400);
  EXPECT_NE(error_of(no_sink).find("sink is required"), std::string::npos) << no_sink.body;
  const auto unknown_sink = post_admin("/admin/dead-letters/redeliver?sink=nosuch");
  EXPECT_EQ(unknown_sink.status, 404);
  EXPECT_EQ(error_of(unknown_sink), "no sink named 'nosuch'");
  const auto bad_seq = post_admin("/admin/dead-letters/redeliver?sink=file:var/events.jsonl&seq=x");
  EXPECT_EQ(bad_seq.status, 400) << bad_seq.body;

  const auto unknown_path = get(admin, "/admin/nothing-here", auth);
  EXPECT_EQ(unknown_path.status, 404);
  EXPECT_NE(error_of(unknown_path).find("no such admin endpoint"), std::string::npos);
  const auto wrong_method = post_admin("/admin/calls");
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(get(admin, "/admin/events?since=yesterday", auth).status, 400);
}

TEST_F(Delivery, A5xxIsRetriedUntilTaken) {
  std::atomic<int> calls{0};
  receiver.respond_with([&](const Received&) { return ++calls <= 3 ? 503 : 200; });
  ASSERT_EQ(post_pbx(pbx_event("flaky", "NotifyStart")).status, 200);
  ASSERT_TRUE(eventually([&] { return receiver.received().size() >= 4; }));
  const auto got = receiver.received();
  for (const auto& r : got)
    EXPECT_EQ(r.header("x-idempotency-key"), got[0].header("x-idempotency-key"));
  EXPECT_EQ(unique_received().size(), 1u);
}

TEST_F(Delivery, KillNineUnderLoadLosesNothingThatWasAcknowledged) {
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::vector<std::string> acked;  // call ids whose NotifyStart got a 200
  std::vector<std::thread> load;
  const auto port_now = port();
  for (int t = 0; t < 4; ++t) {
    load.emplace_back([&, t] {
      for (int i = 0; !stop && i < 2000; ++i) {
        const auto call = "load-" + std::to_string(t) + "-" + std::to_string(i);
        const auto body = pbx_event(call, "NotifyStart");
        const auto r = post(port_now, "/webhooks/pbx", body, bearer_headers(kPbxToken));
        if (r.status == 200) {
          std::lock_guard lock(mutex);
          acked.push_back(call);
        }
      }
    });
  }
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mutex);
    return acked.size() >= 400;
  }));
  server->kill9();
  stop = true;
  for (auto& th : load) th.join();
  ASSERT_TRUE(server->start()) << server->log();

  std::set<std::string> acked_ids;
  for (const auto& call : acked) acked_ids.insert(core::derive_call_id("pbx", call));
  ASSERT_TRUE(eventually(
      [&] {
        std::set<std::string> got;
        for (const auto& r : receiver.received())
          got.insert(nlohmann::json::parse(r.body)["data"]["id"].get<std::string>());
        return std::includes(got.begin(), got.end(), acked_ids.begin(), acked_ids.end());
      },
      std::chrono::seconds(30)))
      << acked_ids.size() << " acknowledged calls, not all delivered";
  // And the JSONL file holds each of them exactly once.
  std::map<std::string, int> lines;
  for (const auto& line : read_lines(dir / "var/events.jsonl"))
    ++lines[nlohmann::json::parse(line)["data"]["id"].get<std::string>()];
  for (const auto& id : acked_ids) EXPECT_EQ(lines[id], 1) << id;
}

}  // namespace
}  // namespace callgate::testing

namespace callgate::testing {
namespace {

/** An HTTP sink to a receiver that keeps connections alive (as most do). */
class KeepAliveDelivery : public Gateway {
 protected:
  void SetUp() override {}
  void start_against(Receiver& receiver) {
    start(config_yaml("sqlite", "  - type: http\n    url: " + receiver.url() +
                                    "\n    concurrency: 4\n    retry_base_ms: 20\n"
                                    "    retry_max_ms: 100\n"));
  }
  std::string start_body(int i) {
    return R"({"event":"NotifyStart","callId":"ka-)" + std::to_string(i) +
           R"(","direction":"In","srcPhone":"+1555","dstPhone":"100"})";
  }
  std::set<std::string> keys(const Receiver& receiver) {
    std::set<std::string> out;
    for (const auto& r : receiver.received()) out.insert(r.header("x-idempotency-key"));
    return out;
  }
};

TEST_F(KeepAliveDelivery, DeliveriesReuseTheirConnections) {
  Receiver receiver(ReceiverMode{.keep_alive = true});
  start_against(receiver);
  for (int i = 0; i < 40; ++i) ASSERT_EQ(post_pbx(start_body(i)).status, 200);
  ASSERT_TRUE(eventually([&] { return receiver.received().size() >= 40; }));
  EXPECT_EQ(keys(receiver).size(), 40u);
  EXPECT_LE(receiver.connections(), 4) << "40 deliveries over at most `concurrency` connections";
}

// A receiver may drop an idle connection at any time without a word: the next delivery on it
// fails at once and is sent again on a fresh connection, with nothing lost or counted as failed.
TEST_F(KeepAliveDelivery, AConnectionTheReceiverDroppedIsReplacedUnnoticed) {
  Receiver receiver(ReceiverMode{.keep_alive = true, .close_after = 2});
  start_against(receiver);
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(post_pbx(start_body(i)).status, 200);
    // One delivery at a time: the next event once this one has arrived.
    ASSERT_TRUE(
        eventually([&] { return keys(receiver).size() >= static_cast<std::size_t>(i + 1); }));
  }
  ASSERT_TRUE(eventually([&] { return keys(receiver).size() >= 20; }));
  EXPECT_EQ(receiver.received().size(), 20u) << "each event once";
  EXPECT_EQ(metric_value(metrics(),
                         R"(callgate_sink_failures_total{sink="http:)" + receiver.url() + R"("})"),
            0);
  EXPECT_GE(receiver.connections(), 10) << "the receiver did drop them";
}

}  // namespace
}  // namespace callgate::testing
