#pragma once
// How the five platforms bundled in the second generation (Aircall, RingCentral, Plivo, Dialpad,
// Bandwidth) send the events of a call, and how a forger would: documented payload shapes,
// signed as each platform signs (support/definition_signing, independent of callgate's code).

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/verb.hpp>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace callgate::testing {

inline constexpr std::int64_t kT0 = 1772445600;  // 2026-03-02T10:00:00Z: rings
inline constexpr std::int64_t kT1 = kT0 + 5;     // answered
inline constexpr std::int64_t kT2 = kT0 + 47;    // ended: 42 s of talk
inline const std::string kExternal = "+14155550100";
inline const std::string kInternal = "+16505550101";
inline const std::string kRcToken = "rc-verification-token";
inline const std::string kDialpadSecret = "dialpad-webhook-secret";

/** One request as a platform sends it. */
struct PlatformRequest {
  std::string target;
  std::string body;
  boost::beast::http::fields headers;
  boost::beast::http::verb method = boost::beast::http::verb::post;
};

/** How a platform sends the events of one call, and how a forger would. */
struct Platform {
  std::string source;  ///< its YAML under sources:, exactly as docs/providers.md gives it
  std::function<std::vector<PlatformRequest>(const std::string& id)>
      answered;                                                               ///< ring, answer, end
  std::function<std::vector<PlatformRequest>(const std::string& id)> missed;  ///< ring, end
  std::function<PlatformRequest(PlatformRequest)> unsigned_copy;              ///< without its proof
  std::function<PlatformRequest(PlatformRequest)> wrong_secret;  ///< signed with another secret
  /** The body changed after signing; nullopt where the platform signs no body. */
  std::function<std::optional<PlatformRequest>(PlatformRequest)> tampered;
  /** The id the platform gives the external party in its own contacts; empty: it names none. */
  std::string contact;
};

/** Aircall, RingCentral, Plivo, Dialpad, Bandwidth, in that order. */
std::vector<Platform> platforms();

/** ISO 8601 of an epoch second, as the unified event writes it. */
std::string iso(std::int64_t t);
/** A Dialpad call event's claims. */
nlohmann::json dialpad_claims(const std::string& id, const std::string& state, std::int64_t at);

}  // namespace callgate::testing
