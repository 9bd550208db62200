#pragma once

#include <callgate/verify/common.hpp>

namespace callgate::verify {

/** Lowercase hex HMAC-SHA1 of body keyed with secret (what Webex puts in X-Spark-Signature). */
std::string hmac_sha1_hex(std::string_view secret, std::string_view body);

/**
 * Webex: X-Spark-Signature must be the hex HMAC-SHA1 of the raw body under one of the secrets
 * (several while a secret is rotated). Webex signs no timestamp; replay is caught by dedup.
 */
result<void> verify_webex(const Headers& h, std::string_view body,
                          const std::vector<std::string>& secrets);

}  // namespace callgate::verify
