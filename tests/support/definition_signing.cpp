#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <boost/url/encode.hpp>
#include <boost/url/parse_query.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <support/definition_signing.hpp>

namespace callgate::testing {
namespace {

std::string mac(const EVP_MD* md, const std::string& key, const std::string& message) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), out, &len);
  return {reinterpret_cast<const char*>(out), len};
}

std::string to_hex(const std::string& bytes) {
  std::string out;
  char buf[3];
  for (unsigned char c : bytes) {
    std::snprintf(buf, sizeof buf, "%02x", c);
    out += buf;
  }
  return out;
}

std::string to_base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

}  // namespace

std::string to_hex_hmac_sha256(const std::string& key, const std::string& body) {
  return to_hex(mac(EVP_sha256(), key, body));
}

std::string form_body(const FormParams& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += boost::urls::encode(k, boost::urls::unreserved_chars);
    out += '=';
    out += boost::urls::encode(v, boost::urls::unreserved_chars);
  }
  return out;
}

std::string twilio_signature(const std::string& auth_token, const std::string& url,
                             const FormParams& params) {
  auto sorted = params;
  std::sort(sorted.begin(), sorted.end());
  std::string content = url;
  for (const auto& [k, v] : sorted) content += k + v;
  return to_base64(mac(EVP_sha1(), auth_token, content));
}

boost::beast::http::fields twilio_headers(const std::string& auth_token, const std::string& url,
                                          const FormParams& params) {
  boost::beast::http::fields h;
  h.set("X-Twilio-Signature", twilio_signature(auth_token, url, params));
  h.set(boost::beast::http::field::content_type, "application/x-www-form-urlencoded");
  return h;
}

boost::beast::http::fields zoom_headers(const std::string& secret_token, const std::string& body,
                                        TimePoint t) {
  const auto ts = std::to_string(to_unix_ms(t) / 1000);
  boost::beast::http::fields h;
  h.set("x-zm-request-timestamp", ts);
  h.set("x-zm-signature", "v0=" + to_hex(mac(EVP_sha256(), secret_token, "v0:" + ts + ":" + body)));
  return h;
}

std::string vonage_jwt(const std::string& secret, const std::string& body, TimePoint iat) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest);
  const nlohmann::json claims = {
      {"iat", to_unix_ms(iat) / 1000},
      {"jti", "a6e9b1c6-test"},
      {"iss", "Vonage"},
      {"payload_hash", to_hex(std::string(reinterpret_cast<const char*>(digest), sizeof digest))},
      {"api_key", "abcd1234"},
      {"application_id", "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"}};
  return hs256_jwt(secret, claims.dump());
}

boost::beast::http::fields vonage_headers(const std::string& secret, const std::string& body,
                                          TimePoint iat) {
  boost::beast::http::fields h;
  h.set(boost::beast::http::field::authorization, "Bearer " + vonage_jwt(secret, body, iat));
  h.set(boost::beast::http::field::content_type, "application/json");
  return h;
}

std::string plivo_v3_signature(const std::string& auth_token, const std::string& url,
                               const FormParams& params, const std::string& nonce, bool get) {
  const auto mark = url.find('?');
  std::string content = url.substr(0, mark) + "?";
  if (mark != std::string::npos) {
    // The query's pairs decoded, as Plivo's SDKs read them, then sorted.
    std::vector<std::string> pairs;
    const std::string query = url.substr(mark + 1);
    boost::urls::encoding_opts plus_is_space;
    plus_is_space.space_as_plus = true;
    for (const auto& p : boost::urls::parse_query(query).value())
      pairs.push_back(p.key.decode(plus_is_space) + "=" + p.value.decode(plus_is_space));
    std::sort(pairs.begin(), pairs.end());
    for (std::size_t i = 0; i < pairs.size(); ++i) content += (i ? "&" : "") + pairs[i];
    if (!get) content += ".";
  }
  auto sorted = params;
  std::sort(sorted.begin(), sorted.end());
  for (const auto& [k, v] : sorted) content += k + v;
  return to_base64(mac(EVP_sha256(), auth_token, content + "." + nonce));
}

std::string hs256_jwt(const std::string& secret, const std::string& claims) {
  jwt_t* jwt = nullptr;
  if (jwt_new(&jwt) != 0) throw std::runtime_error("jwt_new failed");
  jwt_add_grants_json(jwt, claims.c_str());
  jwt_set_alg(jwt, JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(secret.data()),
              static_cast<int>(secret.size()));
  char* token = jwt_encode_str(jwt);
  std::string out = token ? token : "";
  std::free(token);
  jwt_free(jwt);
  return out;
}

boost::beast::http::fields basic_headers(const std::string& user, const std::string& password) {
  boost::beast::http::fields h;
  h.set(boost::beast::http::field::authorization, "Basic " + to_base64(user + ":" + password));
  h.set(boost::beast::http::field::content_type, "application/json");
  return h;
}

}  // namespace callgate::testing
