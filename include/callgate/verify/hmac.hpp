#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace callgate::verify {

/** The HMAC algorithms a provider definition may name. */
enum class HmacAlgorithm { sha1, sha256, sha512 };
/** "sha1", "sha256", "sha512"; nullopt for anything else. */
std::optional<HmacAlgorithm> hmac_algorithm(std::string_view name);

/** HMAC of the concatenated parts (SHA-256/512 from libsodium, SHA-1 from OpenSSL), raw bytes. */
std::string hmac(HmacAlgorithm algorithm, std::string_view key,
                 const std::vector<std::string_view>& parts);

/** Lowercase hex of bytes. */
std::string hex_encode(std::string_view bytes);
/** Hex (either case) to bytes; nullopt when malformed. */
std::optional<std::string> hex_decode(std::string_view hex);
/** Hex SHA-256 of bytes, lowercase. */
std::string sha256_hex(std::string_view bytes);

/**
 * Base64 as the Standard Webhooks libraries read a secret: the `=` padding may be missing and
 * the last character's spare bits need not be zero. nullopt when it is not base64 at all.
 */
std::optional<std::string> base64_decode_lenient(std::string_view b64);

}  // namespace callgate::verify
