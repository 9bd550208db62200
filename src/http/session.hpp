#pragma once
// One HTTP/1.1 connection: read a request, hand it to the Handler, write its response, repeat.

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <callgate/http/server.hpp>
#include <chrono>
#include <memory>
#include <optional>

namespace callgate::http {

/** One connection; owned by its pending operations through shared_from_this. */
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(boost::asio::ip::tcp::socket&& socket, Server& server,
          std::shared_ptr<SessionRegistry> registry);
  ~Session();

  void run();
  /** Closes the connection if it is waiting for a new request (graceful shutdown). */
  void close_if_idle();

 private:
  void wait_for_request();
  void on_first_bytes(boost::beast::error_code ec, std::size_t n);
  void read_request();
  void on_read(boost::beast::error_code ec, std::size_t n);
  void send(Response res);
  void on_write(boost::beast::error_code ec, std::size_t n);
  void close();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<Response> response_;
  Server& server_;  ///< used only from handlers, which run while the server lives
  std::shared_ptr<SessionRegistry> registry_;
  bool keep_alive_ = false;
  bool idle_ = false;
};

}  // namespace callgate::http
