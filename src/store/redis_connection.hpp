#pragma once
// A thin RAII layer over hiredis: parse a redis:// URL, send commands as argument vectors, own
// the replies, reconnect lazily. Internal to the Redis store.

#include <hiredis/hiredis.h>

#include <callgate/error.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "failures.hpp"

namespace callgate::store::redis {

/** A host and port, as a Sentinel is given. */
struct HostPort {
  std::string host;
  int port = 0;
};

/** Where Redis is and how long to wait for it. */
struct Endpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  /** When set, host and port are ignored: each connection asks these Sentinels, in order, for
   * the primary named master_name (again after every failure, so a failover is followed). */
  std::vector<HostPort> sentinels;
  std::string master_name;
  /** A key of the deployment's (its hash tag's slot): on Redis Cluster, each connection reads it
   * once and follows a MOVED answer to the node that serves the slot. */
  std::string slot_key;
  int db = 0;
  std::string username;  ///< empty: AUTH with the password only (or no AUTH)
  std::string password;
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{1000};
  std::chrono::milliseconds reconnect_interval{500};  ///< after a failure, fail fast this long
};

/** redis://[[user]:password@]host[:port][/db]; nullopt-like error for anything else. */
result<Endpoint> parse_url(std::string_view url);
/** host:port (a bracketed IPv6 host too); bad_request for anything else. */
result<HostPort> parse_host_port(std::string_view text);

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
/** A reply owned by the caller. */
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

/** The text of a string/status reply ("" for anything else). */
std::string_view text(const redisReply* r);

/** A hiredis context owned by its connection. */
using Context = std::unique_ptr<redisContext, decltype(&redisFree)>;

/** One connection. Not thread-safe: a thread uses it alone (see Pool). */
class Connection {
 public:
  explicit Connection(Endpoint endpoint)
      : endpoint_(std::move(endpoint)), failures_(endpoint_.reconnect_interval) {}
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /** Sends one command and waits for its reply. store_unavailable when Redis cannot be reached
   * or answers with an error; the connection is then dropped and made again on a later call. */
  result<Reply> command(const std::vector<std::string>& args);
  /** Several commands written at once, then all replies read (one round trip). */
  result<std::vector<Reply>> pipeline(const std::vector<std::vector<std::string>>& commands);
  /** The last error's description, for logs (never contains the password). */
  const std::string& last_error() const { return failures_.last(); }

 private:
  result<void> ensure_connected();
  /** One attempt at the primary (or where a MOVED pointed), with the connection's setup. */
  result<void> connect();
  /** The primary's address: the endpoint's own, or what the first Sentinel that answers says. */
  result<HostPort> primary();
  /** Drops the connection and records why (logged at `level`). */
  boost::system::error_code fail(std::string what,
                                 spdlog::level::level_enum level = spdlog::level::err);

  Endpoint endpoint_;
  /** Where a Redis Cluster node said the slot is (MOVED); tried before the endpoint's own. */
  std::optional<HostPort> moved_to_;
  bool moved_ = false;  ///< the last call met a MOVED
  Context ctx_{nullptr, &redisFree};
  Failures failures_;
};

/** Connections for any thread but the committer's: Redis's Pool (pool.hpp). */
std::vector<std::unique_ptr<Connection>> connections(const Endpoint& endpoint, std::size_t size);

}  // namespace callgate::store::redis
