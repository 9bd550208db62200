#include <callgate/verify/hmac.hpp>
#include <callgate/verify/webex.hpp>

namespace callgate::verify {

std::string hmac_sha1_hex(std::string_view secret, std::string_view body) {
  return hex_encode(hmac(HmacAlgorithm::sha1, secret, {body}));
}

result<void> verify_webex(const Headers& h, std::string_view body,
                          const std::vector<std::string>& secrets) {
  auto header = single_header(h, "X-Spark-Signature");
  if (!header) return header.error();
  if (!*header || (*header)->empty()) return make_error_code(errc::missing_signature);
  // Webex sends lowercase hex; accept uppercase too by comparing the decoded bytes.
  const auto given = hex_decode(**header);
  if (!given || given->size() != 20) return make_error_code(errc::bad_signature);
  for (const auto& secret : secrets)
    if (equal_constant_time(*given, hmac(HmacAlgorithm::sha1, secret, {body}))) return {};
  return make_error_code(errc::bad_signature);
}

}  // namespace callgate::verify
