#pragma once

#include <callgate/verify/common.hpp>

namespace callgate::verify {

/** A raw 32-byte Ed25519 public key, decoded from the base64 that Telnyx's portal shows. */
struct Ed25519PublicKey {
  std::string bytes;
  /** nullopt unless b64 decodes to exactly 32 bytes. */
  static std::optional<Ed25519PublicKey> from_base64(std::string_view b64);
};

/** Ed25519 detached signature check (libsodium). */
bool ed25519_verify(const Ed25519PublicKey& key, std::string_view message,
                    std::string_view signature);

/**
 * Telnyx: telnyx-signature-ed25519 (base64, 64 bytes) over "<telnyx-timestamp>|<raw body>" with
 * any of the keys; the timestamp must be within tolerance of now in either direction.
 */
result<void> verify_telnyx(const Headers& h, std::string_view body,
                           const std::vector<Ed25519PublicKey>& keys,
                           std::chrono::seconds tolerance, TimePoint now);

}  // namespace callgate::verify
