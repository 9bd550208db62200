#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <support/raw_client.hpp>

namespace callgate::testing {

std::string raw_exchange(std::uint16_t port, const std::string& bytes,
                         std::chrono::milliseconds wait) {
  namespace net = boost::asio;
  net::io_context ioc;
  net::ip::tcp::socket socket(ioc);
  boost::system::error_code ec;
  socket.connect({net::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return {};
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const auto n =
        ::send(socket.native_handle(), bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close early (e.g. after a 413)
    sent += static_cast<std::size_t>(n);
  }
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  char buf[65536];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{socket.native_handle(), POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (::poll(&p, 1, static_cast<int>(std::max<long long>(left.count(), 1))) <= 0) break;
    const auto n = ::recv(socket.native_handle(), buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

std::vector<boost::asio::ip::tcp::socket> silent_connections(boost::asio::io_context& ioc,
                                                             std::uint16_t port, int n) {
  std::vector<boost::asio::ip::tcp::socket> out;
  for (int i = 0; i < n; ++i) {
    out.emplace_back(ioc);
    boost::system::error_code ec;
    out.back().connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
  }
  return out;
}

int first_status(const std::string& response) {
  if (response.size() < 12 || response.compare(0, 5, "HTTP/") != 0) return 0;
  return std::stoi(response.substr(9, 3));
}

int count_responses(const std::string& response) {
  int n = 0;
  for (std::size_t pos = 0; (pos = response.find("HTTP/1.1 ", pos)) != std::string::npos; ++pos)
    ++n;
  return n;
}

}  // namespace callgate::testing
