#include <sodium.h>

#include <callgate/verify/hmac.hpp>
#include <callgate/verify/standard_webhooks.hpp>

namespace callgate::verify {
namespace {

std::string hmac_sha256(std::string_view key, std::string_view id, std::string_view ts,
                        std::string_view body) {
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  auto update = [&st](std::string_view part) {
    crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(part.data()),
                                  part.size());
  };
  update(id);
  update(".");
  update(ts);
  update(".");
  update(body);
  std::string mac(crypto_auth_hmacsha256_BYTES, '\0');
  crypto_auth_hmacsha256_final(&st, reinterpret_cast<unsigned char*>(mac.data()));
  return mac;
}

}  // namespace

std::optional<StandardWebhooksSecret> StandardWebhooksSecret::parse(std::string_view text) {
  constexpr std::string_view kPrefix = "whsec_";
  if (!text.starts_with(kPrefix)) return std::nullopt;
  text.remove_prefix(kPrefix.size());
  // As the Standard Webhooks libraries do: padding optional, spare bits ignored.
  auto key = base64_decode_lenient(text);
  if (!key || key->empty()) return std::nullopt;
  return StandardWebhooksSecret{std::move(*key)};
}

std::string standard_webhooks_sign(const StandardWebhooksSecret& secret, std::string_view id,
                                   std::string_view timestamp, std::string_view body) {
  return "v1," + base64_encode(hmac_sha256(secret.key, id, timestamp, body));
}

result<void> verify_standard_webhooks(const Headers& h, std::string_view body,
                                      const std::vector<StandardWebhooksSecret>& secrets,
                                      std::chrono::seconds tolerance, TimePoint now) {
  // Svix sends the same scheme under svix-* names unless its customer pays to rename them.
  const bool svix = h.find("webhook-signature") == h.end() && h.find("svix-signature") != h.end();
  auto id = single_header(h, svix ? "svix-id" : "webhook-id");
  auto ts = single_header(h, svix ? "svix-timestamp" : "webhook-timestamp");
  auto sig = single_header(h, svix ? "svix-signature" : "webhook-signature");
  if (!id || !ts || !sig) return make_error_code(errc::bad_signature);
  if (!*id || !*ts || !*sig || (*id)->empty()) return make_error_code(errc::missing_signature);

  const auto when = parse_unix_seconds(**ts);
  if (!when) return make_error_code(errc::bad_signature);
  if (!within_tolerance(*when, now, tolerance)) return make_error_code(errc::stale_timestamp);

  std::vector<std::string> expected;
  expected.reserve(secrets.size());
  for (const auto& s : secrets) expected.push_back(hmac_sha256(s.key, **id, **ts, body));

  std::string_view list = **sig;
  while (!list.empty()) {
    const auto space = list.find(' ');
    std::string_view entry = list.substr(0, space);
    list = space == std::string_view::npos ? std::string_view{} : list.substr(space + 1);
    if (!entry.starts_with("v1,")) continue;  // other versions (e.g. v1a asymmetric) are skipped
    const auto given = base64_decode(entry.substr(3));
    if (!given) continue;
    for (const auto& mac : expected)
      if (equal_constant_time(*given, mac)) return {};
  }
  return make_error_code(errc::bad_signature);
}

}  // namespace callgate::verify
