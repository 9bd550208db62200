#pragma once

#include <callgate/verify/common.hpp>

namespace callgate::verify {

/** A Standard Webhooks secret: "whsec_" + base64 of the HMAC key. */
struct StandardWebhooksSecret {
  std::string key;  ///< the decoded key bytes
  /** nullopt unless text is "whsec_" followed by valid base64 of a non-empty key. */
  static std::optional<StandardWebhooksSecret> parse(std::string_view text);
};

/** "v1," + base64 HMAC-SHA256 of "<id>.<timestamp>.<body>". */
std::string standard_webhooks_sign(const StandardWebhooksSecret& secret, std::string_view id,
                                   std::string_view timestamp, std::string_view body);

/**
 * Standard Webhooks: webhook-id, webhook-timestamp (Unix seconds, within tolerance either way)
 * and webhook-signature, a space-separated list of "v1,<base64>"; one match with any secret passes.
 */
result<void> verify_standard_webhooks(const Headers& h, std::string_view body,
                                      const std::vector<StandardWebhooksSecret>& secrets,
                                      std::chrono::seconds tolerance, TimePoint now);

}  // namespace callgate::verify
