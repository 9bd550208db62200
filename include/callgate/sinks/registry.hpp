#pragma once

#include <callgate/metrics/metrics.hpp>
#include <callgate/named_registry.hpp>
#include <callgate/sinks/sink.hpp>
#include <callgate/store/store.hpp>
#include <callgate/yaml/node.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace callgate::sinks {

struct SinkConfig;
struct SinkContext;
/** Builds a configured sink; returns nullptr when the store writes it itself (redis_stream). */
using SinkMaker = std::function<std::unique_ptr<Sink>(const SinkConfig&, const SinkContext&)>;

/** One entry of `sinks:` after validation; a type leaves the fields it does not use alone. */
struct SinkConfig {
  std::string type;  ///< the registered sink type's name
  std::string name;  ///< cursor name; defaults to what the type's reader returns
  std::string path;  ///< file
  // redis_stream
  std::string stream;
  std::int64_t maxlen = 1'000'000;
  // http
  std::string url;
  std::string secret;  ///< whsec_...; empty: deliveries are not signed
  std::vector<std::pair<std::string, std::string>> headers;  ///< sent with every delivery
  std::chrono::milliseconds timeout{5000};
  int max_attempts = 12;
  int concurrency = 8;
  std::chrono::milliseconds retry_base{1000};
  std::chrono::milliseconds retry_max{3'600'000};
  SinkMaker create;  ///< the type's factory, copied from the registry
};

/** What every sink is built with. */
struct SinkContext {
  store::Store& store;
  metrics::Metrics& metrics;
  std::string connector_id;  ///< x-connector-id of HTTP deliveries
  std::string owner_id;      ///< x-owner-id of HTTP deliveries
};

/** One kind of sink; `name` is the `type:` value in YAML. */
struct SinkType {
  std::string_view name;
  /** Reads the type's own keys into out (throws yaml::ConfigError on a mistake) and names the
   * sink "<type>:<path, url or stream>" when `name:` left out.name empty. May add to the store's
   * config (a stream the store writes itself). */
  std::function<void(const yaml::Node& node, SinkConfig& out, store::StoreConfig& store)> read;
  SinkMaker create;
};

/** The sink types callgate knows, by name. */
using SinkRegistry = NamedRegistry<SinkType>;

/** Registers file, http and redis_stream: adding a sink type adds one line here. */
void register_builtin_sinks(SinkRegistry& r);

/** The three built-in types, each defined beside its implementation. */
SinkType file_sink_type();
SinkType http_sink_type();
SinkType redis_stream_sink_type();

}  // namespace callgate::sinks
