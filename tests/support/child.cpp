#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <memory>
#include <random>
#include <stdexcept>
#include <support/child.hpp>
#include <thread>

namespace callgate::testing {
namespace {

// Connects (or binds) a fresh socket to 127.0.0.1:port; true if that worked.
bool try_loopback(std::uint16_t port, int (*op)(int, const sockaddr*, socklen_t)) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = op(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// The kernel's range for the local port of outgoing connections: a port in it can be taken by
// any client (the load tests open thousands) between our check and the server's bind.
std::pair<unsigned, unsigned> ephemeral_ports() {
  unsigned low = 32768, high = 60999;
  std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> low >> high;
  return {low, high};
}

}  // namespace

bool listening(std::uint16_t port) { return try_loopback(port, ::connect); }

std::uint16_t free_port() {
  static std::mt19937 rng(std::random_device{}());
  static const auto [low, high] = ephemeral_ports();
  // Below the range if there is room there, else above it.
  const unsigned first = low >= 12000 ? 10000 : high + 1;
  const unsigned count = low >= 12000 ? low - first : 65535 - high;
  for (;;) {
    const auto port = static_cast<std::uint16_t>(first + rng() % count);
    if (try_loopback(port, ::bind)) return port;
  }
}

pid_t spawn(const std::string& program, const std::vector<std::string>& args,
            const std::filesystem::path& log) {
  std::vector<std::string> all{program};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);  // a group of its own: stopping it stops whatever it forked (nginx workers)
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
    }
    ::close_range(3, ~0U, 0);
    ::execvp(argv[0], argv.data());
    _exit(127);
  }
  if (pid > 0) ::setpgid(pid, pid);  // also here, so that a stop right away finds the group
  return pid;
}

void stop_child(pid_t pid, int sig) {
  if (pid <= 0) return;
  ::kill(-pid, sig);  // the whole group: a master's workers must not outlive it
  int status = 0;
  ::waitpid(pid, &status, 0);
}

RedisServer::RedisServer(std::vector<std::string> extra)
    : port_(free_port()), extra_(std::move(extra)) {
  if (!start()) throw std::runtime_error("redis-server did not start (is it installed?)");
}

RedisServer::~RedisServer() { kill9(); }

bool RedisServer::start() {
  std::vector<std::string> args{"--port",        std::to_string(port_),
                                "--bind",        "127.0.0.1",
                                "--dir",         dir_.path().string(),
                                "--save",        "",
                                "--appendonly",  "yes",
                                "--appendfsync", "always",
                                "--daemonize",   "no"};
  args.insert(args.end(), extra_.begin(), extra_.end());
  pid_ = spawn("redis-server", args, dir_ / "redis.log");
  return eventually([&] { return listening(port_); }, std::chrono::seconds(10));
}

void RedisServer::kill9() {
  stop_child(pid_, SIGKILL);
  pid_ = -1;
}

void RedisServer::pause() { ::kill(pid_, SIGSTOP); }
void RedisServer::resume() { ::kill(pid_, SIGCONT); }

RedisSentinel::RedisSentinel(std::uint16_t primary_port, const std::string& name, int quorum)
    : port_(free_port()) {
  // Sentinel rewrites its file as it learns the replicas and the failovers.
  std::ofstream(dir_ / "sentinel.conf")
      << "port " << port_ << "\nbind 127.0.0.1\ndaemonize no\ndir " << dir_.path().string()
      << "\nsentinel monitor " << name << " 127.0.0.1 " << primary_port << ' ' << quorum
      << "\nsentinel down-after-milliseconds " << name << " 1000\nsentinel failover-timeout "
      << name << " 4000\nsentinel parallel-syncs " << name << " 1\n";
  pid_ = spawn("redis-sentinel", {(dir_ / "sentinel.conf").string()}, dir_ / "sentinel.log");
  if (!eventually([&] { return listening(port_); }, std::chrono::seconds(10)))
    throw std::runtime_error("redis-sentinel did not start (is it installed?)");
}

RedisSentinel::~RedisSentinel() { stop_child(pid_, SIGKILL); }

std::uint16_t RedisSentinel::primary_port(const std::string& name) const {
  // Two lines, host then port; none while it knows no primary by that name.
  const auto out = redis_cli(port_, {"SENTINEL", "get-master-addr-by-name", name});
  const auto eol = out.find('\n');
  return eol == std::string::npos ? 0
                                  : static_cast<std::uint16_t>(std::atoi(out.c_str() + eol + 1));
}

std::string redis_cli(std::uint16_t port, const std::vector<std::string>& args) {
  std::string command = "redis-cli -p " + std::to_string(port);
  for (const auto& a : args) command += " '" + a + "'";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  std::string out;
  std::array<char, 4096> buf{};
  while (pipe && std::fgets(buf.data(), buf.size(), pipe.get())) out += buf.data();
  return out;
}

std::string RedisServer::cli(const std::vector<std::string>& args) const {
  return redis_cli(port_, args);
}

RedisCluster::RedisCluster(int nodes) {
  std::string create = "redis-cli --cluster create";
  for (int i = 0; i < nodes; ++i) {
    nodes_.push_back(std::make_unique<RedisServer>(std::vector<std::string>{
        "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-port",
        std::to_string(free_port())}));  // not port + 10000, which may be past 65535
    create += " 127.0.0.1:" + std::to_string(nodes_.back()->port());
  }
  create += " --cluster-yes >/dev/null 2>&1";
  if (std::system(create.c_str()) != 0)
    throw std::runtime_error("redis-cli --cluster create failed");
  for (const auto& n : nodes_)
    if (!eventually(
            [&] {
              return n->cli({"CLUSTER", "INFO"}).find("cluster_state:ok") != std::string::npos;
            },
            std::chrono::seconds(20)))
      throw std::runtime_error("the Redis Cluster did not come up");
}

std::uint16_t RedisCluster::port_serving(const std::string& key) const {
  for (const auto& n : nodes_)
    if (n->cli({"EXISTS", key}).find("MOVED") == std::string::npos) return n->port();
  return 0;
}

std::uint16_t RedisCluster::port_not_serving(const std::string& key) const {
  for (const auto& n : nodes_)
    if (n->cli({"EXISTS", key}).find("MOVED") != std::string::npos) return n->port();
  return 0;
}

NginxBalancer::NginxBalancer(const std::vector<std::uint16_t>& upstreams) : port_(free_port()) {
  const auto d = dir_.path().string();
  std::ofstream conf(dir_ / "nginx.conf");
  conf << "worker_processes 1;\npid " << d << "/nginx.pid;\nerror_log " << d
       << "/error.log warn;\nevents { worker_connections 1024; }\nhttp {\n  access_log off;\n"
       << "  client_body_temp_path " << d << "/body;\n  proxy_temp_path " << d << "/proxy;\n"
       << "  fastcgi_temp_path " << d << "/fcgi;\n  uwsgi_temp_path " << d << "/uwsgi;\n"
       << "  scgi_temp_path " << d << "/scgi;\n  upstream callgate {\n";
  for (auto p : upstreams) conf << "    server 127.0.0.1:" << p << " max_fails=0;\n";
  conf << "    keepalive 16;\n  }\n  server {\n    listen 127.0.0.1:" << port_ << ";\n"
       << "    location / {\n      proxy_pass http://callgate;\n"
       << "      proxy_http_version 1.1;\n      proxy_set_header Connection \"\";\n"
       << "      proxy_next_upstream error timeout;\n    }\n  }\n}\n";
  conf.close();
  pid_ = spawn("nginx", {"-p", d, "-c", d + "/nginx.conf", "-g", "daemon off;"}, dir_ / "out.log");
  if (!eventually([&] { return listening(port_); }, std::chrono::seconds(10)))
    throw std::runtime_error("nginx did not start (is it installed?)");
}

NginxBalancer::~NginxBalancer() { stop_child(pid_, SIGKILL); }

}  // namespace callgate::testing
