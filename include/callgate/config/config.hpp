#pragma once

#include <callgate/adapters/source.hpp>
#include <callgate/http/server_options.hpp>
#include <callgate/sinks/registry.hpp>
#include <callgate/store/store.hpp>
#include <callgate/yaml/node.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace callgate::config {

using ConfigError = yaml::ConfigError;

using SinkConfig = sinks::SinkConfig;

/** The HTTP listener and its protections. */
using HttpConfig = http::ServerOptions;

/** The admin API: off unless `admin:` is configured; always behind a bearer token. */
struct AdminConfig {
  bool enabled = false;
  std::string host = "127.0.0.1";
  std::uint16_t port = 8081;
  std::vector<std::string> tokens;
};

/** Where /metrics is served: always on the admin listener (with its token), on a listener of
 * its own when `listen` is set, and on the public webhook listener only when asked. */
struct MetricsConfig {
  bool listen = false;
  std::string host = "127.0.0.1";
  std::uint16_t port = 9090;
  bool on_webhook_listener = false;
  /** Where the per-minute history of the console's charts is kept across restarts ("": in
   * memory only). Default: beside a SQLite store (<store.path>.history.json). */
  std::string history_file;
};

/** The whole configuration file, after validation and ${VAR} expansion. */
struct Config {
  std::string file;
  HttpConfig http;
  std::string connector_id;
  std::string owner_id;
  std::string default_region;  ///< where numbers without a country code are read (sources inherit)
  std::string directory_path;  ///< the `directory:` file, absolute; empty: none
  /** Its rows as read at startup, shared with every source; the DirectoryWatcher replaces them
   * when the file changes. Null without a directory. */
  std::shared_ptr<core::Directory> directory;
  std::string log_level = "info";
  store::StoreConfig store;
  std::map<std::string, std::shared_ptr<const adapters::Source>, std::less<>> sources;
  std::vector<SinkConfig> sinks;
  AdminConfig admin;
  MetricsConfig metrics;
  store::RequestLogConfig request_log;
  /** Mode of the files callgate creates (store, JSONL sink): they hold phone numbers, so 0600,
   * or 0640 for a group that reads them. Applied as the process umask. */
  unsigned file_mode = 0600;
  std::vector<std::string> warnings;  ///< valid, but probably not what was meant
};

/** What the configuration is loaded for. */
enum class Purpose {
  serve,    ///< everything must be valid, every ${VAR} set
  offline,  ///< replay: sources whose secrets are unset can parse but verify nothing, and the
            ///< admin API is ignored
  inspect,  ///< events: only the store is read; as offline, and a sink whose ${VAR} is unset is
            ///< left out (it delivers nothing here)
};

/** Reads and validates a configuration file; throws ConfigError naming file, line and key. */
Config load_config(const std::string& file, const adapters::Registry& registry,
                   const sinks::SinkRegistry& sink_types, Purpose purpose = Purpose::serve);

}  // namespace callgate::config
