#pragma once

#include <callgate/adapters/defined/definition.hpp>
#include <callgate/adapters/defined/signature.hpp>
#include <callgate/adapters/source.hpp>

namespace callgate::adapters::defined {

/** A source's configured key values (url and string keys), by name. */
using KeyValues = std::vector<std::pair<std::string, std::string>>;

/**
 * A verified body to observations by the definition's mapping, or a handshake's answer.
 * An event type the definition does not list (or none at all) is recognised and changes nothing.
 * `secrets` may be empty (offline commands); a handshake's HMAC then cannot be answered.
 */
result<Parsed> map_request(const Definition& d, const KeyValues& values, const Secrets& secrets,
                           const Request& r, const SourceSettings& settings);

}  // namespace callgate::adapters::defined
