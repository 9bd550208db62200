#pragma once
// Several callgate replicas on one shared store (a real redis-server or PostgreSQL) behind a real
// nginx, and what the tests read back of what they committed.

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <atomic>
#include <callgate/core/correlate.hpp>
#include <callgate/store/store.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <support/child.hpp>
#include <support/fixtures.hpp>
#include <support/http_client.hpp>
#include <support/postgres.hpp>
#include <support/server_process.hpp>
#include <support/signing.hpp>
#include <thread>

namespace callgate::testing {

inline const std::string kWebexSecret = "webex-test-secret";
inline const std::string kPbxToken = "pbx-test-token";

/** One event as the redis_stream sink wrote it. */
struct StreamEvent {
  std::string call_id, type, key, source, connector, owner;
  nlohmann::json body;
};

inline std::vector<StreamEvent> read_stream(std::uint16_t port,
                                            const std::string& stream = "events") {
  std::vector<StreamEvent> out;
  redisContext* c = redisConnect("127.0.0.1", port);
  if (!c || c->err) return out;
  auto* r = static_cast<redisReply*>(redisCommand(c, "XRANGE %s - +", stream.c_str()));
  for (std::size_t i = 0; r && i < r->elements; ++i) {
    const redisReply* fields = r->element[i]->element[1];
    StreamEvent e;
    for (std::size_t f = 0; f + 1 < fields->elements; f += 2) {
      const std::string name = fields->element[f]->str;
      const std::string value(fields->element[f + 1]->str, fields->element[f + 1]->len);
      if (name == "call") e.call_id = value;
      if (name == "type") e.type = value;
      if (name == "key") e.key = value;
      if (name == "source") e.source = value;
      if (name == "connector") e.connector = value;
      if (name == "owner") e.owner = value;
      if (name == "body") {
        e.body = nlohmann::json::parse(value);
        record_emitted_events({std::string(value)});
      }
    }
    out.push_back(std::move(e));
  }
  if (r) freeReplyObject(r);
  redisFree(c);
  return out;
}

/** Reads the whole stream as a consumer group member would; returns the entries delivered. */
inline std::size_t read_as_group(std::uint16_t port, const std::string& stream,
                                 const std::string& group) {
  redisContext* c = redisConnect("127.0.0.1", port);
  if (!c || c->err) return 0;
  freeReplyObject(redisCommand(c, "XGROUP CREATE %s %s 0", stream.c_str(), group.c_str()));
  std::size_t n = 0;
  for (;;) {
    auto* r = static_cast<redisReply*>(redisCommand(
        c, "XREADGROUP GROUP %s worker COUNT 1000 STREAMS %s >", group.c_str(), stream.c_str()));
    const bool empty =
        !r || r->type != REDIS_REPLY_ARRAY || r->element[0]->element[1]->elements == 0;
    if (!empty) n += r->element[0]->element[1]->elements;
    if (r) freeReplyObject(r);
    if (empty) break;
  }
  redisFree(c);
  return n;
}

inline std::map<std::string, std::vector<StreamEvent>> by_call(
    const std::vector<StreamEvent>& events) {
  std::map<std::string, std::vector<StreamEvent>> calls;
  for (const auto& e : events) calls[e.call_id].push_back(e);
  return calls;
}

inline std::string pbx_body(const std::string& call_id, const char* event) {
  return nlohmann::json{{"event", event},
                        {"callId", call_id},
                        {"direction", "In"},
                        {"disposition", "Answered"},
                        {"srcPhone", "+15550001111"},
                        {"dstPhone", "+15559990000"}}
      .dump();
}

/** Every event a PostgreSQL store's outbox holds, oldest first, read as a sink reads it. */
inline std::vector<StreamEvent> read_outbox(const std::string& url) {
  store::StoreConfig c;
  c.type = "postgres";
  c.url = url;
  auto s = store::open_store(c).store;
  std::vector<StreamEvent> out;
  for (std::int64_t after = 0;;) {
    auto rows = s->read_outbox(after, 1000);
    if (!rows || rows->empty()) return out;
    for (const auto& row : *rows) {
      out.push_back({row.call_id, row.event_type, row.idempotency_key, row.source, row.connector_id,
                     row.owner_id, nlohmann::json::parse(row.body)});
      record_emitted_events({row.body});
      after = row.seq;
    }
  }
}

/** n replicas of callgate on one shared store, and nginx in front of them. */
class Replicas : public ::testing::Test {
 protected:
  /** The config's store: block. */
  virtual std::string store_config() const = 0;
  /** Sinks every replica has (a list under sinks:), besides a test's own. */
  virtual std::string own_sinks() const { return ""; }
  /** Every event committed so far, oldest first, as a sink reads it. */
  virtual std::vector<StreamEvent> committed() = 0;
  /** The store's server killed (-9), and started again on the same data. */
  virtual void kill_store() = 0;
  virtual bool start_store() = 0;
  /** Who holds a sink's lease ("host:pid"). */
  virtual std::string lease_holder(const std::string& sink) = 0;

  void start_replicas(int n, const std::string& extra_sinks = "") {
    for (int i = 0; i < n; ++i) {
      dirs.push_back(std::make_unique<TempDir>());
      replicas.push_back(std::make_unique<ServerProcess>(
          dirs.back()->path(), config(extra_sinks),
          std::map<std::string, std::string>{{"TELNYX_KEY", telnyx.public_key_base64()}}));
      ASSERT_TRUE(replicas.back()->running()) << replicas.back()->log();
    }
    std::vector<std::uint16_t> ports;
    for (const auto& r : replicas) ports.push_back(r->port());
    balancer = std::make_unique<NginxBalancer>(ports);
  }

  std::string config(const std::string& extra_sinks) const {
    const auto sinks = own_sinks() + extra_sinks;
    return "listen: 127.0.0.1:0\nthreads: 2\nlog_level: info\n"
           "metrics: {on_webhook_listener: true}\n" +
           store_config() +
           "sources:\n"
           "  webex:\n    provider: webex\n    secret: " +
           kWebexSecret +
           "\n"
           "  telnyx:\n    provider: telnyx\n    public_key: ${TELNYX_KEY}\n"
           "  pbx:\n    provider: voip\n    connector_id: crm-pbx\n    owner_id: acme\n"
           "    auth:\n      bearer: " +
           kPbxToken + "\n" + (sinks.empty() ? "" : "sinks:\n" + sinks);
  }

  HttpResult post_pbx(std::uint16_t port, const std::string& body) {
    return post(port, "/webhooks/pbx", body, bearer_headers(kPbxToken));
  }

  /** Posts as a provider does: a 503 (or a dropped connection) is retried until a 2xx. */
  bool post_until_accepted(std::uint16_t port, const std::string& body) {
    for (int attempt = 0; attempt < 200; ++attempt) {
      const auto r = post_pbx(port, body);
      if (r.status == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  TelnyxKeys telnyx;
  std::vector<std::unique_ptr<TempDir>> dirs;
  std::vector<std::unique_ptr<ServerProcess>> replicas;
  std::unique_ptr<NginxBalancer> balancer;
};

/** Replicas on one Redis, with a redis_stream sink. */
class Cluster : public Replicas {
 protected:
  std::string store_config() const override {
    return "store:\n  type: redis\n  url: " + redis.url() +
           "\n  key_prefix: \"cg:\"\n  reconnect_interval_ms: 100\n";
  }
  std::string own_sinks() const override {
    return "  - type: redis_stream\n    stream: events\n    maxlen: 1000000\n";
  }
  std::vector<StreamEvent> committed() override { return read_stream(redis.port()); }
  void kill_store() override { redis.kill9(); }
  bool start_store() override { return redis.start(); }
  std::string lease_holder(const std::string& sink) override {
    return redis.cli({"GET", "cg:lease:" + sink});
  }

  RedisServer redis;
};

/** Replicas on PostgreSQL at `url`; what they committed is read from its outbox. */
class PgReplicas : public Replicas {
 protected:
  std::string store_config() const override {
    return "store:\n  type: postgres\n  url: \"" + url + "\"\n  reconnect_interval_ms: 100\n";
  }
  std::vector<StreamEvent> committed() override { return read_outbox(url); }

  std::string url;  ///< set by the fixture once its servers run
};

/** Replicas on one PostgreSQL server. */
class PgCluster : public PgReplicas {
 protected:
  PgCluster() { url = postgres.url(); }
  void kill_store() override { postgres.kill9(); }
  bool start_store() override { return postgres.start(); }
  std::string lease_holder(const std::string& sink) override {
    return postgres.psql("SELECT holder FROM leases WHERE name = '" + sink + "'");
  }

  PostgresServer postgres;
};

/** Sends distinct call starts from a few threads and remembers which were acknowledged. */
class Sender {
 public:
  Sender(std::function<HttpResult(const std::string&)> send, int threads) {
    for (int t = 0; t < threads; ++t) {
      threads_.emplace_back([this, send, t] {
        for (int i = 0; !stop_; ++i) {
          const auto call = "run-" + std::to_string(t) + "-" + std::to_string(i);
          const auto r = send(pbx_body(call, "NotifyStart"));
          std::lock_guard lock(mutex_);
          if (r.status == 200) acked_.push_back(call);
          if (r.status == 503) ++unavailable_;
        }
      });
    }
  }
  ~Sender() { stop(); }
  void stop() {
    stop_ = true;
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }
  std::size_t acked() {
    std::lock_guard lock(mutex_);
    return acked_.size();
  }
  int unavailable() {
    std::lock_guard lock(mutex_);
    return unavailable_;
  }
  std::vector<std::string> acked_calls() {
    std::lock_guard lock(mutex_);
    return acked_;
  }

 private:
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::vector<std::string> acked_;
  int unavailable_ = 0;
};

inline void expect_every_acked_call_created_once(const std::vector<std::string>& acked,
                                                 const std::vector<StreamEvent>& stream) {
  std::map<std::string, int> created;
  for (const auto& e : stream)
    if (e.type == "telephonyCall::created") ++created[e.call_id];
  for (const auto& [id, n] : created) EXPECT_EQ(n, 1) << id;
  for (const auto& call : acked)
    EXPECT_EQ(created[core::derive_call_id("pbx", call)], 1) << call << " was acknowledged";
}

}  // namespace callgate::testing
