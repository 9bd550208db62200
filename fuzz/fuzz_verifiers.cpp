// The verifiers on arbitrary header values and bodies: they must refuse, never crash, and never
// accept without the right key.
#include <callgate/verify/bearer.hpp>
#include <callgate/verify/standard_webhooks.hpp>
#include <callgate/verify/telnyx.hpp>
#include <callgate/verify/webex.hpp>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace callgate;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  // Split the input at NULs into header values and a body.
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= in.size(); ++i)
    if (i == in.size() || in[i] == '\0') {
      parts.emplace_back(in.substr(start, i - start));
      start = i + 1;
    }
  while (parts.size() < 4) parts.emplace_back();
  boost::beast::http::fields h;
  for (const char* name :
       {"X-Spark-Signature", "telnyx-signature-ed25519", "webhook-signature", "Authorization"})
    h.insert(name, parts[0]);
  h.insert("telnyx-timestamp", parts[1]);
  h.insert("webhook-timestamp", parts[1]);
  h.insert("webhook-id", parts[2]);
  const auto& body = parts[3];
  const auto now = from_unix_ms(1'700'000'000'000);
  const auto key =
      *verify::Ed25519PublicKey::from_base64("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
  const auto secret =
      *verify::StandardWebhooksSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  // Without the secrets, a forged input passes only by breaking the crypto.
  if (verify::verify_webex(h, body, {"fuzz-secret"})) std::abort();
  if (verify::verify_telnyx(h, body, {key}, std::chrono::seconds(300), now)) std::abort();
  if (verify::verify_standard_webhooks(h, body, {secret}, std::chrono::seconds(300), now))
    std::abort();
  if (verify::verify_bearer(h, {"fuzz-token-that-is-long-enough"})) std::abort();
  (void)verify::base64_decode(body);
  (void)verify::StandardWebhooksSecret::parse(body);
  (void)verify::Ed25519PublicKey::from_base64(body);
  return 0;
}
