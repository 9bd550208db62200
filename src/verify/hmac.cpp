#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include <callgate/verify/common.hpp>
#include <callgate/verify/hmac.hpp>

namespace callgate::verify {
namespace {

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

template <class State, auto Init, auto Update, auto Final, std::size_t Size>
std::string sodium_hmac(std::string_view key, const std::vector<std::string_view>& parts) {
  State st;
  Init(&st, bytes(key), key.size());
  for (auto part : parts) Update(&st, bytes(part), part.size());
  std::string mac(Size, '\0');
  Final(&st, reinterpret_cast<unsigned char*>(mac.data()));
  return mac;
}

// libsodium has no SHA-1, so that one comes from OpenSSL's one-shot HMAC.
std::string openssl_hmac_sha1(std::string_view key, const std::vector<std::string_view>& parts) {
  std::string message;
  for (auto part : parts) message.append(part);
  std::string mac(EVP_MAX_MD_SIZE, '\0');
  unsigned int len = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), bytes(message), message.size(),
       reinterpret_cast<unsigned char*>(mac.data()), &len);
  mac.resize(len);
  return mac;
}

}  // namespace

std::optional<HmacAlgorithm> hmac_algorithm(std::string_view name) {
  if (name == "sha1") return HmacAlgorithm::sha1;
  if (name == "sha256") return HmacAlgorithm::sha256;
  if (name == "sha512") return HmacAlgorithm::sha512;
  return std::nullopt;
}

std::string hmac(HmacAlgorithm algorithm, std::string_view key,
                 const std::vector<std::string_view>& parts) {
  switch (algorithm) {
    case HmacAlgorithm::sha1:
      return openssl_hmac_sha1(key, parts);
    case HmacAlgorithm::sha256:
      return sodium_hmac<crypto_auth_hmacsha256_state, crypto_auth_hmacsha256_init,
                         crypto_auth_hmacsha256_update, crypto_auth_hmacsha256_final,
                         crypto_auth_hmacsha256_BYTES>(key, parts);
    case HmacAlgorithm::sha512:
      return sodium_hmac<crypto_auth_hmacsha512_state, crypto_auth_hmacsha512_init,
                         crypto_auth_hmacsha512_update, crypto_auth_hmacsha512_final,
                         crypto_auth_hmacsha512_BYTES>(key, parts);
  }
  return {};
}

std::string hex_encode(std::string_view in) {
  std::string hex(in.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), bytes(in), in.size());
  hex.pop_back();
  return hex;
}

std::optional<std::string> hex_decode(std::string_view hex) {
  std::string out(hex.size() / 2 + 1, '\0');
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), hex.data(),
                     hex.size(), nullptr, &len, &end) != 0 ||
      end != hex.data() + hex.size())
    return std::nullopt;
  out.resize(len);
  return out;
}

std::string sha256_hex(std::string_view in) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, bytes(in), in.size());
  return hex_encode({reinterpret_cast<const char*>(digest), sizeof digest});
}

std::optional<std::string> base64_decode_lenient(std::string_view b64) {
  while (b64.ends_with('=')) b64.remove_suffix(1);
  if (b64.size() % 4 == 1) return std::nullopt;
  std::string text(b64);
  // libsodium refuses non-zero spare bits in the last character; those bits carry no data, so
  // clearing them gives the bytes every other decoder reads.
  if (const auto spare = b64.size() % 4 == 2 ? 4 : b64.size() % 4 == 3 ? 2 : 0; spare) {
    static constexpr std::string_view kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const auto at = kAlphabet.find(text.back());
    if (at == std::string_view::npos) return std::nullopt;
    text.back() = kAlphabet[at & ~((1u << spare) - 1)];
  }
  std::string out(text.size() / 4 * 3 + 3, '\0');
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, &end,
                        sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0 ||
      end != text.data() + text.size())
    return std::nullopt;
  out.resize(len);
  return out;
}

}  // namespace callgate::verify
