#include <jwt.h>

#include <callgate/verify/hmac.hpp>
#include <callgate/verify/jwt.hpp>
#include <memory>
#include <string>

namespace callgate::verify {

result<nlohmann::json> verify_jwt_hs256(std::string_view token, std::string_view secret) {
  if (secret.empty() || token.size() > 8192) return make_error_code(errc::bad_signature);
  const std::string text(token);
  jwt_t* raw = nullptr;
  if (jwt_decode(&raw, text.c_str(), reinterpret_cast<const unsigned char*>(secret.data()),
                 static_cast<int>(secret.size())) != 0 ||
      raw == nullptr)
    return make_error_code(errc::bad_signature);
  const std::unique_ptr<jwt_t, decltype(&jwt_free)> jwt(raw, &jwt_free);
  if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256) return make_error_code(errc::bad_signature);
  char* grants = jwt_get_grants_json(jwt.get(), nullptr);
  if (grants == nullptr) return make_error_code(errc::bad_signature);
  auto claims = nlohmann::json::parse(grants, nullptr, false);
  std::free(grants);
  if (!claims.is_object()) return make_error_code(errc::bad_signature);
  return claims;
}

std::optional<std::string> jwt_payload_unverified(std::string_view token) {
  const auto first = token.find('.');
  const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  std::string payload(token.substr(first + 1, second - first - 1));
  for (auto& c : payload) c = c == '-' ? '+' : c == '_' ? '/' : c;  // base64url to base64
  return base64_decode_lenient(payload);
}

}  // namespace callgate::verify
