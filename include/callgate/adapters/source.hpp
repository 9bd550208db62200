#pragma once

#include <callgate/core/directory.hpp>
#include <callgate/core/numbers.hpp>
#include <callgate/core/observation.hpp>
#include <callgate/error.hpp>
#include <callgate/named_registry.hpp>
#include <callgate/networks.hpp>
#include <callgate/verify/common.hpp>
#include <callgate/yaml/node.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace callgate::adapters {

/** One webhook request as a source sees it: headers, the raw body bytes, and when it arrived. */
struct Request {
  const verify::Headers& headers;
  std::string_view body;
  TimePoint received_at;
  std::string_view query = {};  ///< the request target's query string, without '?'
  bool get = false;             ///< a GET (only sources that accept_get() see one)

  /** The body as JSON, parsed by parse_json (with its nesting limit) the first time verify or
   * parse asks and then kept: one request's body is parsed once. bad_json if it is not JSON. */
  const result<nlohmann::json>& json() const;
  /** json()'s cache; read it through json(). */
  mutable std::optional<result<nlohmann::json>> parsed_json = {};
};

/** A validation handshake's answer: sent with 200 as it is; nothing is stored. */
struct Answer {
  std::string body;  ///< JSON, or empty
  std::vector<std::pair<std::string, std::string>> headers;
};

/** What a verified body says. No observations means "recognised, but changes no call". */
struct Parsed {
  std::vector<core::Observation> observations;
  std::string event_type;        ///< provider's event name, for logs and metrics
  std::optional<Answer> answer;  ///< set for a handshake, which has no observations
};

/** Settings every source has, whatever its provider. */
struct SourceSettings {
  std::string name;             ///< the key under `sources:`, served at POST /webhooks/<name>
  bool include_raw = false;     ///< put the provider payload into rawResource
  double rate_per_second = 0;   ///< token bucket refill; 0: no rate limit
  double rate_burst = 0;        ///< token bucket size
  Networks allow_from = {};     ///< when not empty, requests from elsewhere get 403
  bool allow_unsigned = false;  ///< the source opted in to a provider or setting that signs nothing
  core::NumberRules numbers = {};  ///< default_region and normalize_numbers
  core::Identity identity = {};    ///< connector_id and owner_id, the top-level ones by default
  /** The team's own ids for the platform's people (the top-level `directory:`); may be null. */
  std::shared_ptr<const core::Directory> directory = {};
};

/** What a source's signature check reads, said without a secret: the request log records which
 * headers to redact, and tells an operator what was checked when a request is refused. */
struct CheckDescription {
  std::string scheme;  ///< "hmac-sha1", "ed25519", "bearer" ...
  std::string signs;   ///< what is signed: "{url:public_url}{form:sorted}", "the body"
  std::vector<std::string> headers;  ///< the headers carrying a signature or token
  std::string timestamp_header;      ///< empty: the check reads no timestamp header
  bool timestamp_ms = false;
  std::chrono::seconds tolerance{};
  /** URL-signing: the configured URLs the signature covers (key, value). */
  std::vector<std::pair<std::string, std::string>> urls;
  std::string body_field;   ///< a token in the body: the field's path
  std::size_t secrets = 0;  ///< how many secrets (or keys) are tried
};

/** One configured source: checks a request's signature and turns its body into observations. */
class Source {
 public:
  virtual ~Source() = default;
  /** Signature / token / timestamp check on the raw bytes; never parses the body. */
  virtual result<void> verify(const Request& r) const = 0;
  /** Body to observations; errc::bad_json or errc::not_an_event when it cannot. Never throws. */
  virtual result<Parsed> parse(const Request& r) const = 0;

  const SourceSettings& settings() const { return settings_; }
  /** How far a signed timestamp may lie from now (0: this source signs none). A replay inside
   * it is caught only by the redelivery window, which must therefore be at least as long. */
  virtual std::chrono::seconds timestamp_tolerance() const { return {}; }
  /** Whether the provider also calls back with GET (its query is then the form). */
  virtual bool accepts_get() const { return false; }
  /** Whether requests are taken unsigned (the source set allow_unsigned and has no secret). */
  virtual bool is_unsigned() const { return false; }
  /** What verify() reads (empty for a source that checks nothing). */
  virtual CheckDescription describe_check() const { return {}; }

 protected:
  explicit Source(SourceSettings s) : settings_(std::move(s)) {}

 private:
  SourceSettings settings_;
};

/** What every observation gets after its provider's parser, whatever the provider, so these
 * rules live once: a redelivery key from `delivery` (the body, or a GET's query) where the
 * provider gave no event id; the source's identity; its numbers read into E.164 by
 * settings.numbers; then the directory's ids for its people. The webhook path, replay and `callgate
 * provider test` all call it. */
void finish_observations(std::vector<core::Observation>& observations,
                         const SourceSettings& settings, std::string_view delivery);

/** A source's default_region and normalize_numbers (default_region falls back to `region`, the
 * top-level one). Throws yaml::ConfigError for a region libphonenumber does not know. */
core::NumberRules read_number_rules(const yaml::Node& source, const std::string& region);

/** Checks a default_region value (empty: none) at `key` of node; throws yaml::ConfigError. */
void check_region(const yaml::Node& node, std::string_view key, const std::string& region);

/** Body to observations, the provider's parser on its own. */
using ParseFn = std::function<result<Parsed>(const Request& r, const SourceSettings& settings)>;

/** Makes sources of one provider; `name` is the `provider:` value in YAML. */
struct ProviderFactory {
  std::string name;
  /** Reads the provider's own keys from node (throws yaml::ConfigError on a mistake). */
  std::function<std::unique_ptr<Source>(const yaml::Node& node, SourceSettings settings)> create;
  /** The parser alone, for commands that check no signature (replay) when secrets are unset. */
  ParseFn parse;
};

/** A source that parses but accepts no request as verified: for offline commands only. */
std::unique_ptr<Source> parse_only_source(ParseFn parse, SourceSettings settings);

/** The providers callgate knows, by name. */
using Registry = NamedRegistry<ProviderFactory>;

/** Registers webex, telnyx and voip, then the definitions bundled from config/providers/. */
void register_builtin_providers(Registry& r);

}  // namespace callgate::adapters
