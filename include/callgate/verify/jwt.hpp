#pragma once

#include <callgate/error.hpp>
#include <nlohmann/json.hpp>
#include <string_view>

namespace callgate::verify {

/**
 * Verifies a JWT signed HS256 with secret (libjwt, whose comparison is constant time) and
 * returns its claims. Any other algorithm, "none" included, is errc::bad_signature.
 */
result<nlohmann::json> verify_jwt_hs256(std::string_view token, std::string_view secret);

}  // namespace callgate::verify
