// The provider definition loader on arbitrary YAML: it either loads a definition or throws a
// ConfigError that names a place; nothing else escapes, nothing crashes. A definition that loads
// is then given a source and one request, so what was loaded is also run.
#include <callgate/adapters/defined/provider.hpp>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace callgate;
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::shared_ptr<const adapters::defined::Definition> d;
  try {
    d = adapters::defined::load_definition(text, "fuzz.yaml");
  } catch (const yaml::ConfigError& e) {
    if (std::string_view(e.what()).find("fuzz.yaml") != 0) std::abort();  // always located
    return 0;
  }
  // Every declared key set to a value each key type accepts.
  std::string keys;
  for (const auto& k : d->keys)
    keys += k.name + ": " +
            (k.type == adapters::defined::KeyDecl::Type::url
                 ? "https://example.com/x"
                 : "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") +
            "\n";
  std::unique_ptr<adapters::Source> source;
  try {
    const auto node = yaml::load_yaml_text(keys.empty() ? "{}" : keys, "source.yaml");
    source = adapters::defined::definition_factory(d).create(node, {"fuzz", true});
  } catch (const yaml::ConfigError&) {
    return 0;  // e.g. an Ed25519 definition refuses a non-key
  }
  boost::beast::http::fields headers;
  headers.set("Authorization", "Bearer x");
  const adapters::Request r{headers, R"({"event":"x","id":"1","a":{"b":[1,2]}})",
                            from_unix_ms(1'700'000'000'000), "q=1"};
  (void)source->verify(r);
  if (auto parsed = source->parse(r))
    for (const auto& o : parsed->observations)
      if (o.call_key.empty()) std::abort();
  return 0;
}
