#include <sodium.h>

#include <algorithm>
#include <callgate/verify/bearer.hpp>
#include <cctype>

namespace callgate::verify {
namespace {

// Hashing both sides first makes the comparison constant-time regardless of token length.
std::string sha256(std::string_view s) {
  std::string out(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256(reinterpret_cast<unsigned char*>(out.data()),
                     reinterpret_cast<const unsigned char*>(s.data()), s.size());
  return out;
}

}  // namespace

result<void> verify_bearer(const Headers& h, const std::vector<std::string>& tokens) {
  auto header = single_header(h, "Authorization");
  if (!header) return header.error();
  if (!*header) return make_error_code(errc::missing_signature);
  constexpr std::string_view kScheme = "Bearer ";
  std::string_view value = **header;
  if (value.size() <= kScheme.size() ||
      !std::equal(kScheme.begin(), kScheme.end(), value.begin(),
                  [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
    return make_error_code(errc::missing_signature);
  const auto given = sha256(value.substr(kScheme.size()));
  for (const auto& token : tokens)
    if (equal_constant_time(given, sha256(token))) return {};
  return make_error_code(errc::bad_signature);
}

}  // namespace callgate::verify
