// TLS on the listener, with a self-signed certificate made for the test (openssl CLI).
#include <cstdio>
#include <cstdlib>
#include <integration/gateway.hpp>

namespace callgate::testing {
namespace {

/** Runs a shell command; returns its standard output. */
std::string shell(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  while (auto n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  ::pclose(p);
  return out;
}

class Tls : public Gateway {
 protected:
  void SetUp() override {
    const auto d = dir.path().string();
    ASSERT_EQ(std::system(("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
                           "-keyout " +
                           d + "/key.pem -out " + d + "/cert.pem 2>/dev/null")
                              .c_str()),
              0);
    start("tls:\n  cert: " + d + "/cert.pem\n  key: " + d + "/key.pem\n" + config_yaml());
  }
  std::string url(const std::string& path) const {
    return "https://127.0.0.1:" + std::to_string(port()) + path;
  }
};

TEST_F(Tls, ServesHttpsWithTheConfiguredCertificate) {
  const auto cert = (dir / "cert.pem").string();
  // curl trusts exactly this certificate; the name is checked against its CN.
  EXPECT_EQ(shell("curl -s --cacert " + cert + " --resolve localhost:" + std::to_string(port()) +
                  ":127.0.0.1 -o /dev/null -w '%{http_code}' https://localhost:" +
                  std::to_string(port()) + "/healthz"),
            "200");
  const auto body = webex_seed_bodies()[0];
  std::ofstream(dir / "body.json", std::ios::binary) << body;
  const auto signature = webex_headers(kWebexSecret, body)["X-Spark-Signature"];
  EXPECT_EQ(shell("curl -sk -o /dev/null -w '%{http_code}' -XPOST --data-binary @" +
                  (dir / "body.json").string() + " -H 'X-Spark-Signature: " +
                  std::string(signature) + "' " + url("/webhooks/webex")),
            "200");
  EXPECT_EQ(events(1).size(), 1u);
  // Plain HTTP on the TLS port gets no HTTP answer.
  EXPECT_EQ(get(port(), "/healthz").status, 0);
  EXPECT_EQ(shell("curl -sk -o /dev/null -w '%{http_code}' " + url("/healthz")), "200");
}

}  // namespace
}  // namespace callgate::testing
