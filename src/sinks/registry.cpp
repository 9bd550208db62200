#include <callgate/sinks/registry.hpp>

namespace callgate::sinks {

void register_builtin_sinks(SinkRegistry& r) {
  r.add(file_sink_type());
  r.add(http_sink_type());
  r.add(kafka_sink_type());
  r.add(redis_stream_sink_type());
}

}  // namespace callgate::sinks
