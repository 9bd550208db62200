#pragma once

#include <callgate/networks.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace callgate::http {

/** A listener and its protections (the YAML key `http:` for the webhook listener). */
struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  int threads = 2;
  std::size_t max_body_bytes = 1 << 20;
  std::chrono::milliseconds read_timeout{10'000};  ///< header + body of one request
  std::chrono::milliseconds idle_timeout{60'000};  ///< keep-alive connection with no request
  std::chrono::milliseconds shutdown_timeout{10'000};
  std::size_t max_connections = 10'000;  ///< more are closed at once
  std::size_t max_header_count = 100;    ///< more get 431
  std::string tls_cert;                  ///< PEM certificate chain; empty: plain HTTP
  std::string tls_key;                   ///< PEM private key
  /** Peers whose X-Forwarded-For is believed (a load balancer's addresses): the top-level
   * `trusted_proxies`. */
  Networks trusted_proxies;
};

}  // namespace callgate::http
