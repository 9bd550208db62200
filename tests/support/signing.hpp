#pragma once
// Signing as the providers do, so tests can send requests callgate must accept.

#include <boost/beast/http/fields.hpp>
#include <callgate/time.hpp>
#include <string>

namespace callgate::testing {

/** A fresh Ed25519 key pair standing in for a Telnyx account's signing key. */
struct TelnyxKeys {
  TelnyxKeys();
  std::string public_key_base64() const;
  /** Headers telnyx-timestamp and telnyx-signature-ed25519 for body sent at time t. */
  boost::beast::http::fields sign(const std::string& body, TimePoint t) const;

  std::string secret_key;  // 64 bytes
  std::string public_key;  // 32 bytes
};

/** X-Spark-Signature for body. */
boost::beast::http::fields webex_headers(const std::string& secret, const std::string& body);

/** webhook-id, webhook-timestamp, webhook-signature for body. */
boost::beast::http::fields standard_webhooks_headers(const std::string& whsec,
                                                     const std::string& id, const std::string& body,
                                                     TimePoint t);

/** Authorization: Bearer token. */
boost::beast::http::fields bearer_headers(const std::string& token);

}  // namespace callgate::testing
