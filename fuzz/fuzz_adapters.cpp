// Every registered provider's parser on arbitrary bytes: never throws, never crashes, and what it
// returns is sane. A new provider is fuzzed as soon as it is registered.
#include <callgate/adapters/source.hpp>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace callgate;
  static const adapters::Registry registry = [] {
    adapters::Registry r;
    adapters::register_builtin_providers(r);
    return r;
  }();
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const boost::beast::http::fields headers;
  const adapters::Request r{headers, body, from_unix_ms(1'700'000'000'000)};
  for (const auto name : registry.names()) {
    auto parsed = registry.find(name)->parse(r, {"fuzz", true});
    if (!parsed) continue;
    for (const auto& o : parsed->observations) {
      // Every observation names its call one way or the other.
      if (o.call_key.empty() && o.match_key.empty()) std::abort();
      if (o.source != "fuzz") std::abort();
    }
  }
  return 0;
}
