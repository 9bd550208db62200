// The request log through the real binary: a Twilio request refused for a wrong auth token is
// found by source and verdict, with its body, its redacted signature and what was checked; once
// the token is fixed, replaying it is accepted as a new request; `callgate requests` and
// `callgate events` page the same store, newest first.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <support/definition_signing.hpp>
#include <support/http_client.hpp>
#include <support/server_process.hpp>
#include <support/signing.hpp>

namespace callgate::testing {
namespace {

constexpr const char* kUrl = "https://gw.example.com/webhooks/twilio";

std::string config(const std::string& auth_token) {
  return "listen: 127.0.0.1:0\n"
         "store: {type: sqlite, path: var/callgate.db}\n"
         "sources:\n"
         "  twilio:\n"
         "    provider: twilio\n"
         "    auth_token: " +
         auth_token +
         "\n"
         "    public_url: " +
         kUrl +
         "\n"
         "admin:\n  listen: 127.0.0.1:0\n  token: admin-test-token\n";
}

nlohmann::json admin(const ServerProcess& server, const std::string& target,
                     boost::beast::http::verb method = boost::beast::http::verb::get) {
  auto r =
      http_request(server.admin_port(), method, target, {}, bearer_headers("admin-test-token"));
  EXPECT_EQ(r.status, 200) << target << ": " << r.body;
  return nlohmann::json::parse(r.body, nullptr, false);
}

TEST(RequestLog, ARefusedTwilioRequestIsFoundExplainedAndReplayedOnceTheTokenIsFixed) {
  TempDir dir;
  const FormParams params{
      {"CallSid", "CA0001"},    {"CallStatus", "ringing"},
      {"From", "+14155550100"}, {"To", "+14155550199"},
      {"Direction", "inbound"}, {"Timestamp", "Sun, 06 Dec 2026 10:00:00 +0000"}};
  const auto signature = twilio_signature("the-right-token", kUrl, params);
  std::int64_t id = 0;  // the signed request's
  {
    ServerProcess server(dir.path(), config("a-wrong-token"));
    ASSERT_TRUE(server.running());
    EXPECT_EQ(post(server.port(), "/webhooks/twilio", form_body(params),
                   twilio_headers("the-right-token", kUrl, params))
                  .status,
              401);
    // Noise around it: another source's name, and a request with no signature at all.
    EXPECT_EQ(post(server.port(), "/webhooks/twillio", "x").status, 404);
    EXPECT_EQ(post(server.port(), "/webhooks/twilio", form_body(params)).status, 401);

    auto found = admin(server, "/admin/requests?source=twilio&verdict=refused&q=CA0001");
    ASSERT_EQ(found["requests"].size(), 2u) << found.dump();
    id = found["requests"][1]["id"].get<std::int64_t>();  // the older: signed
    auto one = admin(server, "/admin/requests/" + std::to_string(id));
    EXPECT_EQ(one["status"], 401);
    EXPECT_EQ(one["reason"], "signature does not match");
    EXPECT_EQ(one["body"], form_body(params));
    std::string shown;
    for (const auto& h : one["headers"])
      if (h["name"] == "X-Twilio-Signature") shown = h["value"];
    EXPECT_EQ(shown, signature.substr(0, 4) + "… (" + std::to_string(signature.size()) + " chars)");
    EXPECT_EQ(one.dump().find(signature), std::string::npos) << "the signature is not shown";
    EXPECT_EQ(one["diagnosis"]["scheme"], "hmac-sha1");
    EXPECT_EQ(one["diagnosis"]["headers"][0]["present"], true);
    EXPECT_EQ(one["diagnosis"]["signedUrls"][0]["url"], kUrl);
    EXPECT_EQ(one["diagnosis"]["secretsTried"], 1);
    EXPECT_EQ(one["replayable"], true);

    auto unsigned_one =
        admin(server, "/admin/requests/" + std::to_string(found["requests"][0]["id"].get<int>()));
    EXPECT_EQ(unsigned_one["reason"], "missing signature");
    EXPECT_EQ(unsigned_one["diagnosis"]["headers"][0]["present"], false);
    auto unknown = admin(server, "/admin/requests?verdict=refused&status=404");
    ASSERT_EQ(unknown["requests"].size(), 1u);
    EXPECT_EQ(unknown["requests"][0]["source"], "twillio") << "a wrong URL shows as sent";
    EXPECT_EQ(unknown["requests"][0]["reason"], "unknown source");
    ASSERT_EQ(server.stop(), 0);
  }

  // The operator fixes the token and replays the stored request: a new request, accepted.
  ServerProcess server(dir.path(), config("the-right-token"));
  ASSERT_TRUE(server.running());
  const auto refused = admin(server, "/admin/requests?source=twilio&status=401&limit=1");
  ASSERT_EQ(refused["requests"].size(), 1u);
  EXPECT_EQ(refused["next"], refused["requests"][0]["id"]) << "one more page: the signed one";
  auto replayed = admin(server, "/admin/requests/" + std::to_string(id) + "/replay",
                        boost::beast::http::verb::post);
  EXPECT_EQ(replayed["status"], 200) << replayed.dump();
  EXPECT_EQ(replayed["answer"]["status"], "accepted");
  auto newest = admin(server, "/admin/requests?limit=1");
  ASSERT_EQ(newest["requests"].size(), 1u);
  EXPECT_EQ(newest["requests"][0]["replayOf"], id);
  EXPECT_EQ(newest["requests"][0]["verdict"], "accepted");
  ASSERT_EQ(newest["requests"][0]["events"].size(), 1u);
  EXPECT_EQ(newest["requests"][0]["events"][0]["eventType"], "telephonyCall::created");
  // Again: the provider's own redelivery rules hold, so it is a duplicate now.
  replayed = admin(server, "/admin/requests/" + std::to_string(id) + "/replay",
                   boost::beast::http::verb::post);
  EXPECT_EQ(replayed["answer"]["status"], "duplicate");
  ASSERT_EQ(server.stop(), 0);

  // The command line reads the same log and the same outbox.
  std::string out;
  ASSERT_EQ(run_callgate(
                {"requests", "-c", "callgate.yaml", "--source", "twilio", "--verdict", "accepted"},
                out, {}, dir.path()),
            0)
      << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  EXPECT_NE(out.find("\"replayOf\":" + std::to_string(id)), std::string::npos) << out;
  ASSERT_EQ(run_callgate({"requests", "-c", "callgate.yaml", "--id", std::to_string(id)}, out, {},
                         dir.path()),
            0);
  EXPECT_NE(out.find("\"diagnosis\""), std::string::npos) << out;
  ASSERT_EQ(run_callgate({"events", "-c", "callgate.yaml", "--limit", "1"}, out, {}, dir.path()),
            0);
  EXPECT_NE(out.find("telephonyCall::created"), std::string::npos) << out;
}

}  // namespace
}  // namespace callgate::testing
