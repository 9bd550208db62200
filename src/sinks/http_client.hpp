#pragma once
// A small async HTTP/1.1 client (Beast) that sends a batch of POSTs concurrently and waits for
// all of them, each bounded by a timeout. Private to sinks/.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/fields.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace callgate::sinks {

/** Where requests go, parsed once from the configured URL. */
struct HttpTarget {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target;         ///< path and query
  std::string authorization;  ///< "Basic <base64>" when the URL carries user:password@
  /** Parses http:// and https:// URLs; nullopt for anything else. */
  static std::optional<HttpTarget> parse(const std::string& url);
};

/** One request to send. */
struct HttpPost {
  boost::beast::http::fields headers;
  std::string body;
};

/** What came back: a status, or the network error that prevented one. */
struct HttpOutcome {
  int status = 0;  ///< 0 when no response arrived
  std::string error;
  std::optional<std::chrono::seconds> retry_after;
  std::chrono::milliseconds latency{};  ///< from the start of the exchange to its end
  std::string body;  ///< a status other than 2xx: the start of the body, printable ASCII only
};

/** How much of a refusing receiver's body an outcome keeps. */
inline constexpr std::size_t kResponseSnippet = 300;

struct ConnectionPool;

/** Sends POSTs to one target over kept-alive connections, reused from one delivery to the next.
 * Not thread-safe: one sink thread uses it (interrupt() excepted). */
class HttpClient {
 public:
  HttpClient(HttpTarget target, std::chrono::milliseconds timeout);
  /** Sends all posts at once and returns their outcomes in the same order. Each exchange, name
   * lookup included, gets `timeout`; one that has not finished by then is a failure. */
  std::vector<HttpOutcome> post_all(const std::vector<HttpPost>& posts);
  /** From another thread: makes a post_all in progress (or the next one) return at once, its
   * unfinished exchanges failed. */
  void interrupt();

 private:
  HttpTarget target_;
  std::chrono::milliseconds timeout_;
  boost::asio::io_context ioc_;
  std::atomic<bool> interrupted_{false};
  std::optional<boost::asio::ssl::context> tls_;
  std::shared_ptr<ConnectionPool> pool_;  ///< shared with exchanges that may outlive a call
};

}  // namespace callgate::sinks
