#pragma once
// Other real programs the tests run next to callgate: redis-server and nginx.

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <support/fixtures.hpp>
#include <vector>

namespace callgate::testing {

/** A loopback TCP port nothing listens on right now, outside the kernel's ephemeral range. */
std::uint16_t free_port();
/** Whether something accepts connections on 127.0.0.1:port. */
bool listening(std::uint16_t port);

/** Starts program (found on PATH) with args, stdout and stderr to log; returns its pid. */
pid_t spawn(const std::string& program, const std::vector<std::string>& args,
            const std::filesystem::path& log);

/** Runs one command with redis-cli against the server on port; its output. */
std::string redis_cli(std::uint16_t port, const std::vector<std::string>& args);

/** Sends sig and waits for the process to exit. */
void stop_child(pid_t pid, int sig);

/**
 * A real redis-server on a free loopback port, its data in a temporary directory. Persistence
 * is the append-only file with fsync on every write, so a SIGKILL loses nothing acknowledged
 * (the setting docs/scaling.md recommends for callgate).
 */
class RedisServer {
 public:
  /** extra: more redis-server arguments (say, --replicaof 127.0.0.1 <port>). */
  explicit RedisServer(std::vector<std::string> extra = {});
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  /** Starts (again, on the same port and data) and waits until it answers PING. */
  bool start();
  void kill9();
  /** SIGSTOP / SIGCONT: a server that neither answers nor reads, as if its host hung. */
  void pause();
  void resume();
  std::uint16_t port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }
  /** Runs one command with redis-cli and returns its output (for assertions). */
  std::string cli(const std::vector<std::string>& args) const;

 private:
  TempDir dir_;
  std::uint16_t port_;
  std::vector<std::string> extra_;
  pid_t pid_ = -1;
};

/** A real redis-sentinel watching the primary on primary_port as `name`; it thinks a primary
 * down after 1 s, so that a test's failover takes a few seconds. */
class RedisSentinel {
 public:
  RedisSentinel(std::uint16_t primary_port, const std::string& name, int quorum);
  ~RedisSentinel();
  RedisSentinel(const RedisSentinel&) = delete;
  RedisSentinel& operator=(const RedisSentinel&) = delete;
  std::uint16_t port() const { return port_; }
  /** The port of the primary it names now (0 if none). */
  std::uint16_t primary_port(const std::string& name) const;

 private:
  TempDir dir_;
  std::uint16_t port_;
  pid_t pid_ = -1;
};

/** A real Redis Cluster of `nodes` primaries on loopback (no replicas), its slots split evenly. */
class RedisCluster {
 public:
  explicit RedisCluster(int nodes);
  /** The node that serves key's slot, and one that does not (it answers MOVED). */
  std::uint16_t port_serving(const std::string& key) const;
  std::uint16_t port_not_serving(const std::string& key) const;
  const std::vector<std::unique_ptr<RedisServer>>& nodes() const { return nodes_; }

 private:
  std::vector<std::unique_ptr<RedisServer>> nodes_;
};

/** nginx balancing round-robin over the given upstream ports, like a load balancer would. */
class NginxBalancer {
 public:
  explicit NginxBalancer(const std::vector<std::uint16_t>& upstreams);
  ~NginxBalancer();
  std::uint16_t port() const { return port_; }

 private:
  TempDir dir_;
  std::uint16_t port_;
  pid_t pid_ = -1;
};

}  // namespace callgate::testing
