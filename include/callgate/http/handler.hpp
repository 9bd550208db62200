#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <callgate/error.hpp>
#include <callgate/http/rate_limiter.hpp>
#include <functional>
#include <optional>
#include <string_view>

namespace callgate::http {

namespace bhttp = boost::beast::http;
using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;
/** Completes one request; may be called from any thread, exactly once. */
using Reply = std::function<void(Response)>;

/** What a handler keeps per connection, touched only on that connection's strand. */
struct ConnectionState {
  /** Requests on this connection that failed verification spend this bucket; once it is empty,
   * the connection's next requests are refused before any crypto (see Router). */
  std::optional<TokenBucket> unverified;
  /** The connection's strand. A completion that arrives on another thread (the committer's)
   * continues here, so that building the answer and counting it never run on that thread.
   * Empty (tests without a connection): the completion runs where it arrives. */
  boost::asio::any_io_executor executor;
  /** The connection's peer (a proxy's, behind one: see Networks and client_address). */
  boost::asio::ip::address peer;
};

/** Turns requests into responses, at once or later (a webhook waits for its commit). */
class Handler {
 public:
  virtual ~Handler() = default;
  virtual void handle(Request&& req, ConnectionState& connection, Reply reply) = 0;
  /** The answer to a request the connection could not read whole (too large, malformed). */
  virtual Response reject(errc why, std::string_view target, unsigned version) = 0;
};

/** The one place an error becomes an HTTP status. */
bhttp::status status_for(errc e);

/** A small JSON response: {"error": message} for errors, or the given body. */
Response json_response(bhttp::status status, unsigned version, std::string body);
Response error_response(errc e, unsigned version);

}  // namespace callgate::http
