#pragma once
// A running callgate with all three providers configured, and signed senders for each.

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <support/fixtures.hpp>
#include <support/http_client.hpp>
#include <support/server_process.hpp>
#include <support/signing.hpp>

namespace callgate::testing {

inline const std::string kWebexSecret = "webex-test-secret";
inline const std::string kPbxToken = "pbx-test-token";
inline const std::string kPbxWhsec = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
// The bundled definitions' sources, as the tests that add them configure them.
inline const std::string kTwilioToken = "twilio-auth-token";
inline const std::string kTwilioUrl = "https://hooks.example.com/webhooks/twilio";
inline const std::string kZoomSecret = "secretValueTest";

/** One callgate process per test, in its own directory, with store and sink files there. */
class Gateway : public ::testing::Test {
 protected:
  std::string config_yaml(const std::string& store_type = "sqlite", const std::string& extra = "",
                          const std::string& extra_sources = "") const {
    return "listen: 127.0.0.1:0\n"
           "threads: 2\n"
           "max_body_bytes: 65536\n"
           "log_level: info\n"
           "metrics: {on_webhook_listener: true}\n"  // the tests read /metrics where they post
           "store:\n  type: " +
           store_type +
           "\n  path: var/callgate.db\n  busy_timeout_ms: 200\n"
           "sources:\n"
           "  webex:\n    provider: webex\n    secret: ${WEBEX_SECRET}\n"
           "  telnyx:\n    provider: telnyx\n    public_key: ${TELNYX_KEY}\n    tolerance_seconds: "
           "300\n"
           "  pbx:\n    provider: voip\n    auth:\n      bearer: ${PBX_TOKEN}\n"
           "  pbx-signed:\n    provider: voip\n    auth:\n      standard_webhooks_secret: " +
           kPbxWhsec + "\n" + extra_sources +
           "sinks:\n  - type: file\n    path: var/events.jsonl\n" + extra;
  }

  void start(const std::string& yaml) {
    server = std::make_unique<ServerProcess>(
        dir.path(), yaml,
        std::map<std::string, std::string>{{"WEBEX_SECRET", kWebexSecret},
                                           {"TELNYX_KEY", telnyx.public_key_base64()},
                                           {"PBX_TOKEN", kPbxToken}});
    ASSERT_TRUE(server->running()) << server->log();
  }
  void SetUp() override { start(config_yaml()); }

  std::uint16_t port() const { return server->port(); }
  HttpResult post_webex(const std::string& body) {
    return post(port(), "/webhooks/webex", body, webex_headers(kWebexSecret, body));
  }
  HttpResult post_telnyx(const std::string& body, TimePoint t = now()) {
    return post(port(), "/webhooks/telnyx", body, telnyx.sign(body, t));
  }
  HttpResult post_pbx(const std::string& body) {
    return post(port(), "/webhooks/pbx", body, bearer_headers(kPbxToken));
  }
  std::string metrics() { return get(port(), "/metrics").body; }

  /** The JSONL sink's events once there are at least n (or what is there after a timeout). */
  std::vector<nlohmann::json> events(std::size_t n,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::vector<nlohmann::json> out;
    eventually(
        [&] {
          out.clear();
          for (const auto& line : read_lines(dir / "var/events.jsonl"))
            out.push_back(nlohmann::json::parse(line));
          return out.size() >= n;
        },
        timeout);
    return out;
  }

  /** For "nothing more arrives": how long to wait for an event that must not come. */
  static constexpr std::chrono::milliseconds kQuiet{500};

  TempDir dir;
  TelnyxKeys telnyx;
  std::unique_ptr<ServerProcess> server;
};

inline std::string event_type(const nlohmann::json& e) { return e["event"].get<std::string>(); }

}  // namespace callgate::testing
