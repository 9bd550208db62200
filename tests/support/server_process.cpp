#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <ctime>
#include <fstream>
#include <support/fixtures.hpp>
#include <support/server_process.hpp>

namespace callgate::testing {
namespace {

// In the child after fork: only async-signal-safe calls until exec.
[[noreturn]] void exec_callgate(const std::filesystem::path& dir, const std::string& log_file,
                                const std::vector<std::string>& args,
                                const std::map<std::string, std::string>& env) {
  if (!dir.empty() && ::chdir(dir.c_str()) != 0) _exit(126);
  const int fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0) {
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
  }
  // Descriptors of the test process (a receiver's listening socket, say) must not live on in
  // the server, or closing them in the test would not close them.
  ::close_range(3, ~0U, 0);
  for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
  std::vector<char*> argv;
  static std::string binary = CALLGATE_BINARY;
  argv.push_back(binary.data());
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ::execv(binary.c_str(), argv.data());
  _exit(127);
}

int wait_exit(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, 0) < 0) return -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

ServerProcess::ServerProcess(std::filesystem::path dir, const std::string& config_yaml,
                             std::map<std::string, std::string> env)
    : dir_(std::move(dir)), env_(std::move(env)) {
  std::ofstream(dir_ / "callgate.yaml") << config_yaml;
  start();
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) kill9();
}

bool ServerProcess::start() {
  if (pid_ > 0) {  // a second process would share the first's store and outlive the test
    ADD_FAILURE() << "callgate is already running in " << dir_;
    return false;
  }
  const auto ready = dir_ / "port";
  std::filesystem::remove(ready);
  const std::vector<std::string> args{"--config", "callgate.yaml", "--ready-file", "port"};
  const std::string log_file = (dir_ / "callgate.log").string();
  pid_ = ::fork();
  if (pid_ == 0) exec_callgate(dir_, log_file, args, env_);
  const bool up = eventually(
      [&] {
        int status;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
          pid_ = -1;
          return true;
        }
        std::ifstream in(ready);
        unsigned port = 0, admin = 0, metrics = 0;
        if (in >> port >> admin >> metrics && port > 0) {
          port_ = static_cast<std::uint16_t>(port);
          admin_port_ = static_cast<std::uint16_t>(admin);
          metrics_port_ = static_cast<std::uint16_t>(metrics);
          return true;
        }
        return false;
      },
      std::chrono::seconds(20));
  return up && pid_ > 0;
}

int ServerProcess::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  const int code = wait_exit(pid_);
  pid_ = -1;
  return code;
}

void ServerProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  wait_exit(pid_);
  pid_ = -1;
}

std::string ServerProcess::log() const {
  std::ifstream in(dir_ / "callgate.log");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

int run_callgate(const std::vector<std::string>& args, std::string& output,
                 const std::map<std::string, std::string>& env, const std::filesystem::path& cwd) {
  TempDir tmp;
  const auto log_file = (tmp.path() / "out.log").string();
  const pid_t pid = ::fork();
  if (pid == 0) exec_callgate(cwd, log_file, args, env);
  const int code = wait_exit(pid);
  std::ifstream in(log_file);
  output.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return code;
}

}  // namespace callgate::testing
