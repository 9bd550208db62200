// The redis_stream sink has no delivery thread: the Redis store appends every event to the
// stream in the same transaction that decides it. This file only reads its configuration.
#include <spdlog/spdlog.h>

#include <callgate/sinks/registry.hpp>

namespace callgate::sinks {

SinkType redis_stream_sink_type() {
  return {"redis_stream",
          [](const yaml::Node& node, std::string& name, store::StoreConfig& store) -> SinkMaker {
            if (store.type != "redis") node.fail("type", "redis_stream needs store.type: redis");
            store::StreamSink stream;
            stream.stream = node.string_or("stream", store.key_prefix + "events");
            if (store::hash_tag(stream.stream) != store::hash_tag(store.key_prefix))
              spdlog::warn(
                  "sink {}: stream '{}' has not the hash tag of store.key_prefix ('{}'): "
                  "fine on one Redis server, refused (CROSSSLOT) on Redis Cluster",
                  name.empty() ? "redis_stream" : name, stream.stream, store.key_prefix);
            stream.maxlen = node.integer("maxlen", stream.maxlen, 1, 1'000'000'000'000);
            if (name.empty()) name = "redis_stream:" + stream.stream;
            stream.name = name;
            store.streams.push_back(std::move(stream));
            return [](const SinkContext&) { return std::unique_ptr<Sink>{}; };
          }};
}

}  // namespace callgate::sinks
