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

/** What every sink is built with. */
struct SinkContext {
  store::Store& store;
  metrics::Metrics& metrics;
  std::string connector_id;  ///< x-connector-id of HTTP deliveries
  std::string owner_id;      ///< x-owner-id of HTTP deliveries
};

/** Makes one configured sink; nullptr when the store writes it itself (redis_stream). */
using SinkMaker = std::function<std::unique_ptr<Sink>(const SinkContext&)>;

/** One entry of `sinks:` after validation. The settings its type read from the entry's own keys
 * are the type's (as a provider's are its source's): held by `create`, not listed here. */
struct SinkConfig {
  std::string type;                ///< the registered sink type's name
  std::string name;                ///< cursor name and metric label
  bool start_from_oldest = false;  ///< `start_from: oldest | now` (now by default)
  SinkMaker create;
};

/** One kind of sink; `name` is the `type:` value in YAML. */
struct SinkType {
  std::string_view name;
  /** Reads the type's own keys of one `sinks:` entry into the maker of that sink (throws
   * yaml::ConfigError on a mistake). `name` is the entry's `name:`; when it is empty the type
   * names the sink "<type>:<path, url or stream>". May add to the store's config (a stream the
   * store writes itself). */
  std::function<SinkMaker(const yaml::Node& node, std::string& name, store::StoreConfig& store)>
      read;
};

/** The sink types callgate knows, by name. */
using SinkRegistry = NamedRegistry<SinkType>;

/** Registers file, http, kafka and redis_stream: adding a sink type adds one line here. */
void register_builtin_sinks(SinkRegistry& r);

/** The built-in types, each defined beside its implementation. */
SinkType file_sink_type();
SinkType http_sink_type();
SinkType redis_stream_sink_type();
SinkType kafka_sink_type();

}  // namespace callgate::sinks
