#include <sodium.h>

#include <callgate/verify/telnyx.hpp>

namespace callgate::verify {

std::optional<Ed25519PublicKey> Ed25519PublicKey::from_base64(std::string_view b64) {
  auto bytes = base64_decode(b64);
  if (!bytes || bytes->size() != crypto_sign_PUBLICKEYBYTES) return std::nullopt;
  return Ed25519PublicKey{std::move(*bytes)};
}

bool ed25519_verify(const Ed25519PublicKey& key, std::string_view message,
                    std::string_view signature) {
  if (signature.size() != crypto_sign_BYTES || key.bytes.size() != crypto_sign_PUBLICKEYBYTES)
    return false;
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(),
                                     reinterpret_cast<const unsigned char*>(key.bytes.data())) == 0;
}

result<void> verify_telnyx(const Headers& h, std::string_view body,
                           const std::vector<Ed25519PublicKey>& keys,
                           std::chrono::seconds tolerance, TimePoint now) {
  auto sig_header = single_header(h, "telnyx-signature-ed25519");
  if (!sig_header) return sig_header.error();
  auto ts_header = single_header(h, "telnyx-timestamp");
  if (!ts_header) return ts_header.error();
  if (!*sig_header || !*ts_header) return make_error_code(errc::missing_signature);

  const auto ts = parse_unix_seconds(**ts_header);
  if (!ts) return make_error_code(errc::bad_signature);
  if (!within_tolerance(*ts, now, tolerance)) return make_error_code(errc::stale_timestamp);

  const auto signature = base64_decode(**sig_header);
  if (!signature) return make_error_code(errc::bad_signature);
  std::string message;
  message.reserve(ts_header->value().size() + 1 + body.size());
  message.append(**ts_header).push_back('|');
  message.append(body);
  for (const auto& key : keys)
    if (ed25519_verify(key, message, *signature)) return {};
  return make_error_code(errc::bad_signature);
}

}  // namespace callgate::verify
