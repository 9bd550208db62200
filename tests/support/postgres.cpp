#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <support/child.hpp>
#include <support/postgres.hpp>
#include <thread>

namespace callgate::testing {
namespace {

const std::string kBin = "/usr/lib/postgresql/15/bin/";

std::string output_of(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  std::string out;
  std::array<char, 4096> buf{};
  while (pipe && std::fgets(buf.data(), buf.size(), pipe.get())) out += buf.data();
  return out;
}

/** PostgreSQL will not run as root: as root, the postgres user owns its files and runs it. */
bool as_root() { return ::geteuid() == 0; }

void give_to_postgres(const std::filesystem::path& dir) {
  if (!as_root()) return;
  const passwd* pw = ::getpwnam("postgres");
  if (!pw) throw std::runtime_error("no postgres user (is postgresql installed?)");
  for (const auto& p : {dir, dir / "data"})
    if (std::filesystem::exists(p) && ::chown(p.c_str(), pw->pw_uid, pw->pw_gid) != 0)
      throw std::runtime_error("cannot give " + p.string() + " to postgres");
}

}  // namespace

std::string PostgresServer::as_postgres(const std::string& command) const {
  return as_root() ? "setpriv --reuid=postgres --regid=postgres --init-groups " + command : command;
}

PostgresServer::PostgresServer(bool synchronous)
    : dir_(std::make_unique<TempDir>()), port_(free_port()) {
  give_to_postgres(dir_->path());
  const auto data = (dir_->path() / "data").string();
  if (std::system(as_postgres(kBin + "initdb -D " + data + " -U postgres --auth=trust -E UTF8 >" +
                              dir_->path().string() + "/initdb.log 2>&1")
                      .c_str()) != 0)
    throw std::runtime_error("initdb failed (is postgresql installed?)");
  std::ofstream conf(dir_->path() / "data" / "postgresql.auto.conf", std::ios::app);
  conf << "listen_addresses = '127.0.0.1'\nunix_socket_directories = '" << dir_->path().string()
       << "'\nwal_level = replica\nmax_wal_senders = 4\n";
  if (synchronous) conf << "synchronous_standby_names = '*'\n";
  conf.close();
  if (!start()) throw std::runtime_error("postgres did not start: see its log");
}

PostgresServer::PostgresServer(Standby, const PostgresServer& primary)
    : dir_(std::make_unique<TempDir>()), port_(free_port()) {
  give_to_postgres(dir_->path());
  const auto data = (dir_->path() / "data").string();
  // -R writes standby.signal and primary_conninfo: it streams from the primary once started.
  if (std::system(as_postgres(kBin + "pg_basebackup -h 127.0.0.1 -p " +
                              std::to_string(primary.port()) + " -U postgres -D " + data +
                              " -R -X stream >" + dir_->path().string() + "/basebackup.log 2>&1")
                      .c_str()) != 0)
    throw std::runtime_error("pg_basebackup failed");
  std::ofstream(dir_->path() / "data" / "postgresql.auto.conf", std::ios::app)
      << "unix_socket_directories = '"
      << dir_->path().string()
      // The primary's settings came with the copy: promoted, it must not wait for a standby of
      // its own.
      << "'\nsynchronous_standby_names = ''\n";
  if (!start()) throw std::runtime_error("the standby did not start: see its log");
}

PostgresServer PostgresServer::standby_of(const PostgresServer& primary) {
  return PostgresServer(Standby{}, primary);
}

PostgresServer::PostgresServer(PostgresServer&& o) noexcept
    : dir_(std::move(o.dir_)), port_(o.port_), pid_(o.pid_) {
  o.pid_ = -1;
}

PostgresServer::~PostgresServer() { kill9(); }

bool PostgresServer::start() {
  const std::string postgres = kBin + "postgres";
  const std::vector<std::string> args{"-D", (dir_->path() / "data").string(), "-p",
                                      std::to_string(port_)};
  auto spawn_postgres = [&] {
    if (!as_root()) return spawn(postgres, args, dir_->path() / "postgres.log");
    std::vector<std::string> all{"--reuid=postgres", "--regid=postgres", "--init-groups", postgres};
    all.insert(all.end(), args.begin(), args.end());
    return spawn("setpriv", all, dir_->path() / "postgres.log");
  };
  pid_ = spawn_postgres();
  // Listening is not ready: it answers "the database system is starting up" for a moment. Just
  // after a kill -9, the old server's processes may still hold its shared memory, and a new one
  // refuses to start and exits: start it again once they are gone.
  return eventually(
      [&] {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
          std::this_thread::sleep_for(std::chrono::milliseconds(200));
          pid_ = spawn_postgres();
          return false;
        }
        return listening(port_) && psql("SELECT 1") == "1\n";
      },
      std::chrono::seconds(30));
}

namespace {

// The server and its processes. Each backend makes itself a group leader (setsid), so a signal
// to the postmaster's group does not reach them: they are found by their parent.
std::vector<pid_t> server_processes(pid_t postmaster) {
  std::vector<pid_t> out{postmaster};
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    const auto after_name = line.rfind(')');
    if (after_name == std::string::npos) continue;
    std::istringstream rest(line.substr(after_name + 2));
    char state = 0;
    pid_t parent = 0;
    rest >> state >> parent;
    if (parent == postmaster) out.push_back(static_cast<pid_t>(std::stol(entry.path().filename())));
  }
  return out;
}

void signal_server(pid_t postmaster, int sig) {
  if (postmaster <= 0) return;
  for (pid_t p : server_processes(postmaster)) ::kill(p, sig);
}

}  // namespace

void PostgresServer::pause() { signal_server(pid_, SIGSTOP); }
void PostgresServer::resume() { signal_server(pid_, SIGCONT); }

void PostgresServer::kill9() {
  // All of it at once, as a crash of its machine: a backend left running would hold the shared
  // memory a restarted server needs.
  signal_server(pid_, SIGKILL);
  stop_child(pid_, SIGKILL);
  pid_ = -1;
}

void PostgresServer::promote() {
  std::system(as_postgres(kBin + "pg_ctl promote -D " + (dir_->path() / "data").string() +
                          " >/dev/null 2>&1")
                  .c_str());
}

std::string PostgresServer::url(const std::string& database) const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

std::string PostgresServer::psql(const std::string& sql) const {
  return output_of("timeout 20 psql -X -A -t -h 127.0.0.1 -p " + std::to_string(port_) +
                   " -U postgres -d postgres -c \"" + sql + "\" 2>&1");
}

}  // namespace callgate::testing
