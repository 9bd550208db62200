#pragma once
// A minimal blocking HTTP/1.1 client for integration tests (one connection per request).

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/verb.hpp>
#include <cstdint>
#include <string>

namespace callgate::testing {

struct HttpResult {
  int status = 0;  ///< 0 when the connection failed
  std::string body;
  std::string set_cookie;              ///< the Set-Cookie header, if any
  boost::beast::http::fields headers;  ///< every response header
};

HttpResult http_request(std::uint16_t port, boost::beast::http::verb method,
                        const std::string& target, const std::string& body = {},
                        const boost::beast::http::fields& headers = {});

inline HttpResult post(std::uint16_t port, const std::string& target, const std::string& body,
                       const boost::beast::http::fields& headers = {}) {
  return http_request(port, boost::beast::http::verb::post, target, body, headers);
}

inline HttpResult get(std::uint16_t port, const std::string& target,
                      const boost::beast::http::fields& headers = {}) {
  return http_request(port, boost::beast::http::verb::get, target, {}, headers);
}

/** The value of one series in a /metrics text (0 when absent), e.g. series =
 *  `callgate_requests_total{source="webex",status="401"}`. */
long long metric_value(const std::string& metrics_text, const std::string& series);

}  // namespace callgate::testing
