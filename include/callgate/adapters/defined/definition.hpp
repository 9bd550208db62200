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
namespace date {
class time_zone;
}

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
    enum class Kind { literal, field, header, url, url_base, query_sorted, form_sorted, body };
    Kind kind = Kind::literal;
    std::string text;  ///< literal text, header name, or the source key holding a URL
    Path path;         ///< for field
    /** Written {name|suffix}: the part may be absent or empty (it then adds nothing); when it
     * has a value, the suffix follows it. Without '|', an absent part fails the template. */
    std::optional<std::string> suffix;
  };
  std::vector<Part> parts;
  std::string text;  ///< as written in the definition
};

/** How a time field is written. auto: numbers are epoch seconds or ms, text ISO 8601 or RFC 2822;
 * pattern: a strftime-style pattern such as "%Y-%m-%d %H:%M:%S". */
enum class TimeFormat { automatic, iso8601, rfc2822, epoch_seconds, epoch_ms, pattern };

/** How a duration field is written. */
enum class DurationUnit { seconds, milliseconds, iso8601 };

struct Condition;

/** One way to read a value: a template, what to put before it, and (for times) its format. */
struct Alternative {
  Template text;
  std::string prefix;
  TimeFormat format = TimeFormat::automatic;
  std::string pattern;  ///< for TimeFormat::pattern
};

/** How to read one value: the first alternative whose every placeholder is present wins. */
struct Field {
  std::vector<Alternative> alternatives;
  std::map<std::string, std::string> values;  ///< value map applied after reading (if not empty)
  DurationUnit unit = DurationUnit::seconds;  ///< for a duration
  std::shared_ptr<const Condition> when;      ///< read only when this holds
  /** `json:`: the value read is JSON text (Twilio's TranscriptionData); this path is read in it. */
  std::optional<Path> json;
  bool empty() const { return alternatives.empty(); }
};

/** A test on one field: equal to a value (case-insensitively), one of several, present or absent,
 * or (with none of those) present and not empty, 0 or false. */
struct Condition {
  Field field;
  std::optional<std::string> equals;
  std::vector<std::string> in;
  std::optional<bool> exists;
};

/** `items:`: each element of an array in the body is one observation, read with the mapping. */
struct Items {
  Path path;                     ///< where the array is
  std::string as = "item";       ///< the name a field path gives the element: "item.status"
  std::vector<Condition> where;  ///< an element is kept when all of these hold
};

/** Where each unified field comes from; a mapping's defaults, overridden per event type. */
struct Fields {
  Field call_key, event_id, event_time, direction, from, to, duration;
  Field external_number, internal_number;  ///< set directly, whatever the direction
  Field started_at, answered_at, ended_at, recording_url, users, contacts;
  std::string users_model = "user";
  std::string contacts_model = "contact";
  bool e164_plus = false;  ///< numbers of digits only get a leading '+'
  std::optional<Condition> answered_if, voicemail_if;
};

/** `means: transcript`: where an event's text and what places it are. One event is one
 * utterance; with `items:`, each element is one, and a body's utterances of one call go
 * together. */
struct TranscriptFields {
  Field text, id, sequence, track, speaker, origin;  ///< origin maps to internal|external|unknown
  Field start, end;  ///< offsets from the call's (or recording's) start, in `offsets` units
  Field at;          ///< or a clock time for the utterance
  DurationUnit offsets = DurationUnit::seconds;
  std::optional<Condition> final_if;     ///< an interim utterance fails it; absent: all are final
  std::optional<Condition> complete_if;  ///< the provider's end marker, when it holds
  bool complete = false;                 ///< `complete: true`: every such event is the end
};

/** What an event type means for its call. */
enum class Meaning { ringing, answered, ended, missed, voicemail, update, transcript, ignored };

struct EventRule {
  Meaning meaning = Meaning::ignored;
  Fields fields;
  std::optional<TranscriptFields> transcript;  ///< for means: transcript
  /** This event's body lists several calls: each kept element is one observation of this type. */
  std::optional<Items> items;
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
  enum class Scheme { hmac, ed25519, jwt_hs256, jwt_body, bearer, basic, token, none };
  enum class Encoding { hex, base64 };
  enum class SecretEncoding { raw, base64, whsec };
  Scheme scheme = Scheme::hmac;
  std::string algorithm = "sha256";  ///< hmac: sha1, sha256 or sha512
  Encoding encoding = Encoding::hex;
  SecretEncoding secret_encoding = SecretEncoding::raw;
  std::string secret;     ///< the declared key holding the secret(s) or public key(s)
  bool optional = false;  ///< the secret's key is optional: a source without it is unsigned
  std::string username;   ///< basic: the string key holding the user; secrets are passwords
  std::string header;     ///< where the signature or token is (the first of headers)
  std::vector<std::string> headers;  ///< every header tried in turn (hmac, ed25519)
  std::string prefix;                ///< "v0=", "sha256=", "Bearer "
  std::string separator;             ///< when set, the header holds several signatures split by it
  Template content;                  ///< what is signed (hmac, ed25519)
  std::optional<Template> content_get;  ///< what is signed in a GET request, when it differs
  Path token_field;                     ///< token: a field of the body instead of a header
  std::string body_hash_claim;          ///< jwt_hs256: claim holding hex SHA-256 of the body
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
  bool accepts_get = false;      ///< `methods: [POST, GET]`: a GET's query is then its form
  std::string timezone = "UTC";  ///< where times written without a zone are read
  std::optional<Items> items;
  Field event_type;
  std::map<std::string, EventRule, std::less<>> events;
  std::optional<Handshake> handshake;
};

/** Reads a definition; throws yaml::ConfigError naming file, line and key for any mistake. */
Definition read_definition(const yaml::Node& root);

/** The tz database's zone of that IANA name ("UTC", "Europe/Berlin"); null when none. */
const date::time_zone* find_zone(std::string_view name);

/** Parses "a.b[0].c" (throws through node for a malformed path). */
Path parse_path(std::string_view text, const yaml::Value& where);
/** Parses a template; a text without braces is one field path. */
Template parse_template(std::string_view text, const yaml::Value& where);

}  // namespace callgate::adapters::defined
