// Faults the first campaign found, each against the real binary on 127.0.0.1: a receiver that
// hangs at shutdown, a corrupt stored call among healthy ones, file-descriptor exhaustion, a
// forged flood next to a real sender, a full disk, and secrets that must not leak.
#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <callgate/core/correlate.hpp>
#include <callgate/verify/common.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <integration/gateway.hpp>
#include <iostream>
#include <sstream>
#include <support/raw_client.hpp>
#include <support/receiver.hpp>
#include <thread>
#include <utility>

namespace callgate::testing {
namespace {

namespace net = boost::asio;

std::string pbx_call(const std::string& call, const std::string& event) {
  return R"({"event":")" + event + R"(","callId":")" + call +
         R"(","direction":"In","srcPhone":"+15550001111","dstPhone":"100"})";
}

class Reliability : public Gateway {
 protected:
  void SetUp() override {}  // each test starts the server it needs
};

// A receiver that accepts the TCP connection and never answers: shutdown must still end within
// http.shutdown_timeout_ms, and what was not delivered stays in the outbox, said in the log.
TEST_F(Reliability, ShutdownEndsWithinItsTimeoutWhileAReceiverHangs) {
  net::io_context ioc;
  net::ip::tcp::acceptor hanging(ioc, {net::ip::make_address("127.0.0.1"), 0});  // never answers
  const auto url = "http://127.0.0.1:" + std::to_string(hanging.local_endpoint().port()) + "/";
  start("http:\n  shutdown_timeout_ms: 1000\n" +
        config_yaml("sqlite", "  - type: http\n    url: " + url + "\n    timeout_ms: 20000\n"));
  for (int i = 0; i < 5; ++i)
    ASSERT_EQ(post_pbx(pbx_call("hang-" + std::to_string(i), "NotifyStart")).status, 200);
  // A delivery is in flight once its connection arrives; it is taken and never answered.
  hanging.non_blocking(true);
  net::ip::tcp::socket in_flight(ioc);
  ASSERT_TRUE(eventually([&] {
    boost::system::error_code ec;
    hanging.accept(in_flight, ec);
    return !ec;
  }));

  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(server->stop(), 0);
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(took, std::chrono::milliseconds(2500)) << "shutdown_timeout_ms is 1000";
  std::cout << "measured: shutdown with a hanging receiver took "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms\n";
  const auto log = server->log();
  EXPECT_NE(log.find("5 event(s) not delivered by the shutdown deadline; they stay in the outbox"),
            std::string::npos)
      << log;
  EXPECT_EQ(read_lines(dir / "var/events.jsonl").size(), 5u) << "the file sink took them all";
}

// One call whose stored row is corrupt must not take the calls decided in the same batches down
// with it: they get 200, it gets 500, logged with its id and counted.
TEST_F(Reliability, ACorruptStoredCallFailsAloneNotItsBatch) {
  start(config_yaml());
  ASSERT_EQ(post_pbx(pbx_call("poison", "NotifyStart")).status, 200);
  const auto poison_id = core::derive_call_id("pbx", "poison");
  // The row is damaged while callgate is down (a disk fault, a bad restore): the committer's
  // state cache, which only ever holds what it committed itself, starts empty again.
  ASSERT_EQ(server->stop(), 0);
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir / "var/callgate.db").c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 2000);
    const auto sql = R"(UPDATE calls SET state = '{"v":1,"torn":' WHERE id = ')" + poison_id + "'";
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_changes(db), 1);
    sqlite3_close(db);
  }
  ASSERT_TRUE(server->start()) << server->log();

  std::atomic<int> healthy_ok{0}, healthy_other{0}, poison_500{0}, poison_other{0};
  std::vector<std::thread> senders;
  for (int t = 0; t < 6; ++t)
    senders.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        const auto call = "healthy-" + std::to_string(t) + "-" + std::to_string(i);
        const auto r =
            post(port(), "/webhooks/pbx", pbx_call(call, "NotifyStart"), bearer_headers(kPbxToken));
        (r.status == 200 ? healthy_ok : healthy_other)++;
      }
    });
  senders.emplace_back([&] {
    for (int i = 0; i < 40; ++i) {
      const auto r =
          post(port(), "/webhooks/pbx", pbx_call("poison", i % 2 ? "NotifyAnswer" : "NotifyEnd"),
               bearer_headers(kPbxToken));
      (r.status == 500 ? poison_500 : poison_other)++;
    }
  });
  for (auto& s : senders) s.join();
  EXPECT_EQ(healthy_ok, 150);
  EXPECT_EQ(healthy_other, 0);
  EXPECT_EQ(poison_500, 40);
  EXPECT_EQ(poison_other, 0);
  EXPECT_GE(metric_value(metrics(), "callgate_corrupt_calls_total"), 1);
  EXPECT_NE(server->log().find("store: call " + poison_id), std::string::npos) << server->log();
  EXPECT_EQ(get(port(), "/readyz").status, 200) << "one bad call does not make the store unready";
}

/** CPU seconds (user + system) the process has used, from /proc/<pid>/stat. */
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string f;
  std::vector<std::string> v;
  while (fields >> f) v.push_back(f);
  // After the name: state is field 3, utime 14 and stime 15 (1-based over the whole line).
  return (std::stod(v.at(11)) + std::stod(v.at(12))) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::size_t count_lines_with(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t pos = 0; (pos = text.find(what, pos)) != std::string::npos; pos += what.size())
    ++n;
  return n;
}

// Out of file descriptors, the accept loop must pause instead of spinning, keep its log short,
// and serve again once clients leave.
TEST_F(Reliability, RunningOutOfFileDescriptorsNeitherSpinsNorFloodsTheLog) {
  start("http:\n  read_timeout_ms: 5000\n" + config_yaml());
  const rlimit low{256, 256};
  ASSERT_EQ(::prlimit(server->pid(), RLIMIT_NOFILE, &low, nullptr), 0) << std::strerror(errno);

  net::io_context ioc;
  auto clients = silent_connections(ioc, port(), 400);
  ASSERT_TRUE(eventually([&] { return count_lines_with(server->log(), "accept failed") >= 1; }))
      << "the server is now out of descriptors";
  const auto cpu0 = cpu_seconds(server->pid());
  std::this_thread::sleep_for(std::chrono::seconds(2));  // the window the CPU time is measured in
  const auto cpu = cpu_seconds(server->pid()) - cpu0;
  EXPECT_LT(cpu, 0.3) << "CPU seconds used in 2 s while out of descriptors";
  const auto log = server->log();
  std::cout << "measured: out of descriptors, " << cpu << " CPU s in 2 s, "
            << count_lines_with(log, "accept failed") << " log lines about it\n";
  EXPECT_GE(count_lines_with(log, "accept failed"), 1u) << "the test did exhaust the descriptors";
  EXPECT_LE(count_lines_with(log, "accept failed"), 12u) << log.substr(0, 2000);

  clients.clear();
  EXPECT_TRUE(eventually([&] { return get(port(), "/healthz").status == 200; }))
      << "serves again once the clients have left";
  EXPECT_GE(metric_value(metrics(), "callgate_accept_failures_total"), 1);
}

// A max_connections that the descriptor limit cannot hold is said at startup, and held to it.
TEST_F(Reliability, AConnectionLimitAboveTheDescriptorLimitIsSaidAtStartup) {
  rlimit limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  if (limit.rlim_max >= 1'000'000) GTEST_SKIP() << "the hard descriptor limit is above any config";
  start("http:\n  max_connections: 1000000\n" + config_yaml());
  EXPECT_NE(server->log().find("http.max_connections is 1000000 but the file-descriptor limit is"),
            std::string::npos)
      << server->log();
}

// A forged flood at full speed next to the real provider at 10/s, under a 50/s limit: the
// forgeries spend only their own connections' buckets (and then get 429 without any crypto), so
// the real sender is not locked out.
TEST_F(Reliability, AForgedFloodDoesNotLockOutTheRealSender) {
  start(config_yaml("sqlite", "",
                    "  limited:\n    provider: voip\n    auth:\n      bearer: ${PBX_TOKEN}\n"
                    "    rate_limit: {per_second: 50, burst: 50}\n"));
  std::atomic<bool> stop{false};
  std::atomic<long> forged{0}, forged_429{0};
  std::vector<std::thread> flood;
  for (int t = 0; t < 3; ++t)
    flood.emplace_back([&] {
      namespace http = boost::beast::http;
      while (!stop) {
        net::io_context ioc;
        boost::beast::tcp_stream stream(ioc);
        boost::system::error_code ec;
        stream.connect({net::ip::make_address("127.0.0.1"), port()}, ec);
        if (ec) continue;
        boost::beast::flat_buffer buffer;
        while (!stop && !ec) {  // keep-alive: one connection for as long as it stays open
          http::request<http::string_body> req{http::verb::post, "/webhooks/limited", 11};
          req.set(http::field::host, "x");
          req.set(http::field::authorization, "Bearer forged-token");
          req.body() = pbx_call("forged", "NotifyStart");
          req.prepare_payload();
          http::write(stream, req, ec);
          http::response<http::string_body> res;
          if (!ec) http::read(stream, buffer, res, ec);
          if (ec) break;
          ++forged;
          if (res.result_int() == 429) ++forged_429;
          if (!res.keep_alive()) break;
        }
      }
    });
  int real_ok = 0;
  const int real_total = 30;
  for (int i = 0; i < real_total; ++i) {
    const auto r =
        post(port(), "/webhooks/limited", pbx_call("real-" + std::to_string(i), "NotifyStart"),
             bearer_headers(kPbxToken));
    if (r.status == 200) ++real_ok;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // a real sender's pace: 10/s
  }
  stop = true;
  for (auto& t : flood) t.join();
  EXPECT_GE(real_ok * 100, real_total * 99) << real_ok << " of " << real_total;
  std::cout << "measured: real sender " << real_ok << "/" << real_total << " accepted; " << forged
            << " forgeries, " << forged_429 << " of them 429 before crypto\n";
  EXPECT_GT(forged, 1000) << "the flood ran at full speed";
  EXPECT_GT(forged_429 * 10, forged * 9) << "nearly every forgery was refused before crypto";
  const auto m = metrics();
  EXPECT_LE(
      metric_value(
          m,
          R"(callgate_verification_failures_total{source="limited",reason="signature does not match"})"),
      3 * 50 + 3 * 50 * 4)
      << "verifications of forgeries stay within the buckets' budget";
}

// /metrics is not served on the public webhook listener unless asked: it is on the admin
// listener (behind the admin token) and on a metrics listener of its own.
TEST_F(Reliability, MetricsStayOffThePublicListenerByDefault) {
  auto yaml = config_yaml("sqlite",
                          "admin:\n  listen: 127.0.0.1:0\n  token: admin-token\n"
                          "metrics:\n  listen: 127.0.0.1:0\n");
  const std::string asked = "metrics: {on_webhook_listener: true}\n";
  yaml.erase(yaml.find(asked), asked.size());
  start(yaml);
  EXPECT_EQ(get(port(), "/metrics").status, 404);
  ASSERT_NE(server->metrics_port(), 0);
  const auto own = get(server->metrics_port(), "/metrics");
  EXPECT_EQ(own.status, 200);
  EXPECT_NE(own.body.find("# TYPE callgate_requests_total counter"), std::string::npos);
  EXPECT_EQ(get(server->admin_port(), "/metrics").status, 401);
  EXPECT_EQ(get(server->admin_port(), "/metrics", bearer_headers("admin-token")).status, 200);
}

// The store and the JSONL sink hold phone numbers: created 0600, or 0640 when configured.
TEST_F(Reliability, DataFilesAreCreatedReadableByTheOwnerOnly) {
  start(config_yaml());
  ASSERT_EQ(post_pbx(pbx_call("mode-1", "NotifyStart")).status, 200);
  ASSERT_EQ(events(1).size(), 1u);
  auto mode = [&](const std::string& file) {
    struct stat st {};
    EXPECT_EQ(::stat((dir / file).c_str(), &st), 0) << file;
    return st.st_mode & 0777;
  };
  for (const auto* file : {"var/callgate.db", "var/callgate.db-wal", "var/events.jsonl"})
    EXPECT_EQ(mode(file), 0600u) << file;
  EXPECT_EQ(mode("var"), 0700u);
  server->stop();

  TempDir other;
  ServerProcess grouped(other.path(), "file_mode: \"0640\"\n" + config_yaml(),
                        {{"WEBEX_SECRET", kWebexSecret},
                         {"TELNYX_KEY", telnyx.public_key_base64()},
                         {"PBX_TOKEN", kPbxToken}});
  ASSERT_TRUE(grouped.running()) << grouped.log();
  ASSERT_EQ(post(grouped.port(), "/webhooks/pbx", pbx_call("mode-2", "NotifyStart"),
                 bearer_headers(kPbxToken))
                .status,
            200);
  struct stat st {};
  ASSERT_TRUE(eventually([&] { return ::stat((other / "var/events.jsonl").c_str(), &st) == 0; }));
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

/** A small tmpfs mounted for one test, unmounted when it ends; skipped where mounting is not
 * allowed (not root, or no CAP_SYS_ADMIN in this container). */
class SmallDisk {
 public:
  explicit SmallDisk(std::filesystem::path at) : at_(std::move(at)) {
    std::filesystem::create_directories(at_);
    mounted_ = ::mount("tmpfs", at_.c_str(), "tmpfs", 0, "size=2m") == 0;
    if (!mounted_) error_ = std::strerror(errno);
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(at_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  /** Writes a file until the disk is full. */
  void fill() {
    std::ofstream out(at_ / "filler", std::ios::binary);
    const std::string block(std::size_t{64} * 1024, 'x');
    while (out.write(block.data(), static_cast<std::streamsize>(block.size()))) out.flush();
  }
  void free() { std::filesystem::remove(at_ / "filler"); }

 private:
  std::filesystem::path at_;
  bool mounted_ = false;
  std::string error_;
};

// A full disk: commits fail with 503, /readyz says 503 (an empty transaction would still have
// succeeded), and both recover by themselves once there is room again.
TEST_F(Reliability, AFullDiskMakesTheServerUnreadyAndItRecoversByItself) {
  SmallDisk disk(dir / "disk");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << disk.error();
  auto yaml = config_yaml();
  const std::string path = "  path: var/callgate.db\n";
  yaml.replace(yaml.find(path), path.size(), "  path: disk/callgate.db\n");
  start(yaml);
  ASSERT_EQ(post_pbx(pbx_call("disk-0", "NotifyStart")).status, 200);
  EXPECT_EQ(get(port(), "/readyz").status, 200);

  disk.fill();
  int refused = 0;
  for (int i = 1; i <= 200 && refused == 0; ++i) {
    const auto r = post_pbx(pbx_call("disk-" + std::to_string(i), "NotifyStart"));
    if (r.status == 503)
      ++refused;
    else
      EXPECT_EQ(r.status, 200) << r.body;
  }
  ASSERT_GE(refused, 1) << "the store never noticed the full disk";
  EXPECT_EQ(get(port(), "/readyz").status, 503) << "ready while commits fail";
  // What is tested is a time: once the 1 s probe interval has passed, readiness writes again.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(get(port(), "/readyz").status, 503) << "the probe write must fail on a full disk";
  EXPECT_NE(server->log().find("store: SQLite: database or disk is full"), std::string::npos)
      << server->log();

  disk.free();
  EXPECT_TRUE(eventually([&] { return get(port(), "/readyz").status == 200; }));
  EXPECT_EQ(post_pbx(pbx_call("disk-after", "NotifyStart")).status, 200);
  server->stop();
}

// No configured secret shows in /metrics, the log or a configuration error: not a password or
// token in a sink URL (sent as Basic credentials instead), not a static header, not the Redis
// password in a bad store.url.
TEST_F(Reliability, NoConfiguredSecretAppearsInMetricsLogsOrErrors) {
  Receiver receiver;
  const std::string url =
      "http://hook-user:pa55word-secret@127.0.0.1:" + std::to_string(receiver.port()) +
      "/hook?token=t0ken-secret";
  start(config_yaml("sqlite", "  - type: http\n    url: " + url +
                                  "\n    headers:\n      X-Api-Key: ap1-key-secret\n"));
  ASSERT_EQ(post_pbx(pbx_call("secret-1", "NotifyStart")).status, 200);
  ASSERT_TRUE(eventually([&] { return !receiver.received().empty(); }));
  const auto got = receiver.received()[0];
  EXPECT_EQ(got.header("authorization"),
            "Basic " + verify::base64_encode("hook-user:pa55word-secret"));
  EXPECT_EQ(got.header("x-api-key"), "ap1-key-secret");
  EXPECT_EQ(got.target, "/hook?token=t0ken-secret");

  receiver.respond_with([](const Received&) { return 503; });  // failures get logged too
  ASSERT_EQ(post_pbx(pbx_call("secret-2", "NotifyStart")).status, 200);
  ASSERT_TRUE(eventually([&] { return receiver.received().size() >= 3; }));
  const auto m = metrics();
  EXPECT_NE(m.find("sink=\"http:http://127.0.0.1:" + std::to_string(receiver.port()) +
                   "/hook?token=***\""),
            std::string::npos)
      << m;
  const auto log = server->log();
  for (const auto& secret : std::vector<std::string>{"pa55word-secret", "t0ken-secret",
                                                     "ap1-key-secret", kWebexSecret, kPbxToken}) {
    EXPECT_EQ(m.find(secret), std::string::npos) << secret << " in /metrics";
    EXPECT_EQ(log.find(secret), std::string::npos) << secret << " in the log";
  }

  std::ofstream(dir / "redis.yaml")
      << "store:\n  type: redis\n  url: redis://:hunter2-secret@[::1\n"
      << "sources:\n  pbx:\n    provider: voip\n    auth: {bearer: t}\n";
  std::string out;
  EXPECT_NE(run_callgate({"--config", (dir / "redis.yaml").string()}, out), 0);
  EXPECT_NE(out.find("store.url"), std::string::npos) << out;
  EXPECT_EQ(out.find("hunter2-secret"), std::string::npos) << out;
}

}  // namespace
}  // namespace callgate::testing
