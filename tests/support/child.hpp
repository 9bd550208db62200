#pragma once
// Other real programs the tests run next to callgate: redis-server and nginx.

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <support/fixtures.hpp>
#include <vector>

namespace callgate::testing {

/** A loopback TCP port nothing listens on right now (in 33000–60000, away from ephemeral). */
std::uint16_t free_port();

/** Starts program (found on PATH) with args, stdout and stderr to log; returns its pid. */
pid_t spawn(const std::string& program, const std::vector<std::string>& args,
            const std::filesystem::path& log);

/** Sends sig and waits for the process to exit. */
void stop_child(pid_t pid, int sig);

/**
 * A real redis-server on a free loopback port, its data in a temporary directory. Persistence
 * is the append-only file with fsync on every write, so a SIGKILL loses nothing acknowledged
 * (the setting docs/scaling.md recommends for callgate).
 */
class RedisServer {
 public:
  RedisServer();
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  /** Starts (again, on the same port and data) and waits until it answers PING. */
  bool start();
  void kill9();
  std::uint16_t port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }
  /** Runs one command with redis-cli and returns its output (for assertions). */
  std::string cli(const std::vector<std::string>& args) const;

 private:
  TempDir dir_;
  std::uint16_t port_;
  pid_t pid_ = -1;
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
