#include <sodium.h>

#include <callgate/adapters/json_fields.hpp>
#include <callgate/adapters/source.hpp>

namespace callgate::adapters {
namespace {

/** Deeper documents are refused before parsing: no provider nests anywhere near this. */
constexpr int kMaxDepth = 64;

// One pass over the bytes counting brackets outside strings.
bool nesting_within_limit(std::string_view body) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxDepth) return false;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return true;
}

}  // namespace

result<nlohmann::json> parse_json(std::string_view body) {
  if (!nesting_within_limit(body)) return make_error_code(errc::bad_json);
  auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return make_error_code(errc::bad_json);
  return j;
}

const result<nlohmann::json>& Request::json() const {
  if (!parsed_json) parsed_json.emplace(parse_json(body));
  return *parsed_json;
}

std::string str(const nlohmann::json& j, std::string_view key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

std::optional<TimePoint> iso_time(const nlohmann::json& j, std::string_view key) {
  const auto s = str(j, key);
  return s.empty() ? std::nullopt : parse_iso8601(s);
}

const nlohmann::json& object(const nlohmann::json& j, std::string_view key) {
  static const nlohmann::json null_json;
  if (!j.is_object()) return null_json;
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : null_json;
}

std::string body_digest(std::string_view body) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(body.data()), body.size());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return std::string("sha256:") + hex;
}

void fill_redelivery_keys(std::vector<core::Observation>& observations, std::string_view body) {
  std::string digest;  // hashing 2 KB is not free: only when an adapter found no delivery id
  for (std::size_t i = 0; i < observations.size(); ++i) {
    auto& o = observations[i];
    if (!o.dedup_key.empty()) continue;
    if (digest.empty()) digest = body_digest(body);
    o.dedup_key = i == 0 ? digest : digest + "#" + std::to_string(i);
  }
}

}  // namespace callgate::adapters
