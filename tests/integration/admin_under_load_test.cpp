// Webhooks under load while an operator reads the admin API and the console, on every store:
// the reproduction of the corruption the admin thread caused by reading on the committer's
// SQLite connection (issue 21). Nothing may fail, nothing may be lost or doubled, and the SQLite
// file must pass its own integrity check afterwards.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <support/child.hpp>
#include <support/http_client.hpp>
#include <support/postgres.hpp>
#include <support/receiver.hpp>
#include <support/server_process.hpp>
#include <thread>

namespace callgate::testing {
namespace {

constexpr int kSenders = 6;
constexpr int kCallsPerSender = 150;  // each call: NotifyStart, then NotifyEnd
constexpr const char* kAdminToken = "admin-test-token";

std::string pbx_event(const std::string& call, const char* event) {
  return std::string(R"({"event":")") + event + R"(","callId":")" + call +
         R"(","direction":"In","disposition":"Answered","srcPhone":"+15550001111",)"
         R"("dstPhone":"100"})";
}

class AdminUnderLoad : public ::testing::TestWithParam<std::string> {
 protected:
  std::string config() {
    std::string store = "store:\n  type: " + GetParam() + "\n";
    if (GetParam() == "sqlite") store += "  path: callgate.db\n";
    if (GetParam() == "redis") {
      redis = std::make_unique<RedisServer>();
      store += "  url: " + redis->url() + "\n";
    }
    if (GetParam() == "postgres") {
      postgres = std::make_unique<PostgresServer>();
      store += "  url: " + postgres->url() + "\n";
    }
    return "listen: 127.0.0.1:0\n" + store +
           "sources:\n  pbx:\n    provider: voip\n    auth: {bearer: pbx-token}\n"
           "sinks:\n  - type: http\n    url: " +
           receiver.url() +
           "\n    secret: whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD\n"
           "admin:\n  listen: 127.0.0.1:0\n  token: " +
           kAdminToken + "\n";
  }

  /** Signs the console in as a browser would; returns its session cookie. */
  std::string console_cookie(std::uint16_t admin) {
    boost::beast::http::fields h;
    h.set("Origin", "http://127.0.0.1");  // the test client's Host is 127.0.0.1
    const auto r =
        post(admin, "/console/session", std::string(R"({"token":")") + kAdminToken + "\"}", h);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.set_cookie.substr(0, r.set_cookie.find(';'));
  }

  TempDir dir;
  std::unique_ptr<RedisServer> redis;
  std::unique_ptr<PostgresServer> postgres;
  Receiver receiver{{.keep_alive = true}};
};

TEST_P(AdminUnderLoad, PollingTheAdminApiAndConsoleLosesBreaksAndDoublesNothing) {
  ServerProcess server(dir.path(), config());
  ASSERT_TRUE(server.running()) << server.log();
  const auto port = server.port();
  const auto admin = server.admin_port();
  ASSERT_NE(admin, 0);

  boost::beast::http::fields pbx;
  pbx.set("Authorization", "Bearer pbx-token");
  pbx.set("Content-Type", "application/json");
  boost::beast::http::fields bearer;
  bearer.set("Authorization", std::string("Bearer ") + kAdminToken);
  boost::beast::http::fields browser;
  browser.set("Cookie", console_cookie(admin));

  std::atomic<bool> sending{true};
  std::atomic<int> acknowledged{0};
  std::atomic<int> refused{0};
  std::mutex mutex;
  std::map<std::string, int> bad_polls;  // target -> status, for the failure message
  std::atomic<int> polls{0};

  std::vector<std::thread> senders;
  for (int s = 0; s < kSenders; ++s)
    senders.emplace_back([&, s] {
      for (int i = 0; i < kCallsPerSender; ++i) {
        const auto call = "load-" + std::to_string(s) + "-" + std::to_string(i);
        for (const char* event : {"NotifyStart", "NotifyEnd"}) {
          const auto r = post(port, "/webhooks/pbx", pbx_event(call, event), pbx);
          (r.status == 200 ? acknowledged : refused)++;
        }
      }
    });
  // What the console's pages and an operator's scripts read, again and again, as fast as the
  // server answers (the console itself polls every 3 s).
  auto poll = [&](std::uint16_t on, const std::string& target,
                  const boost::beast::http::fields& headers) {
    const auto r = get(on, target, headers);
    ++polls;
    if (r.status != 200) {
      std::lock_guard lock(mutex);
      bad_polls[target] = r.status;
    }
  };
  std::vector<std::thread> pollers;
  for (int p = 0; p < 2; ++p)
    pollers.emplace_back([&] {
      while (sending) {
        // A call's timeline is asked for by its unified id: take a recent event's.
        const auto calls = get(admin, "/admin/events?since=1m&limit=5", bearer);
        ++polls;
        std::string id;
        if (calls.status == 200) {
          const auto events = nlohmann::json::parse(calls.body)["events"];
          if (!events.empty()) id = events.back()["callId"].get<std::string>();
        } else {
          std::lock_guard lock(mutex);
          bad_polls["/admin/events"] = calls.status;
        }
        poll(admin, "/admin/calls?limit=50", bearer);
        poll(admin, "/admin/overview", bearer);
        if (!id.empty()) poll(admin, "/admin/calls/" + id, bearer);
        poll(admin, "/admin/dead-letters", bearer);
        poll(admin, "/metrics", bearer);
        // The console's own reads, as its page makes them with its session cookie.
        poll(admin, "/admin/overview", browser);
        poll(admin, "/admin/calls?q=555&offset=0&limit=50", browser);
        if (!id.empty()) poll(admin, "/admin/calls/" + id, browser);
      }
    });
  for (auto& t : senders) t.join();
  sending = false;
  for (auto& t : pollers) t.join();

  EXPECT_EQ(refused.load(), 0) << "webhooks answered other than 200 under polling";
  EXPECT_EQ(acknowledged.load(), 2 * kSenders * kCallsPerSender);
  EXPECT_TRUE(bad_polls.empty()) << "a poll failed, e.g. " << bad_polls.begin()->first << " -> "
                                 << bad_polls.begin()->second;
  EXPECT_GT(polls.load(), 50) << "the admin API was hardly read: the test proves nothing";

  // Every acknowledged event reaches the sink, exactly once.
  const auto expected = static_cast<std::size_t>(acknowledged.load());
  ASSERT_TRUE(
      eventually([&] { return receiver.received().size() >= expected; }, std::chrono::seconds(30)));
  EXPECT_EQ(server.stop(), 0);
  std::map<std::string, std::multiset<std::string>> by_call;
  std::set<std::string> keys;
  for (const auto& r : receiver.received()) {
    const auto e = nlohmann::json::parse(r.body);
    by_call[e["data"]["id"].get<std::string>()].insert(e["event"].get<std::string>());
    EXPECT_TRUE(keys.insert(r.header("x-idempotency-key")).second)
        << "delivered twice: " << r.header("x-idempotency-key");
  }
  EXPECT_EQ(by_call.size(), static_cast<std::size_t>(kSenders * kCallsPerSender));
  for (const auto& [id, types] : by_call)
    EXPECT_EQ(types,
              (std::multiset<std::string>{"telephonyCall::created", "telephonyCall::deleted"}))
        << id;

  const auto log = server.log();
  EXPECT_EQ(log.find("store:"), std::string::npos) << "a store error was logged:\n" << log;
  EXPECT_EQ(log.find("[error]"), std::string::npos) << log;

  if (GetParam() == "sqlite") {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir / "callgate.db").c_str(), &db), SQLITE_OK);
    std::string check;
    sqlite3_exec(
        db, "PRAGMA integrity_check",
        [](void* out, int, char** values, char**) {
          *static_cast<std::string*>(out) += values[0] ? values[0] : "";
          return 0;
        },
        &check, nullptr);
    sqlite3_close(db);
    EXPECT_EQ(check, "ok");
  }
}

INSTANTIATE_TEST_SUITE_P(Stores, AdminUnderLoad,
                         ::testing::Values("sqlite", "memory", "redis", "postgres"));

}  // namespace
}  // namespace callgate::testing
