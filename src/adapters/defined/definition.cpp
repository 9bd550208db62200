// Reads a provider definition file into a Definition. Every mistake is a ConfigError that names
// the file, the line and the key, as in the main config.
#include <callgate/adapters/defined/definition.hpp>
#include <cctype>

namespace callgate::adapters::defined {
namespace {

using yaml::Node;
using yaml::Value;

template <class E>
E one_of(const Value& v, std::initializer_list<std::pair<std::string_view, E>> choices) {
  std::string known;
  for (const auto& [name, e] : choices) {
    if (v.is_scalar() && v.text == name) return e;
    known.append(known.empty() ? "" : ", ").append(name);
  }
  v.fail("must be one of " + known);
}

template <class E>
E one_of(const Node& n, std::string_view key, E fallback,
         std::initializer_list<std::pair<std::string_view, E>> choices) {
  auto v = n.value(key);
  return v ? one_of(*v, choices) : fallback;
}

TimeFormat time_format(const Value& v) {
  return one_of<TimeFormat>(v, {{"auto", TimeFormat::automatic},
                                {"iso8601", TimeFormat::iso8601},
                                {"rfc2822", TimeFormat::rfc2822},
                                {"epoch_seconds", TimeFormat::epoch_seconds},
                                {"epoch_ms", TimeFormat::epoch_ms}});
}

void add_alternative(Field& f, const Value& v, const Node& n);

// One alternative: a scalar template, or {field|header|value: .., prefix: ..}.
void add_alternative(Field& f, const Value& v) {
  if (v.is_scalar()) {
    f.alternatives.push_back(parse_template(v.text, v));
    f.prefixes.emplace_back();
    return;
  }
  if (!v.is_map()) v.fail("expected a field path, a template or {field|header|value: ..}");
  add_alternative(f, v, v.node());
  v.node().finish();
}

// The alternative that mapping n names (n may also hold a field's other settings).
void add_alternative(Field& f, const Value& v, const Node& n) {
  Template t;
  int given = 0;
  if (auto field = n.value("field")) {
    if (!field->is_scalar()) field->fail("expected a field path or a template");
    t = parse_template(field->text, *field);
    ++given;
  }
  if (n.has("header")) {
    t.parts.push_back({Template::Part::Kind::header, n.string("header"), {}});
    ++given;
  }
  if (n.has("value")) {
    t.parts.push_back({Template::Part::Kind::literal, n.string("value"), {}});
    ++given;
  }
  if (given != 1) v.fail("needs exactly one of field, header or value");
  f.alternatives.push_back(std::move(t));
  f.prefixes.push_back(n.string_or("prefix", ""));
}

Field read_field(const Value& v) {
  Field f;
  if (v.is_list()) {
    if (v.items.empty()) v.fail("needs at least one alternative");
    for (const auto& item : v.items) add_alternative(f, item);
    return f;
  }
  if (v.is_map()) {
    const Node& n = v.node();
    if (auto format = n.value("format")) f.format = time_format(*format);
    for (const auto& [from, to] : n.string_entries("map")) f.values[from] = to;
    if (auto field = n.value("field"); field && field->is_list()) {
      for (const auto& item : field->items) add_alternative(f, item);
      if (n.has("header") || n.has("value") || n.has("prefix"))
        v.fail("a list of alternatives takes its header, value and prefix per item");
      n.skip();
    } else {
      add_alternative(f, v, n);
    }
    n.finish();
    return f;
  }
  add_alternative(f, v);
  return f;
}

Condition read_condition(const Value& v) {
  if (!v.is_map()) v.fail("expected {field: .., equals: ..}");
  const Node& n = v.node();
  Condition c;
  auto field = n.value("field");
  if (!field) n.fail("field", "is required");
  c.field = read_field(*field);
  if (n.has("equals")) c.equals = n.string("equals");
  n.finish();
  return c;
}

/** Reads the field settings present in n over `into` (a mapping's defaults or a rule's). */
void read_fields(const Node& n, Fields& into) {
  const std::pair<std::string_view, Field Fields::*> fields[] = {
      {"call_key", &Fields::call_key},
      {"event_id", &Fields::event_id},
      {"event_time", &Fields::event_time},
      {"direction", &Fields::direction},
      {"from", &Fields::from},
      {"to", &Fields::to},
      {"duration", &Fields::duration},
      {"started_at", &Fields::started_at},
      {"answered_at", &Fields::answered_at},
      {"ended_at", &Fields::ended_at},
      {"recording_url", &Fields::recording_url},
      {"users", &Fields::users},
      {"external_number", &Fields::external_number},
      {"internal_number", &Fields::internal_number},
  };
  for (const auto& [key, member] : fields)
    if (auto v = n.value(key)) into.*member = read_field(*v);
  into.users_model = n.string_or("users_model", into.users_model);
  into.e164_plus = n.boolean("e164_plus", into.e164_plus);
  if (auto v = n.value("answered_if")) into.answered_if = read_condition(*v);
  if (auto v = n.value("voicemail_if")) into.voicemail_if = read_condition(*v);
  for (const auto& [from, to] : into.direction.values)
    if (to != "inbound" && to != "outbound")
      n.fail("direction", "maps '" + from + "' to '" + to + "'; use inbound or outbound");
}

Meaning meaning(const Value& v) {
  return one_of<Meaning>(v, {{"ringing", Meaning::ringing},
                             {"answered", Meaning::answered},
                             {"ended", Meaning::ended},
                             {"missed", Meaning::missed},
                             {"voicemail", Meaning::voicemail},
                             {"update", Meaning::update},
                             {"ignored", Meaning::ignored}});
}

void read_mapping(const Node& m, Definition& d) {
  auto type = m.value("event_type");
  if (!type) m.fail("event_type", "is required: the field that names the event");
  d.event_type = read_field(*type);
  Fields defaults;
  read_fields(m, defaults);
  for (const auto& [name, v] : m.value_entries("events")) {
    EventRule rule;
    rule.fields = defaults;
    if (v.is_scalar()) {
      rule.meaning = meaning(v);
    } else if (v.is_map()) {
      const Node& n = v.node();
      if (n.has("like")) {
        const auto other = n.string("like");
        auto it = d.events.find(other);
        if (it == d.events.end()) n.fail("like", "names no event listed above it: " + other);
        rule = it->second;
      }
      if (auto means = n.value("means"))
        rule.meaning = meaning(*means);
      else if (!n.has("like"))
        n.fail("means", "is required");
      read_fields(n, rule.fields);
      n.finish();
    } else {
      v.fail("expected a meaning (ringing, answered, ...) or a mapping");
    }
    if (rule.meaning != Meaning::ignored && rule.fields.call_key.empty())
      v.fail("has no call_key (set one in mapping or in this event)");
    d.events[name] = std::move(rule);
  }
  if (d.events.empty()) m.fail("events", "lists no event type");
  m.finish();
}

void read_keys(const Node& root, Definition& d) {
  for (const auto& [name, v] : root.value_entries("keys")) {
    if (name == "provider" || name == "include_raw" || name == "rate_limit" ||
        name == "tolerance_seconds")
      v.fail("is a key every source has; choose another name");
    KeyDecl k;
    k.name = name;
    const auto types = {
        std::pair<std::string_view, KeyDecl::Type>{"secrets", KeyDecl::Type::secrets},
        {"string", KeyDecl::Type::string},
        {"url", KeyDecl::Type::url}};
    if (v.is_scalar()) {
      k.type = one_of<KeyDecl::Type>(v, types);
    } else if (v.is_map()) {
      const Node& n = v.node();
      auto type = n.value("type");
      if (!type) n.fail("type", "is required (secrets, string or url)");
      k.type = one_of<KeyDecl::Type>(*type, types);
      k.required = n.boolean("required", true);
      if (n.has("default")) {
        k.fallback = n.string("default");
        k.required = false;
      }
      n.finish();
    } else {
      v.fail("expected a type or {type: .., required: ..}");
    }
    d.keys.push_back(std::move(k));
  }
}

const KeyDecl* find_key(const Definition& d, std::string_view name) {
  for (const auto& k : d.keys)
    if (k.name == name) return &k;
  return nullptr;
}

void read_signature(const Node& s, Definition& d) {
  using S = Signature;
  S& sig = d.signature;
  sig.scheme = one_of<S::Scheme>(s, "scheme", S::Scheme::hmac,
                                 {{"hmac", S::Scheme::hmac},
                                  {"ed25519", S::Scheme::ed25519},
                                  {"jwt_hs256", S::Scheme::jwt_hs256},
                                  {"bearer", S::Scheme::bearer},
                                  {"basic", S::Scheme::basic},
                                  {"token", S::Scheme::token}});
  sig.secret = s.string("secret");
  const auto* key = find_key(d, sig.secret);
  if (!key || key->type != KeyDecl::Type::secrets)
    s.fail("secret", "must name a key of type secrets declared under keys");
  sig.algorithm = s.string_or("algorithm", "sha256");
  if (sig.algorithm != "sha1" && sig.algorithm != "sha256" && sig.algorithm != "sha512")
    s.fail("algorithm", "must be sha1, sha256 or sha512");
  sig.encoding = one_of<S::Encoding>(s, "encoding", S::Encoding::hex,
                                     {{"hex", S::Encoding::hex}, {"base64", S::Encoding::base64}});
  sig.secret_encoding = one_of<S::SecretEncoding>(s, "secret_encoding", S::SecretEncoding::raw,
                                                  {{"raw", S::SecretEncoding::raw},
                                                   {"base64", S::SecretEncoding::base64},
                                                   {"whsec", S::SecretEncoding::whsec}});
  const bool in_body = sig.scheme == S::Scheme::token && s.has("token_field");
  const std::string default_header = sig.scheme == S::Scheme::jwt_hs256 ||
                                             sig.scheme == S::Scheme::bearer ||
                                             sig.scheme == S::Scheme::basic
                                         ? "Authorization"
                                         : "";
  sig.header = s.string_or("header", default_header);
  if (sig.header.empty() && !in_body) s.fail("header", "is required for this scheme");
  const std::string default_prefix =
      sig.scheme == S::Scheme::jwt_hs256 || sig.scheme == S::Scheme::bearer ? "Bearer "
      : sig.scheme == S::Scheme::basic                                      ? "Basic "
                                                                            : "";
  sig.prefix = s.string_or("prefix", default_prefix);
  sig.separator = s.string_or("separator", "");
  if (auto content = s.value("content")) {
    if (!content->is_scalar()) content->fail("expected a template such as \"{body}\"");
    sig.content = parse_template(content->text, *content);
    for (const auto& part : sig.content.parts)
      if (part.kind == Template::Part::Kind::url) {
        const auto* url = find_key(d, part.text);
        if (!url || url->type != KeyDecl::Type::url)
          content->fail("{url:" + part.text + "} must name a key of type url");
      }
  } else if (sig.scheme == S::Scheme::hmac || sig.scheme == S::Scheme::ed25519) {
    s.fail("content", "is required: what is signed, e.g. \"{body}\"");
  }
  if (auto field = s.value("token_field")) sig.token_field = parse_path(field->text, *field);
  sig.body_hash_claim = s.string_or("body_hash_claim", "");
  if (auto ts = s.optional_map("timestamp")) {
    sig.timestamp_header = ts->string_or("header", "");
    sig.timestamp_claim = ts->string_or("claim", "");
    if (sig.timestamp_header.empty() == sig.timestamp_claim.empty())
      ts->fail("", "needs exactly one of header or claim");
    if (!sig.timestamp_claim.empty() && sig.scheme != S::Scheme::jwt_hs256)
      ts->fail("claim", "only a jwt_hs256 signature has claims");
    const auto unit = ts->string_or("unit", "seconds");
    if (unit != "seconds" && unit != "milliseconds")
      ts->fail("unit", "must be seconds or milliseconds");
    sig.timestamp_ms = unit == "milliseconds";
    sig.tolerance_seconds = s.integer("tolerance_seconds", 300, 1, 86400);
    ts->finish();
  } else if (s.has("tolerance_seconds")) {
    s.fail("tolerance_seconds", "needs a timestamp to hold to it");
  }
  s.finish();
}

void read_handshake(const Node& h, Definition& d) {
  Handshake hs;
  hs.event = h.string_or("event", "");
  hs.header = h.string_or("header", "");
  if (hs.event.empty() == hs.header.empty())
    h.fail("", "needs exactly one of event (an event type) or header (a header's presence)");
  hs.echo_header = h.string_or("echo_header", "");
  for (const auto& [name, v] : h.value_entries("reply")) {
    Handshake::Reply r;
    r.name = name;
    if (v.is_map() && v.node().has("hmac")) {
      const Node& n = v.node();
      r.hmac = true;
      auto of = n.value("hmac");
      r.field = read_field(*of);
      r.algorithm = n.string_or("algorithm", "sha256");
      if (r.algorithm != "sha1" && r.algorithm != "sha256" && r.algorithm != "sha512")
        n.fail("algorithm", "must be sha1, sha256 or sha512");
      r.encoding = one_of<Signature::Encoding>(
          n, "encoding", Signature::Encoding::hex,
          {{"hex", Signature::Encoding::hex}, {"base64", Signature::Encoding::base64}});
      n.finish();
    } else {
      r.field = read_field(v);
    }
    hs.reply.push_back(std::move(r));
  }
  if (hs.reply.empty() && hs.echo_header.empty())
    h.fail("reply", "a handshake answers with a reply, an echo_header, or both");
  h.finish();
  d.handshake = std::move(hs);
}

}  // namespace

Path parse_path(std::string_view text, const Value& where) {
  Path p;
  std::size_t pos = 0;
  if (text.empty()) where.fail("a field path must not be empty");
  while (pos <= text.size()) {
    auto dot = text.find('.', pos);
    if (dot == std::string_view::npos) dot = text.size();
    std::string_view seg = text.substr(pos, dot - pos);
    Path::Step step;
    if (auto open = seg.find('['); open != std::string_view::npos) {
      if (seg.back() != ']')
        where.fail("malformed index in field path '" + std::string(text) + "'");
      const auto digits = seg.substr(open + 1, seg.size() - open - 2);
      step.index = 0;
      for (char c : digits) {
        if (!std::isdigit(static_cast<unsigned char>(c)) || step.index > 100000)
          where.fail("an index must be a number, in '" + std::string(text) + "'");
        step.index = step.index * 10 + (c - '0');
      }
      seg = seg.substr(0, open);
    }
    if (seg.empty()) where.fail("empty name in field path '" + std::string(text) + "'");
    step.key = std::string(seg);
    p.steps.push_back(std::move(step));
    pos = dot + 1;
  }
  return p;
}

Template parse_template(std::string_view text, const Value& where) {
  using Kind = Template::Part::Kind;
  Template t;
  if (text.find_first_of("{}") == std::string_view::npos) {
    t.parts.push_back({Kind::field, {}, parse_path(text, where)});
    return t;
  }
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto open = text.find('{', pos);
    const auto stray = text.find('}', pos);
    if (stray < open) where.fail("a '}' without its '{' in '" + std::string(text) + "'");
    if (open == std::string_view::npos) {
      t.parts.push_back({Kind::literal, std::string(text.substr(pos)), {}});
      break;
    }
    if (open > pos)
      t.parts.push_back({Kind::literal, std::string(text.substr(pos, open - pos)), {}});
    const auto close = text.find('}', open);
    if (close == std::string_view::npos)
      where.fail("a '{' without its '}' in '" + std::string(text) + "'");
    const auto inner = text.substr(open + 1, close - open - 1);
    if (inner == "body") {
      t.parts.push_back({Kind::body, {}, {}});
    } else if (inner == "form:sorted") {
      t.parts.push_back({Kind::form_sorted, {}, {}});
    } else if (inner.starts_with("header:") && inner.size() > 7) {
      t.parts.push_back({Kind::header, std::string(inner.substr(7)), {}});
    } else if (inner.starts_with("url:") && inner.size() > 4) {
      t.parts.push_back({Kind::url, std::string(inner.substr(4)), {}});
    } else {
      t.parts.push_back({Kind::field, {}, parse_path(inner, where)});
    }
    pos = close + 1;
  }
  return t;
}

Definition read_definition(const Node& root) {
  Definition d;
  d.name = root.string("name");
  for (char c : d.name)
    if (!std::islower(static_cast<unsigned char>(c)) &&
        !std::isdigit(static_cast<unsigned char>(c)) && c != '_' && c != '-')
      root.fail("name", "may hold only lowercase letters, digits, '_' and '-'");
  d.description = root.string_or("description", "");
  read_keys(root, d);
  if (d.keys.empty()) root.fail("keys", "declares no key; a source needs at least its secret");
  d.body = one_of<Definition::Body>(
      root, "body", Definition::Body::json,
      {{"json", Definition::Body::json}, {"form", Definition::Body::form}});
  read_signature(root.map("signature"), d);
  if (d.body == Definition::Body::json)
    for (const auto& part : d.signature.content.parts)
      if (part.kind == Template::Part::Kind::form_sorted)
        root.map("signature").fail("content", "{form:sorted} needs body: form");
  if (auto h = root.optional_map("handshake")) read_handshake(*h, d);
  read_mapping(root.map("mapping"), d);
  root.finish();
  return d;
}

}  // namespace callgate::adapters::defined
