#pragma once
// Runs the real callgate binary as a child process for integration tests.

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <support/fixtures.hpp>
#include <vector>

namespace callgate::testing {

/**
 * callgate started in `dir` (its working directory) with `dir/callgate.yaml`, listening on a port
 * it picked itself (listen: 127.0.0.1:0). Killed with SIGKILL if still running at destruction.
 */
class ServerProcess {
 public:
  ServerProcess(std::filesystem::path dir, const std::string& config_yaml,
                std::map<std::string, std::string> env = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  /** Starts (again) and waits until it listens; false if it exited or timed out instead. */
  bool start();
  /** SIGTERM and wait; returns the exit code (or 128+signal). */
  int stop();
  /** SIGKILL and wait. */
  void kill9();
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  std::uint16_t port() const { return port_; }
  /** The admin API's port, when the config enables it (0 otherwise). */
  std::uint16_t admin_port() const { return admin_port_; }
  /** The metrics listener's port, when `metrics.listen` is configured (0 otherwise). */
  std::uint16_t metrics_port() const { return metrics_port_; }
  /** What the server has logged so far. */
  std::string log() const;
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::map<std::string, std::string> env_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::uint16_t admin_port_ = 0;
  std::uint16_t metrics_port_ = 0;
};

/** Runs `callgate args...` to completion (in cwd, if given); returns its exit code and fills
 * output with what it printed on stdout and stderr. */
int run_callgate(const std::vector<std::string>& args, std::string& output,
                 const std::map<std::string, std::string>& env = {},
                 const std::filesystem::path& cwd = {});

}  // namespace callgate::testing
