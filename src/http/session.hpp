#pragma once
// One HTTP/1.1 connection: read a request, hand it to the Handler, write its response, repeat.

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <callgate/http/server.hpp>
#include <chrono>
#include <memory>
#include <optional>

namespace callgate::http {

/** What the registry knows of a connection, whatever its stream. */
class Session {
 public:
  virtual ~Session() = default;
  /** Closes the connection if it is waiting for a new request (graceful shutdown). */
  virtual void close_if_idle() = 0;
};

/**
 * One connection over Stream: beast::tcp_stream, or beast::ssl_stream<tcp_stream> when the
 * listener has TLS. Owned by its pending operations through shared_from_this.
 */
template <class Stream>
class HttpSession final : public Session, public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  template <class... Args>
  HttpSession(Server& server, std::shared_ptr<SessionRegistry> registry, Args&&... stream_args)
      : stream_(std::forward<Args>(stream_args)...),
        server_(server),
        registry_(std::move(registry)) {}
  ~HttpSession() override { registry_->remove(this); }

  /** Starts with the TLS handshake when there is one, then reads requests. */
  void run();
  void close_if_idle() override;

 private:
  boost::beast::tcp_stream& tcp() { return boost::beast::get_lowest_layer(stream_); }
  void on_handshake(boost::beast::error_code ec);
  void wait_for_request();
  void on_first_bytes(boost::beast::error_code ec, std::size_t n);
  void read_request();
  void on_read(boost::beast::error_code ec, std::size_t n);
  void send(Response res);
  void on_write(boost::beast::error_code ec, std::size_t n);
  void close();

  Stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<Response> response_;
  Server& server_;  ///< used only from handlers, which run while the server lives
  std::shared_ptr<SessionRegistry> registry_;
  bool keep_alive_ = false;
  bool idle_ = false;
  bool served_ = false;
  ConnectionState connection_;  ///< the handler's per-connection state  ///< a response was
                                ///< written: later waits are keep-alive idleness
};

}  // namespace callgate::http

namespace callgate::http {
using PlainSession = HttpSession<boost::beast::tcp_stream>;
using TlsSession = HttpSession<boost::beast::ssl_stream<boost::beast::tcp_stream>>;
extern template class HttpSession<boost::beast::tcp_stream>;
extern template class HttpSession<boost::beast::ssl_stream<boost::beast::tcp_stream>>;
}  // namespace callgate::http
