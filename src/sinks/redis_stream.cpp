// The redis_stream sink has no delivery thread: the Redis store appends every event to the
// stream in the same transaction that decides it. This file only reads its configuration.
#include <callgate/sinks/registry.hpp>

namespace callgate::sinks {

SinkType redis_stream_sink_type() {
  return {"redis_stream",
          [](const yaml::Node& node, SinkConfig& out, store::StoreConfig& store) {
            if (store.type != "redis") node.fail("type", "redis_stream needs store.type: redis");
            out.stream = node.string_or("stream", "callgate:events");
            out.maxlen = node.integer("maxlen", 1'000'000, 1, 1'000'000'000'000);
            if (out.name.empty()) out.name = "redis_stream:" + out.stream;
            store.streams.push_back({out.name, out.stream, out.maxlen});
          },
          [](const SinkConfig&, const SinkContext&) { return std::unique_ptr<Sink>{}; }};
}

}  // namespace callgate::sinks
