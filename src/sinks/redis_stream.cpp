// The redis_stream sink has no delivery thread: the Redis store appends every event to the
// stream in the same transaction that decides it. This file only reads its configuration.
#include <callgate/sinks/registry.hpp>

namespace callgate::sinks {

SinkType redis_stream_sink_type() {
  return {"redis_stream",
          [](const yaml::Node& node, std::string& name, store::StoreConfig& store) -> SinkMaker {
            if (store.type != "redis") node.fail("type", "redis_stream needs store.type: redis");
            store::StreamSink stream;
            stream.stream = node.string_or("stream", stream.stream);
            stream.maxlen = node.integer("maxlen", stream.maxlen, 1, 1'000'000'000'000);
            if (name.empty()) name = "redis_stream:" + stream.stream;
            stream.name = name;
            store.streams.push_back(std::move(stream));
            return [](const SinkContext&) { return std::unique_ptr<Sink>{}; };
          }};
}

}  // namespace callgate::sinks
