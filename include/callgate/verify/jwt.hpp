#pragma once

#include <callgate/error.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace callgate::verify {

/**
 * Verifies a JWT signed HS256 with secret (libjwt, whose comparison is constant time) and
 * returns its claims. Any other algorithm, "none" included, is errc::bad_signature.
 */
result<nlohmann::json> verify_jwt_hs256(std::string_view token, std::string_view secret);

/**
 * The claims text (JSON) of a compact JWT, read without checking its signature: only for a token
 * that was verified when it arrived, read again offline. nullopt when it is not a compact JWT.
 */
std::optional<std::string> jwt_payload_unverified(std::string_view token);

}  // namespace callgate::verify
