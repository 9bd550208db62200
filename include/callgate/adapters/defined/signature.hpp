#pragma once

#include <callgate/adapters/defined/definition.hpp>
#include <callgate/adapters/defined/fields.hpp>
#include <chrono>
#include <string>
#include <vector>

namespace callgate::adapters::defined {

/** A source's secrets, decoded as its definition says (HMAC keys, tokens or Ed25519 keys). */
using Secrets = std::vector<std::string>;

/** Decodes one configured secret; nullopt when it is not in the definition's secret encoding. */
std::optional<std::string> decode_secret(const Signature& s, std::string_view text);

/**
 * Checks one request against a definition's signature scheme with any of the secrets.
 * errc::missing_signature, bad_signature or stale_timestamp when it does not hold.
 */
result<void> check_signature(const Signature& s, const Secrets& secrets,
                             std::chrono::seconds tolerance, const Input& in, TimePoint now);

/** A JWT signature (jwt_hs256 or jwt_body) checked, and its claims: for jwt_body, the event. */
result<nlohmann::json> check_jwt(const Signature& s, const Secrets& secrets,
                                 std::chrono::seconds tolerance, const Input& in, TimePoint now);

/** HMAC of text with secret, hex or base64: what a handshake answers. */
std::string handshake_hmac(std::string_view algorithm, Signature::Encoding encoding,
                           std::string_view secret, std::string_view text);

}  // namespace callgate::adapters::defined
