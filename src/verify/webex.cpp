#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include <callgate/verify/webex.hpp>

namespace callgate::verify {
namespace {

// libsodium has no SHA-1, so this one HMAC comes from OpenSSL.
std::string hmac_sha1(std::string_view secret, std::string_view body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &mac_len);
  return {reinterpret_cast<const char*>(mac), mac_len};
}

}  // namespace

std::string hmac_sha1_hex(std::string_view secret, std::string_view body) {
  const auto mac = hmac_sha1(secret, body);
  std::string hex(mac.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), reinterpret_cast<const unsigned char*>(mac.data()),
                 mac.size());
  hex.pop_back();
  return hex;
}

result<void> verify_webex(const Headers& h, std::string_view body,
                          const std::vector<std::string>& secrets) {
  auto header = single_header(h, "X-Spark-Signature");
  if (!header) return header.error();
  if (!*header || (*header)->empty()) return make_error_code(errc::missing_signature);
  // Webex sends lowercase hex; accept uppercase too by comparing the decoded bytes.
  std::string given(20, '\0');
  std::size_t len = 0;
  const std::string_view hex = **header;
  const char* end = nullptr;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(given.data()), given.size(), hex.data(),
                     hex.size(), nullptr, &len, &end) != 0 ||
      len != 20 || end != hex.data() + hex.size())
    return make_error_code(errc::bad_signature);
  for (const auto& secret : secrets)
    if (equal_constant_time(given, hmac_sha1(secret, body))) return {};
  return make_error_code(errc::bad_signature);
}

}  // namespace callgate::verify
