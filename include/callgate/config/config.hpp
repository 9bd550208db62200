#pragma once

#include <callgate/adapters/source.hpp>
#include <callgate/store/store.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace callgate::config {

/** One entry of `sinks:`; `type` selects the implementation. */
struct SinkConfig {
  std::string type;  ///< file | http | redis_stream
  std::string name;  ///< cursor name; defaults to "<type>:<path, url or stream>"
  std::string path;  ///< file
  // redis_stream
  std::string stream;
  std::int64_t maxlen = 1'000'000;
  // http
  std::string url;
  std::string secret;  ///< whsec_...; empty: deliveries are not signed
  std::chrono::milliseconds timeout{5000};
  int max_attempts = 12;
  int concurrency = 8;
  std::chrono::milliseconds retry_base{1000};
  std::chrono::milliseconds retry_max{3'600'000};
};

/** The HTTP listener and its protections. */
struct HttpConfig {
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
};

/** The admin API: off unless `admin:` is configured; always behind a bearer token. */
struct AdminConfig {
  bool enabled = false;
  std::string host = "127.0.0.1";
  std::uint16_t port = 8081;
  std::vector<std::string> tokens;
};

/** The whole configuration file, after validation and ${VAR} expansion. */
struct Config {
  std::string file;
  HttpConfig http;
  std::string connector_id;
  std::string owner_id;
  std::string log_level = "info";
  store::StoreConfig store;
  std::map<std::string, std::shared_ptr<const adapters::Source>, std::less<>> sources;
  std::vector<SinkConfig> sinks;
  AdminConfig admin;
};

/** Reads and validates a configuration file; throws ConfigError naming file, line and key. */
Config load_config(const std::string& file, const adapters::Registry& registry);

}  // namespace callgate::config
