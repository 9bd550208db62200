#pragma once
// A real HTTP receiver on loopback for delivery tests: records every request and answers with a
// status the test chooses (a refusal with a JSON body that says so). It can stop listening
// (connection refused) and listen again.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace callgate::testing {

struct Received {
  std::map<std::string, std::string> headers;  ///< lowercase names
  std::string target;                          ///< path and query
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string{} : it->second;
  }
};

/** How the receiver treats connections. */
struct ReceiverMode {
  /** false: one request per connection, answered with Connection: close. true: HTTP/1.1
   * keep-alive, each connection served on a thread of its own. */
  bool keep_alive = false;
  /** keep_alive: close the connection without a word after this many requests on it (0:
   * never), as a receiver that drops idle connections does. */
  int close_after = 0;
};

class Receiver {
 public:
  /** Answers every request with 200 until told otherwise. */
  explicit Receiver(ReceiverMode mode = {});
  ~Receiver();
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url(const std::string& path = "/telephony") const;
  /** Stop listening: new connections are refused. */
  void stop();
  /** Listen again on the same port. */
  void start();
  /** Decides the status for each request (called on the receiver thread). */
  void respond_with(std::function<int(const Received&)> f);
  std::vector<Received> received() const;
  /** Connections accepted so far. */
  int connections() const { return connections_.load(); }

 private:
  void listen();
  void accept();
  /** Answers one request read from socket; false when the connection ends. */
  bool answer(boost::asio::ip::tcp::socket& socket, boost::beast::flat_buffer& buffer,
              bool keep_alive);
  void serve_keep_alive(const std::shared_ptr<boost::asio::ip::tcp::socket>& socket);

  boost::asio::io_context ioc_;
  std::optional<boost::asio::ip::tcp::acceptor> acceptor_;
  std::uint16_t port_ = 0;
  mutable std::mutex mutex_;
  std::function<int(const Received&)> respond_;
  std::vector<Received> received_;
  std::thread thread_;
  ReceiverMode mode_;
  std::atomic<int> connections_{0};
  std::vector<std::shared_ptr<boost::asio::ip::tcp::socket>> open_;  // keep-alive, under mutex_
  std::vector<std::thread> serving_;                                 // keep-alive, under mutex_
};

}  // namespace callgate::testing
