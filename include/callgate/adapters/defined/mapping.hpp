#pragma once

#include <callgate/adapters/defined/definition.hpp>
#include <callgate/adapters/defined/signature.hpp>
#include <callgate/adapters/source.hpp>

namespace callgate::adapters::defined {

/** A source's configured key values (url and string keys), by name. */
using KeyValues = std::vector<std::pair<std::string, std::string>>;

/** What one source of a definition was configured with. */
struct Configured {
  KeyValues values;
  Secrets secrets;  ///< empty: offline commands, or an unsigned source
  const date::time_zone* zone =
      nullptr;  ///< the definition's or the source's `timezone` (null: UTC)
};

/**
 * A verified body to observations by the definition's mapping, or a handshake's answer.
 * An event type the definition does not list (or none at all) is recognised and changes nothing.
 * With `items:`, each kept element of the array is one observation. Without secrets a
 * handshake's HMAC cannot be answered.
 */
result<Parsed> map_request(const Definition& d, const Configured& c, const Request& r,
                           const SourceSettings& settings);

}  // namespace callgate::adapters::defined
