#pragma once
// A real PostgreSQL server for the tests: Debian's postgresql (initdb, postgres, pg_basebackup)
// on a loopback port the test picks, its data in a temporary directory.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <support/fixtures.hpp>

namespace callgate::testing {

/**
 * One PostgreSQL server. As root (CI), initdb and postgres run as the `postgres` user, since
 * PostgreSQL refuses to run as root. Trust authentication on loopback; fsync on, as in
 * production. A standby is made from a running primary with pg_basebackup and streams from it.
 */
class PostgresServer {
 public:
  /** A new primary. synchronous: commits wait for a standby (synchronous_standby_names = '*'). */
  explicit PostgresServer(bool synchronous = false);
  /** A streaming standby of primary, started. */
  static PostgresServer standby_of(const PostgresServer& primary);
  ~PostgresServer();
  PostgresServer(PostgresServer&&) noexcept;
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  /** Starts (again, on the same port and data) and waits until it accepts connections. */
  bool start();
  void kill9();
  /** SIGSTOP / SIGCONT to the server and all its processes: it hangs, connections stay open. */
  void pause();
  void resume();
  /** pg_ctl promote: a standby becomes a primary. */
  void promote();
  std::uint16_t port() const { return port_; }
  /** A libpq URI for one of its databases. */
  std::string url(const std::string& database = "postgres") const;
  /** Runs one SQL statement with psql; its output, unaligned and without headers. */
  std::string psql(const std::string& sql) const;

 private:
  struct Standby {};
  PostgresServer(Standby, const PostgresServer& primary);
  std::string as_postgres(const std::string& command) const;

  std::unique_ptr<TempDir> dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace callgate::testing
