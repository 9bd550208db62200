#pragma once
// A thin RAII layer over hiredis: parse a redis:// URL, send commands as argument vectors, own
// the replies, reconnect lazily. Internal to the Redis store.

#include <hiredis/hiredis.h>

#include <callgate/error.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace callgate::store::redis {

/** Where Redis is and how long to wait for it. */
struct Endpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  int db = 0;
  std::string username;  ///< empty: AUTH with the password only (or no AUTH)
  std::string password;
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{1000};
  std::chrono::milliseconds reconnect_interval{500};  ///< after a failure, fail fast this long
};

/** redis://[[user]:password@]host[:port][/db]; nullopt-like error for anything else. */
result<Endpoint> parse_url(std::string_view url);

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
/** A reply owned by the caller. */
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

/** The text of a string/status reply ("" for anything else). */
std::string_view text(const redisReply* r);

/** One connection. Not thread-safe: a thread uses it alone (see Pool). */
class Connection {
 public:
  explicit Connection(Endpoint endpoint) : endpoint_(std::move(endpoint)) {}
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /** Sends one command and waits for its reply. store_unavailable when Redis cannot be reached
   * or answers with an error; the connection is then dropped and made again on a later call. */
  result<Reply> command(const std::vector<std::string>& args);
  /** Several commands written at once, then all replies read (one round trip). */
  result<std::vector<Reply>> pipeline(const std::vector<std::vector<std::string>>& commands);
  /** The last error's description, for logs (never contains the password). */
  const std::string& last_error() const { return last_error_; }

 private:
  result<void> ensure_connected();
  boost::system::error_code fail(std::string what);

  Endpoint endpoint_;
  redisContext* ctx_ = nullptr;
  std::chrono::steady_clock::time_point failed_at_{};
  std::string last_error_;
};

/** A fixed number of connections shared by threads; acquire() waits for a free one. */
/** Connections for any thread but the committer's: Redis's Pool (pool.hpp). */
std::vector<std::unique_ptr<Connection>> connections(const Endpoint& endpoint, std::size_t size);

}  // namespace callgate::store::redis
