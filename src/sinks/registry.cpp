#include <callgate/sinks/registry.hpp>

namespace callgate::sinks {

void SinkRegistry::add(SinkType type) { types_.push_back(std::move(type)); }

const SinkType* SinkRegistry::find(std::string_view name) const {
  for (const auto& t : types_)
    if (t.name == name) return &t;
  return nullptr;
}

std::vector<std::string_view> SinkRegistry::names() const {
  std::vector<std::string_view> out;
  for (const auto& t : types_) out.push_back(t.name);
  return out;
}

void register_builtin_sinks(SinkRegistry& r) {
  r.add(file_sink_type());
  r.add(http_sink_type());
  r.add(redis_stream_sink_type());
}

}  // namespace callgate::sinks
