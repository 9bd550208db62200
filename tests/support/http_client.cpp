#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <sstream>
#include <support/http_client.hpp>

namespace callgate::testing {

namespace net = boost::asio;
namespace bhttp = boost::beast::http;

HttpResult http_request(std::uint16_t port, bhttp::verb method, const std::string& target,
                        const std::string& body, const bhttp::fields& headers) {
  HttpResult out;
  try {
    net::io_context ioc;
    net::ip::tcp::socket socket(ioc);
    socket.connect({net::ip::make_address("127.0.0.1"), port});
    bhttp::request<bhttp::string_body> req{method, target, 11};
    for (const auto& h : headers) req.insert(h.name_string(), h.value());
    req.set(bhttp::field::host, "127.0.0.1");
    if (method == bhttp::verb::post) req.set(bhttp::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    bhttp::write(socket, req);
    boost::beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 << 20);
    bhttp::read(socket, buffer, parser);
    out.status = static_cast<int>(parser.get().result_int());
    out.body = parser.get().body();
    out.headers = parser.get().base();
    if (auto c = parser.get().find(bhttp::field::set_cookie); c != parser.get().end())
      out.set_cookie = std::string(c->value());
    boost::system::error_code ignored;
    socket.shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  } catch (const std::exception&) {
    out.status = 0;
  }
  return out;
}

long long metric_value(const std::string& metrics_text, const std::string& series) {
  std::istringstream in(metrics_text);
  for (std::string line; std::getline(in, line);) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ')
      return std::stoll(line.substr(series.size() + 1));
  }
  return 0;
}

}  // namespace callgate::testing
