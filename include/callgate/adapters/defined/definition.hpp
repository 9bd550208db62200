#pragma once

#include <callgate/core/observation.hpp>
#include <callgate/yaml/node.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

// A provider written as one YAML file: its per-source keys, signature scheme, body format and
// mapping into the unified model. docs/providers.md is the reference of every key.
namespace callgate::adapters::defined {

/** A field path into a body: "payload.object.call_id", "recordings[0].call_id" ([] is [0]). */
struct Path {
  struct Step {
    std::string key;
    int index = -1;  ///< >= 0: then take this element of the array found under key
  };
  std::vector<Step> steps;
};

/** Text assembled from parts, written "v0:{header:x-ts}:{body}" or "{payload.id}:inbound". */
struct Template {
  struct Part {
    enum class Kind { literal, field, header, url, form_sorted, body };
    Kind kind = Kind::literal;
    std::string text;  ///< literal text, header name, or the source key holding a URL
    Path path;         ///< for field
  };
  std::vector<Part> parts;
};

/** How a time field is written. auto: numbers are epoch seconds or ms, text ISO 8601 or RFC 2822.
 */
enum class TimeFormat { automatic, iso8601, rfc2822, epoch_seconds, epoch_ms };

/** How to read one value: the first alternative whose every placeholder is present wins. */
struct Field {
  std::vector<Template> alternatives;
  std::vector<std::string> prefixes;          ///< prepended to what alternative i found
  std::map<std::string, std::string> values;  ///< value map applied after reading (if not empty)
  TimeFormat format = TimeFormat::automatic;
  bool empty() const { return alternatives.empty(); }
};

/** A test on one field: equal to a value (case-insensitively), or present and not 0 / false. */
struct Condition {
  Field field;
  std::optional<std::string> equals;
};

/** Where each unified field comes from; a mapping's defaults, overridden per event type. */
struct Fields {
  Field call_key, event_id, event_time, direction, from, to, duration;
  Field external_number, internal_number;  ///< set directly, whatever the direction
  Field started_at, answered_at, ended_at, recording_url, users;
  std::string users_model = "user";
  bool e164_plus = false;  ///< numbers of digits only get a leading '+'
  std::optional<Condition> answered_if, voicemail_if;
};

/** What an event type means for its call. */
enum class Meaning { ringing, answered, ended, missed, voicemail, update, ignored };

struct EventRule {
  Meaning meaning = Meaning::ignored;
  Fields fields;
};

/** The keys a source of this provider takes, beyond provider / include_raw / rate_limit. */
struct KeyDecl {
  enum class Type { secrets, string, url };
  std::string name;
  Type type = Type::string;
  bool required = true;
  std::optional<std::string> fallback;
};

/** The signature check: one scheme, assembled from the parts the definition names. */
struct Signature {
  enum class Scheme { hmac, ed25519, jwt_hs256, bearer, basic, token };
  enum class Encoding { hex, base64 };
  enum class SecretEncoding { raw, base64, whsec };
  Scheme scheme = Scheme::hmac;
  std::string algorithm = "sha256";  ///< hmac: sha1, sha256 or sha512
  Encoding encoding = Encoding::hex;
  SecretEncoding secret_encoding = SecretEncoding::raw;
  std::string secret;           ///< the declared key holding the secret(s) or public key(s)
  std::string header;           ///< where the signature or token is
  std::string prefix;           ///< "v0=", "sha256=", "Bearer "
  std::string separator;        ///< when set, the header holds several signatures split by it
  Template content;             ///< what is signed (hmac, ed25519)
  Path token_field;             ///< token: a field of the body instead of a header
  std::string body_hash_claim;  ///< jwt_hs256: claim holding hex SHA-256 of the body
  // Timestamp: from a header or (jwt) a claim; 0 tolerance means none is checked.
  std::string timestamp_header, timestamp_claim;
  bool timestamp_ms = false;
  std::int64_t tolerance_seconds = 0;
};

/** A validation request answered (after its signature verifies) instead of being stored. */
struct Handshake {
  std::string event;        ///< when the event type equals this
  std::string header;       ///< or when this header is present
  std::string echo_header;  ///< copy this request header into the answer
  struct Reply {
    std::string name;
    Field field;        ///< a copied value
    bool hmac = false;  ///< or an HMAC of it with the signature's first secret
    std::string algorithm = "sha256";
    Signature::Encoding encoding = Signature::Encoding::hex;
  };
  std::vector<Reply> reply;  ///< the JSON answer's keys, in order (none: an empty 200)
};

/** One provider definition, as loaded. */
struct Definition {
  std::string name;  ///< the `provider:` value
  std::string description;
  std::vector<KeyDecl> keys;
  Signature signature;
  enum class Body { json, form } body = Body::json;
  Field event_type;
  std::map<std::string, EventRule, std::less<>> events;
  std::optional<Handshake> handshake;
};

/** Reads a definition; throws yaml::ConfigError naming file, line and key for any mistake. */
Definition read_definition(const yaml::Node& root);

/** Parses "a.b[0].c" (throws through node for a malformed path). */
Path parse_path(std::string_view text, const yaml::Value& where);
/** Parses a template; a text without braces is one field path. */
Template parse_template(std::string_view text, const yaml::Value& where);

}  // namespace callgate::adapters::defined
