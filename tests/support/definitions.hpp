#pragma once
// Sources made from provider definitions as a config makes them, for the definition tests.

#include <callgate/adapters/defined/provider.hpp>
#include <callgate/adapters/source.hpp>
#include <functional>
#include <memory>
#include <string>

namespace callgate::testing {

/** The errc of a result, errc::ok when it holds a value. */
template <class T>
errc code(const result<T>& r) {
  return r ? errc::ok : static_cast<errc>(r.error().value());
}

/** A source of a definition (YAML text) configured by the YAML lines of `keys`. */
inline std::unique_ptr<adapters::Source> defined_source(const std::string& definition,
                                                        const std::string& keys,
                                                        bool allow_unsigned = false) {
  auto factory = adapters::defined::definition_factory(
      adapters::defined::load_definition(definition, "acme.yaml"));
  const auto node = yaml::load_yaml_text(keys.empty() ? "{}" : keys, "config.yaml");
  adapters::SourceSettings settings{"acme", false};
  settings.allow_unsigned = allow_unsigned;
  auto s = factory.create(node, settings);
  node.finish();
  return s;
}

/** A source of a built-in or bundled provider, configured by the YAML lines of `keys`. */
inline std::unique_ptr<adapters::Source> bundled_source(const std::string& provider,
                                                        const std::string& keys) {
  adapters::Registry r;
  adapters::register_builtin_providers(r);
  const auto node = yaml::load_yaml_text(keys, "config.yaml");
  auto s = r.find(provider)->create(node, {provider, false});
  node.finish();
  return s;
}

/** The ConfigError f throws, or "(no error)". */
inline std::string config_error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const yaml::ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace callgate::testing
