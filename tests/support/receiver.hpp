#pragma once
// A real HTTP receiver on loopback for delivery tests: records every request and answers with a
// status the test chooses. It can stop listening (connection refused) and listen again.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <functional>
#include <map>
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

class Receiver {
 public:
  /** Answers every request with 200 until told otherwise. */
  Receiver();
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

 private:
  void listen();
  void accept();

  boost::asio::io_context ioc_;
  std::optional<boost::asio::ip::tcp::acceptor> acceptor_;
  std::uint16_t port_ = 0;
  mutable std::mutex mutex_;
  std::function<int(const Received&)> respond_;
  std::vector<Received> received_;
  std::thread thread_;
};

}  // namespace callgate::testing
