// The config loader on arbitrary YAML: either a Config or a ConfigError, nothing else.
#include <unistd.h>

#include <callgate/config/config.hpp>
#include <cstdlib>
#include <fstream>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace callgate;
  static adapters::Registry registry = [] {
    adapters::Registry r;
    adapters::register_builtin_providers(r);
    return r;
  }();
  static sinks::SinkRegistry sink_types = [] {
    sinks::SinkRegistry r;
    sinks::register_builtin_sinks(r);
    return r;
  }();
  static const std::string file =
      "/tmp/callgate-fuzz-config-" + std::to_string(::getpid()) + ".yaml";
  std::ofstream(file, std::ios::binary)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  try {
    (void)config::load_config(file, registry, sink_types);
  } catch (const yaml::ConfigError&) {
    // The expected answer to a bad file.
  }
  return 0;
}
