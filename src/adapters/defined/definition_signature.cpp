// Reads a definition's `signature:` and `handshake:` sections.
#include "reading.hpp"

namespace callgate::adapters::defined {
namespace {

using yaml::Node;
using yaml::Value;
using S = Signature;

const KeyDecl* find_key(const Definition& d, std::string_view name) {
  for (const auto& k : d.keys)
    if (k.name == name) return &k;
  return nullptr;
}

Template read_content(const Value& v, const Definition& d) {
  if (!v.is_scalar()) v.fail("expected a template such as \"{body}\"");
  auto t = parse_template(v.text, v);
  for (const auto& part : t.parts)
    if (part.kind == Template::Part::Kind::url || part.kind == Template::Part::Kind::url_base) {
      const auto* url = find_key(d, part.text);
      if (!url || url->type != KeyDecl::Type::url)
        v.fail("{url:" + part.text + "} must name a key of type url");
    }
  return t;
}

/** content: one template, or {POST: .., GET: ..} when a GET signs something else. */
void read_contents(const Node& s, Definition& d) {
  auto content = s.value("content");
  if (!content) {
    if (d.signature.scheme == S::Scheme::hmac || d.signature.scheme == S::Scheme::ed25519)
      s.fail("content", "is required: what is signed, e.g. \"{body}\"");
    return;
  }
  if (!content->is_map()) {
    d.signature.content = read_content(*content, d);
    return;
  }
  const Node& n = content->node();
  auto post = n.value("POST");
  if (!post) n.fail("POST", "is required: what a POST signs");
  d.signature.content = read_content(*post, d);
  if (auto get = n.value("GET")) d.signature.content_get = read_content(*get, d);
  n.finish();
}

void read_headers(const Node& s, S& sig) {
  const bool in_body = (sig.scheme == S::Scheme::token && s.has("token_field")) ||
                       sig.scheme == S::Scheme::jwt_body || sig.scheme == S::Scheme::none;
  const bool authorization = sig.scheme == S::Scheme::jwt_hs256 ||
                             sig.scheme == S::Scheme::bearer || sig.scheme == S::Scheme::basic;
  sig.headers = s.strings("header");
  if (sig.headers.empty() && authorization) sig.headers.emplace_back("Authorization");
  if (sig.headers.empty() && !in_body) s.fail("header", "is required for this scheme");
  if (sig.headers.size() > 1 && sig.scheme != S::Scheme::hmac && sig.scheme != S::Scheme::ed25519)
    s.fail("header", "only hmac and ed25519 signatures try several headers");
  if (!sig.headers.empty()) sig.header = sig.headers.front();
  const std::string default_prefix =
      sig.scheme == S::Scheme::jwt_hs256 || sig.scheme == S::Scheme::bearer ? "Bearer "
      : sig.scheme == S::Scheme::basic                                      ? "Basic "
                                                                            : "";
  sig.prefix = s.string_or("prefix", default_prefix);
  sig.separator = s.string_or("separator", "");
}

void read_timestamp(const Node& s, S& sig) {
  if (auto ts = s.optional_map("timestamp")) {
    sig.timestamp_header = ts->string_or("header", "");
    sig.timestamp_claim = ts->string_or("claim", "");
    if (sig.timestamp_header.empty() == sig.timestamp_claim.empty())
      ts->fail("", "needs exactly one of header or claim");
    if (!sig.timestamp_claim.empty() && sig.scheme != S::Scheme::jwt_hs256 &&
        sig.scheme != S::Scheme::jwt_body)
      ts->fail("claim", "only a JWT signature has claims");
    const auto unit = ts->string_or("unit", "seconds");
    if (unit != "seconds" && unit != "milliseconds")
      ts->fail("unit", "must be seconds or milliseconds");
    sig.timestamp_ms = unit == "milliseconds";
    sig.tolerance_seconds = s.integer("tolerance_seconds", 300, 1, 86400);
    ts->finish();
  } else if (s.has("tolerance_seconds")) {
    s.fail("tolerance_seconds", "needs a timestamp to hold to it");
  }
}

}  // namespace

std::string read_algorithm(const Node& n, std::string_view key) {
  auto algorithm = n.string_or(key, "sha256");
  if (algorithm != "sha1" && algorithm != "sha256" && algorithm != "sha512")
    n.fail(key, "must be sha1, sha256 or sha512");
  return algorithm;
}

void read_signature(const Node& s, Definition& d) {
  S& sig = d.signature;
  sig.scheme = one_of<S::Scheme>(s, "scheme", S::Scheme::hmac,
                                 {{"hmac", S::Scheme::hmac},
                                  {"ed25519", S::Scheme::ed25519},
                                  {"jwt_hs256", S::Scheme::jwt_hs256},
                                  {"jwt_body", S::Scheme::jwt_body},
                                  {"bearer", S::Scheme::bearer},
                                  {"basic", S::Scheme::basic},
                                  {"token", S::Scheme::token},
                                  {"none", S::Scheme::none}});
  if (sig.scheme == S::Scheme::none) {
    s.finish();  // nothing else to say: a source of it must set allow_unsigned
    return;
  }
  sig.secret = s.string("secret");
  const auto* key = find_key(d, sig.secret);
  if (!key || key->type != KeyDecl::Type::secrets)
    s.fail("secret", "must name a key of type secrets declared under keys");
  sig.optional = !key->required;
  sig.algorithm = read_algorithm(s, "algorithm");
  sig.encoding = one_of<S::Encoding>(s, "encoding", S::Encoding::hex,
                                     {{"hex", S::Encoding::hex}, {"base64", S::Encoding::base64}});
  sig.secret_encoding = one_of<S::SecretEncoding>(s, "secret_encoding", S::SecretEncoding::raw,
                                                  {{"raw", S::SecretEncoding::raw},
                                                   {"base64", S::SecretEncoding::base64},
                                                   {"whsec", S::SecretEncoding::whsec}});
  sig.username = s.string_or("username", "");
  if (!sig.username.empty()) {
    const auto* user = find_key(d, sig.username);
    if (sig.scheme != S::Scheme::basic || !user || user->type != KeyDecl::Type::string)
      s.fail("username", "is for scheme basic, and must name a key of type string");
  }
  read_headers(s, sig);
  read_contents(s, d);
  if (auto field = s.value("token_field")) sig.token_field = parse_path(field->text, *field);
  sig.body_hash_claim = s.string_or("body_hash_claim", "");
  read_timestamp(s, sig);
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
      r.field = read_field(*n.value("hmac"));
      r.algorithm = read_algorithm(n, "algorithm");
      r.encoding =
          one_of<S::Encoding>(n, "encoding", S::Encoding::hex,
                              {{"hex", S::Encoding::hex}, {"base64", S::Encoding::base64}});
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

}  // namespace callgate::adapters::defined
