#pragma once
// What the parts of a definition's reader share: choosing among named values, and reading fields
// and conditions. Private to src/adapters/defined/.

#include <callgate/adapters/defined/definition.hpp>
#include <initializer_list>
#include <string_view>
#include <utility>

namespace callgate::adapters::defined {

template <class E>
E one_of(const yaml::Value& v, std::initializer_list<std::pair<std::string_view, E>> choices) {
  std::string known;
  for (const auto& [name, e] : choices) {
    if (v.is_scalar() && v.text == name) return e;
    known.append(known.empty() ? "" : ", ").append(name);
  }
  v.fail("must be one of " + known);
}

template <class E>
E one_of(const yaml::Node& n, std::string_view key, E fallback,
         std::initializer_list<std::pair<std::string_view, E>> choices) {
  auto v = n.value(key);
  return v ? one_of(*v, choices) : fallback;
}

/** A field: a path or template, a list of alternatives, or a mapping with its settings. */
Field read_field(const yaml::Value& v);
/** {field: .., equals | in | exists: ..}. */
Condition read_condition(const yaml::Value& v);
/** sha1, sha256 or sha512, or a ConfigError at `key` of n. */
std::string read_algorithm(const yaml::Node& n, std::string_view key);

void read_signature(const yaml::Node& s, Definition& d);
void read_handshake(const yaml::Node& h, Definition& d);

}  // namespace callgate::adapters::defined
