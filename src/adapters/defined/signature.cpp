// The signature schemes a provider definition composes: HMAC or Ed25519 over assembled content,
// a JWT HS256 bound to the body, or a bearer / basic / body token. Comparisons are constant time.
#include <sodium.h>

#include <callgate/adapters/defined/signature.hpp>
#include <callgate/verify/hmac.hpp>
#include <callgate/verify/jwt.hpp>
#include <callgate/verify/telnyx.hpp>

namespace callgate::adapters::defined {
namespace {

using Scheme = Signature::Scheme;

result<void> fail(errc e) { return make_error_code(e); }

/** A header the scheme needs: missing_signature when absent or empty, bad_signature when twice. */
result<std::string_view> required_header(const Input& in, const std::string& name) {
  auto header = verify::single_header(in.headers, name);
  if (!header) return header.error();
  if (!*header || (*header)->empty()) return make_error_code(errc::missing_signature);
  return **header;
}

std::optional<std::string> decode(Signature::Encoding e, std::string_view text) {
  return e == Signature::Encoding::hex ? verify::hex_decode(text) : verify::base64_decode(text);
}

/** The signatures a header offers: split by the separator, each stripped of the prefix. */
std::vector<std::string> offered(const Signature& s, std::string_view header) {
  std::vector<std::string> out;
  while (!header.empty()) {
    auto cut = s.separator.empty() ? std::string_view::npos : header.find(s.separator);
    std::string_view item = header.substr(0, cut);
    header = cut == std::string_view::npos ? std::string_view{}
                                           : header.substr(cut + s.separator.size());
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.starts_with(s.prefix)) continue;
    if (auto bytes = decode(s.encoding, item.substr(s.prefix.size()))) out.push_back(*bytes);
    if (out.size() >= 8) break;  // a header listing more signatures than that is not honest
  }
  return out;
}

result<void> check_time(const Signature& s, std::string_view text, std::chrono::seconds tolerance,
                        TimePoint now) {
  Alternative how;
  how.format = s.timestamp_ms ? TimeFormat::epoch_ms : TimeFormat::epoch_seconds;
  auto t = parse_time(text, how);
  if (!t) return fail(errc::bad_signature);
  if (!verify::within_tolerance(*t, now, tolerance)) return fail(errc::stale_timestamp);
  return {};
}

/** The signatures offered in every signature header present: missing_signature when none is. */
result<std::vector<std::string>> offered_in_headers(const Signature& s, const Input& in) {
  std::vector<std::string> given;
  bool any = false;
  for (const auto& name : s.headers) {
    auto header = verify::single_header(in.headers, name);
    if (!header) return header.error();
    if (!*header || (*header)->empty()) continue;
    any = true;
    for (auto& sig : offered(s, **header)) given.push_back(std::move(sig));
  }
  if (!any) return make_error_code(errc::missing_signature);
  return given;
}

result<void> check_mac(const Signature& s, const Secrets& secrets, std::chrono::seconds tolerance,
                       const Input& in, TimePoint now) {
  auto offered_now = offered_in_headers(s, in);
  if (!offered_now) return offered_now.error();
  if (!s.timestamp_header.empty()) {
    auto ts = verify::single_header(in.headers, s.timestamp_header);
    if (!ts) return ts.error();
    if (!*ts) return fail(errc::missing_signature);
    if (auto ok = check_time(s, **ts, tolerance, now); !ok) return ok;
  }
  auto content = render(in.get && s.content_get ? *s.content_get : s.content, in);
  if (!content) return fail(errc::missing_signature);  // a header it signs is missing
  const auto& given = *offered_now;
  if (s.scheme == Scheme::ed25519) {
    for (const auto& key : secrets)
      for (const auto& sig : given)
        if (verify::ed25519_verify(verify::Ed25519PublicKey{key}, *content, sig)) return {};
    return fail(errc::bad_signature);
  }
  const auto algorithm = *verify::hmac_algorithm(s.algorithm);
  for (const auto& secret : secrets) {
    const auto mac = verify::hmac(algorithm, secret, {*content});
    for (const auto& sig : given)
      if (verify::equal_constant_time(mac, sig)) return {};
  }
  return fail(errc::bad_signature);
}

/** The compact JWT: the whole body (jwt_body, surrounding whitespace aside) or a header's. */
result<std::string_view> jwt_of(const Signature& s, const Input& in) {
  if (s.scheme == Scheme::jwt_body) {
    std::string_view token = in.body;
    while (!token.empty() && std::isspace(static_cast<unsigned char>(token.front())))
      token.remove_prefix(1);
    while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back())))
      token.remove_suffix(1);
    if (token.empty()) return make_error_code(errc::missing_signature);
    return token;
  }
  auto header = required_header(in, s.header);
  if (!header) return header.error();
  std::string_view token = *header;
  if (!token.starts_with(s.prefix)) return make_error_code(errc::missing_signature);
  token.remove_prefix(s.prefix.size());
  return token;
}

}  // namespace

result<nlohmann::json> check_jwt(const Signature& s, const Secrets& secrets,
                                 std::chrono::seconds tolerance, const Input& in, TimePoint now) {
  auto token = jwt_of(s, in);
  if (!token) return token.error();
  for (const auto& secret : secrets) {
    auto claims = verify::verify_jwt_hs256(*token, secret);
    if (!claims) continue;
    if (!s.body_hash_claim.empty()) {
      auto it = claims->find(s.body_hash_claim);
      if (it == claims->end() || !it->is_string()) return make_error_code(errc::bad_signature);
      std::string claimed = it->get<std::string>();
      for (auto& c : claimed) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (!verify::equal_constant_time(claimed, verify::sha256_hex(in.body)))
        return make_error_code(errc::bad_signature);
    }
    if (!s.timestamp_claim.empty()) {
      auto it = claims->find(s.timestamp_claim);
      if (it == claims->end() || !it->is_number()) return make_error_code(errc::missing_signature);
      if (auto ok = check_time(s, std::to_string(it->get<std::int64_t>()), tolerance, now); !ok)
        return ok.error();
    }
    return claims;
  }
  return make_error_code(errc::bad_signature);
}

namespace {

result<void> check_token(const Signature& s, const Secrets& secrets, const Input& in) {
  std::string given;
  if (!s.token_field.steps.empty()) {
    if (in.doc == nullptr) return fail(errc::missing_signature);
    auto v = lookup(*in.doc, s.token_field);
    if (!v || v->empty()) return fail(errc::missing_signature);
    given = *v;
  } else {
    auto header = required_header(in, s.header);
    if (!header) return header.error();
    std::string_view text = *header;
    if (!text.starts_with(s.prefix)) return fail(errc::missing_signature);
    text.remove_prefix(s.prefix.size());
    if (s.scheme == Scheme::basic) {
      auto decoded = verify::base64_decode(text);
      if (!decoded) return fail(errc::bad_signature);
      given = *decoded;
    } else {
      given = text;
    }
  }
  for (const auto& secret : secrets)
    if (verify::equal_constant_time(given, secret)) return {};
  return fail(errc::bad_signature);
}

}  // namespace

std::optional<std::string> decode_secret(const Signature& s, std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (s.scheme == Scheme::ed25519) {
    auto key = verify::Ed25519PublicKey::from_base64(text);
    if (!key) return std::nullopt;
    return key->bytes;
  }
  switch (s.secret_encoding) {
    case Signature::SecretEncoding::raw:
      return std::string(text);
    case Signature::SecretEncoding::base64:
      return verify::base64_decode_lenient(text);
    case Signature::SecretEncoding::whsec:
      if (!text.starts_with("whsec_")) return std::nullopt;
      return verify::base64_decode_lenient(text.substr(6));
  }
  return std::nullopt;
}

result<void> check_signature(const Signature& s, const Secrets& secrets,
                             std::chrono::seconds tolerance, const Input& in, TimePoint now) {
  switch (s.scheme) {
    case Scheme::hmac:
    case Scheme::ed25519:
      return check_mac(s, secrets, tolerance, in, now);
    case Scheme::jwt_hs256:
    case Scheme::jwt_body: {
      auto claims = check_jwt(s, secrets, tolerance, in, now);
      if (!claims) return claims.error();
      return {};
    }
    case Scheme::none:
      return {};
    case Scheme::bearer:
    case Scheme::basic:
    case Scheme::token:
      return check_token(s, secrets, in);
  }
  return fail(errc::bad_signature);
}

std::string handshake_hmac(std::string_view algorithm, Signature::Encoding encoding,
                           std::string_view secret, std::string_view text) {
  const auto mac = verify::hmac(*verify::hmac_algorithm(algorithm), secret, {text});
  return encoding == Signature::Encoding::hex ? verify::hex_encode(mac)
                                              : verify::base64_encode(mac);
}

}  // namespace callgate::adapters::defined
