#include <sodium.h>

#include <callgate/verify/standard_webhooks.hpp>
#include <callgate/verify/webex.hpp>
#include <support/signing.hpp>

namespace callgate::testing {

TelnyxKeys::TelnyxKeys()
    : secret_key(crypto_sign_SECRETKEYBYTES, '\0'), public_key(crypto_sign_PUBLICKEYBYTES, '\0') {
  if (sodium_init() < 0) throw std::runtime_error("sodium_init failed");
  crypto_sign_keypair(reinterpret_cast<unsigned char*>(public_key.data()),
                      reinterpret_cast<unsigned char*>(secret_key.data()));
}

std::string TelnyxKeys::public_key_base64() const { return verify::base64_encode(public_key); }

boost::beast::http::fields TelnyxKeys::sign(const std::string& body, TimePoint t) const {
  const auto ts = std::to_string(to_unix_ms(t) / 1000);
  const std::string message = ts + "|" + body;
  std::string sig(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       reinterpret_cast<const unsigned char*>(secret_key.data()));
  boost::beast::http::fields h;
  h.set("telnyx-timestamp", ts);
  h.set("telnyx-signature-ed25519", verify::base64_encode(sig));
  return h;
}

boost::beast::http::fields webex_headers(const std::string& secret, const std::string& body) {
  boost::beast::http::fields h;
  h.set("X-Spark-Signature", verify::hmac_sha1_hex(secret, body));
  return h;
}

boost::beast::http::fields standard_webhooks_headers(const std::string& whsec,
                                                     const std::string& id, const std::string& body,
                                                     TimePoint t) {
  const auto secret = verify::StandardWebhooksSecret::parse(whsec);
  if (!secret) throw std::invalid_argument("bad whsec in test");
  const auto ts = std::to_string(to_unix_ms(t) / 1000);
  boost::beast::http::fields h;
  h.set("webhook-id", id);
  h.set("webhook-timestamp", ts);
  h.set("webhook-signature", verify::standard_webhooks_sign(*secret, id, ts, body));
  return h;
}

boost::beast::http::fields bearer_headers(const std::string& token) {
  boost::beast::http::fields h;
  h.set("Authorization", "Bearer " + token);
  return h;
}

}  // namespace callgate::testing
