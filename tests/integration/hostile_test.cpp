// Hostile and broken input over real sockets: each gets its answer, nothing is emitted, every
// refusal is counted, the server keeps answering health checks, and no secret or body is logged.
#include <poll.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <callgate/verify/webex.hpp>
#include <integration/gateway.hpp>
#include <support/raw_client.hpp>

namespace callgate::testing {
namespace {

std::string request(const std::string& target, const boost::beast::http::fields& headers,
                    const std::string& body, const std::string& extra_headers = "") {
  std::string r = "POST " + target + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
  for (const auto& h : headers)
    r += std::string(h.name_string()) + ": " + std::string(h.value()) + "\r\n";
  r += extra_headers;
  r += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  return r;
}

class Hostile : public Gateway {
 protected:
  void SetUp() override {
    auto yaml =
        config_yaml("sqlite", "",
                    "  limited:\n    provider: voip\n    auth:\n      bearer: ${PBX_TOKEN}\n"
                    "    rate_limit: {per_second: 1, burst: 2}\n");
    // The default 1 MiB body limit, so that 100k levels of nesting reach the depth check.
    const std::string small = "max_body_bytes: 65536\n";
    yaml.replace(yaml.find(small), small.size(), "max_body_bytes: 1048576\n");
    start("http:\n  read_timeout_ms: 1000\n  idle_timeout_ms: 3000\n  max_connections: 400\n" +
          yaml);
  }
  std::string signed_webex(const std::string& body) {
    return request("/webhooks/webex", webex_headers(kWebexSecret, body), body);
  }
};

TEST_F(Hostile, EveryBrokenRequestGetsItsAnswerAndLeavesNoTrace) {
  const auto seed = webex_seed_bodies()[0];
  const auto telnyx_body = read_file(data_path("telnyx/call_initiated.json"));
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  boost::beast::http::fields twice;
  twice.insert("X-Spark-Signature", verify::hmac_sha1_hex(kWebexSecret, seed));
  twice.insert("X-Spark-Signature", verify::hmac_sha1_hex(kWebexSecret, seed));
  boost::beast::http::fields garbled;
  garbled.set("X-Spark-Signature", "zzz");
  std::string many_headers;
  for (int i = 0; i < 150; ++i) many_headers += "X-Junk-" + std::to_string(i) + ": y\r\n";

  struct Case {
    const char* what;
    std::string bytes;
    int status;
  };
  const std::vector<Case> cases = {
      {"invalid JSON", signed_webex("{\"resource\":"), 400},
      {"JSON of the wrong shape", signed_webex(R"({"items":[1,2,3]})"), 400},
      {"empty body", signed_webex(""), 400},
      {"invalid UTF-8", signed_webex("{\"resource\":\"\xff\xfe\",\"data\":{}}"), 400},
      {"100k levels of nesting", signed_webex(deep), 400},
      {"number out of range",
       signed_webex(R"({"resource":"telephony_calls","data":{"callId":1e999}})"), 400},
      {"10 MB body, announced",
       "POST /webhooks/webex HTTP/1.1\r\nHost: x\r\nContent-Length: 10485760\r\n\r\n" +
           std::string(100'000, 'a'),
       413},
      {"oversized chunked body, not announced",
       "POST /webhooks/webex HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
           [] {
             std::string chunks;
             for (int i = 0; i < 300; ++i) chunks += "1000\r\n" + std::string(4096, 'a') + "\r\n";
             return chunks + "0\r\n\r\n";
           }(),
       413},
      {"missing signature", request("/webhooks/webex", {}, seed), 401},
      {"garbled signature", request("/webhooks/webex", garbled, seed), 401},
      {"duplicated signature header", request("/webhooks/webex", twice, seed), 401},
      {"signature of a different body",
       request("/webhooks/webex", webex_headers(kWebexSecret, seed + " "), seed), 401},
      {"timestamp a day in the past",
       request("/webhooks/telnyx", telnyx.sign(telnyx_body, now() - std::chrono::hours(24)),
               telnyx_body),
       401},
      {"timestamp a day in the future",
       request("/webhooks/telnyx", telnyx.sign(telnyx_body, now() + std::chrono::hours(24)),
               telnyx_body),
       401},
      {"a captured valid request replayed after the tolerance",
       request("/webhooks/telnyx", telnyx.sign(telnyx_body, now() - std::chrono::seconds(301)),
               telnyx_body),
       401},
      {"150 headers",
       request("/webhooks/webex", webex_headers(kWebexSecret, seed), seed, many_headers), 431},
      {"one 20 KB header",
       request("/webhooks/webex", webex_headers(kWebexSecret, seed), seed,
               "X-Long: " + std::string(20'000, 'x') + "\r\n"),
       431},
      {"garbage instead of HTTP", std::string("\x16\x03\x01\x02\x00 not http at all\r\n\r\n", 25),
       400},  // a TLS-like start, NUL included
  };
  for (const auto& c : cases) {
    const auto response = raw_exchange(port(), c.bytes);
    EXPECT_EQ(first_status(response), c.status) << c.what << ":\n" << response.substr(0, 200);
    EXPECT_EQ(get(port(), "/healthz").status, 200) << "after " << c.what;
  }
  const auto m = metrics();
  long long refused = 0;
  for (int status : {400, 401, 413, 431})
    for (const char* source : {"webex", "telnyx", ""})
      refused += metric_value(m, std::string("callgate_requests_total{source=\"") + source +
                                     "\",status=\"" + std::to_string(status) + "\"}");
  EXPECT_EQ(refused, static_cast<long long>(cases.size()));
  EXPECT_EQ(read_lines(dir / "var/events.jsonl").size(), 0u);
  const auto log = server->log();
  EXPECT_EQ(log.find(kWebexSecret), std::string::npos);
  EXPECT_EQ(log.find("POUYA"), std::string::npos);
  EXPECT_EQ(log.find("aaaaaaaa"), std::string::npos);
}

TEST_F(Hostile, ASourceOverItsRateLimitGets429WithRetryAfter) {
  const std::string body =
      R"({"event":"NotifyHold","direction":"In","srcPhone":"1","dstPhone":"2"})";
  EXPECT_EQ(post(port(), "/webhooks/limited", body, bearer_headers(kPbxToken)).status, 200);
  EXPECT_EQ(post(port(), "/webhooks/limited", body, bearer_headers(kPbxToken)).status, 200);
  const auto third =
      raw_exchange(port(), request("/webhooks/limited", bearer_headers(kPbxToken), body));
  EXPECT_EQ(first_status(third), 429);
  EXPECT_NE(third.find("Retry-After: 1"), std::string::npos) << third;
  // Other sources are not limited by it.
  EXPECT_EQ(post_pbx(body).status, 200);
  EXPECT_EQ(
      metric_value(metrics(),
                   R"(callgate_rejections_total{source="limited",reason="rate limit exceeded"})"),
      1);
}

TEST_F(Hostile, ASlowlorisIsCutOffByTheReadTimeout) {
  namespace net = boost::asio;
  net::io_context ioc;
  net::ip::tcp::socket slow(ioc);
  slow.connect({net::ip::make_address("127.0.0.1"), port()});
  const auto start = std::chrono::steady_clock::now();
  const std::string drip = "POST /webhooks/webex HTTP/1.1\r\nHost: x\r\n";
  boost::system::error_code ec;
  std::size_t i = 0;
  for (; i < drip.size() && !ec; ++i) {
    net::write(slow, net::buffer(&drip[i], 1), ec);
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    if (i == 3) {
      EXPECT_EQ(get(port(), "/healthz").status, 200);  // others are served meanwhile
    }
  }
  // The server closed the connection long before the drip could finish.
  char byte;
  slow.read_some(net::buffer(&byte, 1), ec);
  EXPECT_TRUE(ec) << "connection still open";
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
}

TEST_F(Hostile, ManyIdleConnectionsAndTheConnectionLimit) {
  boost::asio::io_context ioc;
  auto idle = silent_connections(ioc, port(), 450);
  ASSERT_TRUE(eventually([&] {
    return metric_value(get(port(), "/metrics").body, "callgate_connections_refused_total") > 0;
  })) << "450 idle connections against a limit of 400";
  idle.clear();
  ASSERT_TRUE(eventually([&] { return get(port(), "/healthz").status == 200; }));
}

// A connection that never sends a byte frees its slot after read_timeout (1 s here), not after
// idle_timeout (3 s): 400 silent sockets must not keep real requests out for long.
TEST_F(Hostile, ASilentNewConnectionIsClosedAfterTheReadTimeout) {
  namespace net = boost::asio;
  net::io_context ioc;
  auto silent = silent_connections(ioc, port(), 400);
  for (const auto& s : silent) {
    boost::system::error_code ec;
    s.remote_endpoint(ec);
    ASSERT_FALSE(ec) << "connection failed: " << ec.message();
  }
  const auto start = std::chrono::steady_clock::now();
  // The first silent socket is closed by the server well before idle_timeout.
  pollfd first{silent.front().native_handle(), POLLIN, 0};
  ASSERT_EQ(::poll(&first, 1, 2500), 1) << "still open after 2.5 s";
  char byte;
  boost::system::error_code ec;
  silent.front().read_some(net::buffer(&byte, 1), ec);
  EXPECT_EQ(ec, net::error::eof);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2500));
  EXPECT_EQ(get(port(), "/healthz").status, 200) << "the slots are free again";
}

TEST_F(Hostile, PipelinedRequestsAreAllAnswered) {
  const std::string one = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string last = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const auto response = raw_exchange(port(), one + one + last);
  EXPECT_EQ(count_responses(response), 3) << response;
}

}  // namespace
}  // namespace callgate::testing
