// Reads a definition file into a Definition: its keys, body, mapping and events (the signature
// and handshake are in definition_signature.cpp). Every mistake is a ConfigError that names the
// file, the line and the key, as in the main config.
#include <date/tz.h>

#include <cctype>

#include "reading.hpp"

namespace callgate::adapters::defined {
namespace {

using yaml::Node;
using yaml::Value;

/** A time format's name, or a pattern ("%Y-%m-%d %H:%M:%S") when it holds a '%'. */
void read_format(const Value& v, Alternative& a) {
  if (v.is_scalar() && v.text.find('%') != std::string::npos) {
    a.format = TimeFormat::pattern;
    a.pattern = v.text;
    return;
  }
  a.format = one_of<TimeFormat>(v, {{"auto", TimeFormat::automatic},
                                    {"iso8601", TimeFormat::iso8601},
                                    {"rfc2822", TimeFormat::rfc2822},
                                    {"epoch_seconds", TimeFormat::epoch_seconds},
                                    {"epoch_ms", TimeFormat::epoch_ms}});
}

/** The alternative that mapping n names: exactly one of field, header or value. */
Alternative alternative_of(const Value& v, const Node& n) {
  Alternative a;
  int given = 0;
  if (auto field = n.value("field")) {
    if (!field->is_scalar()) field->fail("expected a field path or a template");
    a.text = parse_template(field->text, *field);
    ++given;
  }
  if (n.has("header")) {
    a.text.parts.push_back({Template::Part::Kind::header, n.string("header"), {}, {}});
    ++given;
  }
  if (n.has("value")) {
    a.text.parts.push_back({Template::Part::Kind::literal, n.string("value"), {}, {}});
    ++given;
  }
  if (given != 1) v.fail("needs exactly one of field, header or value");
  a.prefix = n.string_or("prefix", "");
  if (auto format = n.value("format")) read_format(*format, a);
  return a;
}

/** One item of a list of alternatives: a template, or {field|header|value, prefix, format}. */
Alternative list_item(const Value& v) {
  if (v.is_scalar()) return {parse_template(v.text, v), {}, {}, {}};
  if (!v.is_map()) v.fail("expected a field path, a template or {field|header|value: ..}");
  auto a = alternative_of(v, v.node());
  v.node().finish();
  return a;
}

void read_field_settings(const Node& n, Field& f) {
  for (const auto& [from, to] : n.string_entries("map")) f.values[from] = to;
  f.unit = one_of<DurationUnit>(n, "unit", DurationUnit::seconds,
                                {{"seconds", DurationUnit::seconds},
                                 {"milliseconds", DurationUnit::milliseconds},
                                 {"iso8601", DurationUnit::iso8601}});
  if (auto when = n.value("when"))
    f.when = std::make_shared<const Condition>(read_condition(*when));
  if (auto json = n.value("json")) {
    if (!json->is_scalar()) json->fail("expected a field path within the JSON text");
    f.json = parse_path(json->text, *json);
  }
}

}  // namespace

Field read_field(const Value& v) {
  Field f;
  if (v.is_list()) {
    if (v.items.empty()) v.fail("needs at least one alternative");
    for (const auto& item : v.items) f.alternatives.push_back(list_item(item));
    return f;
  }
  if (!v.is_map()) {
    f.alternatives.push_back(list_item(v));
    return f;
  }
  const Node& n = v.node();
  read_field_settings(n, f);
  if (auto field = n.value("field"); field && field->is_list()) {
    if (n.has("header") || n.has("value") || n.has("prefix"))
      v.fail("a list of alternatives takes its header, value and prefix per item");
    for (const auto& item : field->items) f.alternatives.push_back(list_item(item));
    // A format beside the list is every item's that names none of its own.
    if (auto format = n.value("format"))
      for (auto& a : f.alternatives)
        if (a.format == TimeFormat::automatic) read_format(*format, a);
    n.skip();
  } else {
    f.alternatives.push_back(alternative_of(v, n));
  }
  n.finish();
  return f;
}

Condition read_condition(const Value& v) {
  if (v.is_scalar()) return Condition{read_field(v), {}, {}, {}};  // a field that is set and true
  if (!v.is_map()) v.fail("expected a field path or {field: .., equals | in | exists: ..}");
  const Node& n = v.node();
  Condition c;
  auto field = n.value("field");
  if (!field) n.fail("field", "is required");
  c.field = read_field(*field);
  int tests = 0;
  if (n.has("equals")) c.equals = n.string("equals"), ++tests;
  if (n.has("in")) {
    c.in = n.strings("in");
    if (c.in.empty()) n.fail("in", "lists no value");
    ++tests;
  }
  if (n.has("exists")) c.exists = n.boolean("exists", true), ++tests;
  if (tests > 1) v.fail("takes one of equals, in or exists");
  n.finish();
  return c;
}

namespace {

/** Each key of `keys` present in n, read as a field into its member of `into`. */
template <class T, std::size_t N>
void read_keyed_fields(const Node& n, T& into,
                       const std::pair<std::string_view, Field T::*> (&keys)[N]) {
  for (const auto& [key, member] : keys)
    if (auto v = n.value(key)) into.*member = read_field(*v);
}

/** Reads the field settings present in n over `into` (a mapping's defaults or a rule's). */
void read_fields(const Node& n, Fields& into) {
  static constexpr std::pair<std::string_view, Field Fields::*> fields[] = {
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
      {"contacts", &Fields::contacts},
      {"external_number", &Fields::external_number},
      {"internal_number", &Fields::internal_number},
  };
  read_keyed_fields(n, into, fields);
  into.users_model = n.string_or("users_model", into.users_model);
  into.contacts_model = n.string_or("contacts_model", into.contacts_model);
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
                             {"transcript", Meaning::transcript},
                             {"ignored", Meaning::ignored}});
}

/** transcript: {text, id, sequence, track, speaker, origin, start, end, at, final_if, ...}. */
TranscriptFields read_transcript(const Value& v) {
  if (!v.is_map()) v.fail("expected {text: .., track: .., ...}");
  const Node& n = v.node();
  TranscriptFields t;
  static constexpr std::pair<std::string_view, Field TranscriptFields::*> fields[] = {
      {"text", &TranscriptFields::text},
      {"id", &TranscriptFields::id},
      {"sequence", &TranscriptFields::sequence},
      {"track", &TranscriptFields::track},
      {"speaker", &TranscriptFields::speaker},
      {"origin", &TranscriptFields::origin},
      {"start", &TranscriptFields::start},
      {"end", &TranscriptFields::end},
      {"at", &TranscriptFields::at},
  };
  read_keyed_fields(n, t, fields);
  t.offsets = one_of<DurationUnit>(
      n, "offsets", DurationUnit::seconds,
      {{"seconds", DurationUnit::seconds}, {"milliseconds", DurationUnit::milliseconds}});
  if (auto c = n.value("final_if")) t.final_if = read_condition(*c);
  if (auto c = n.value("complete_if")) t.complete_if = read_condition(*c);
  t.complete = n.boolean("complete", false);
  for (const auto& [from, to] : t.origin.values)
    if (to != "internal" && to != "external" && to != "unknown")
      n.fail("origin", "maps '" + from + "' to '" + to + "'; use internal, external or unknown");
  if (t.text.empty() && !t.complete) n.fail("text", "is required (or complete: true)");
  n.finish();
  return t;
}

/** items: a path, or {path, as, where}. */
Items read_items(const Value& v) {
  Items items;
  if (v.is_scalar()) {
    items.path = parse_path(v.text, v);
    return items;
  }
  if (!v.is_map()) v.fail("expected a field path or {path: .., as: .., where: ..}");
  const Node& n = v.node();
  auto path = n.value("path");
  if (!path || !path->is_scalar()) n.fail("path", "is required: where the array is");
  items.path = parse_path(path->text, *path);
  items.as = n.string_or("as", items.as);
  if (auto where = n.value("where")) {
    if (where->is_list())
      for (const auto& c : where->items) items.where.push_back(read_condition(c));
    else
      items.where.push_back(read_condition(*where));
  }
  n.finish();
  return items;
}

void read_event(const std::string& name, const Value& v, const Fields& defaults, Definition& d) {
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
    if (auto items = n.value("items")) {
      if (d.items) n.fail("items", "is already set for every event, under mapping");
      rule.items = read_items(*items);
    }
    if (auto t = n.value("transcript")) rule.transcript = read_transcript(*t);
    if (rule.meaning == Meaning::transcript && !rule.transcript)
      n.fail("transcript", "is required by means: transcript (where its text is)");
    if (rule.meaning != Meaning::transcript && rule.transcript)
      n.fail("transcript", "is read only by means: transcript");
    read_fields(n, rule.fields);
    n.finish();
  } else {
    v.fail("expected a meaning (ringing, answered, ...) or a mapping");
  }
  if (rule.meaning == Meaning::transcript && !rule.transcript)
    v.fail("means transcript, and needs {means: transcript, transcript: {text: ..}}");
  if (rule.meaning != Meaning::ignored && rule.fields.call_key.empty())
    v.fail("has no call_key (set one in mapping or in this event)");
  d.events[name] = std::move(rule);
}

void read_mapping(const Node& m, Definition& d) {
  if (auto items = m.value("items")) d.items = read_items(*items);
  auto type = m.value("event_type");
  if (!type) m.fail("event_type", "is required: the field that names the event");
  d.event_type = read_field(*type);
  Fields defaults;
  read_fields(m, defaults);
  for (const auto& [name, v] : m.value_entries("events")) read_event(name, v, defaults, d);
  if (d.events.empty()) m.fail("events", "lists no event type");
  m.finish();
}

void read_keys(const Node& root, Definition& d) {
  for (const auto& [name, v] : root.value_entries("keys")) {
    if (name == "provider" || name == "include_raw" || name == "rate_limit" ||
        name == "tolerance_seconds" || name == "allow_from" || name == "allow_unsigned" ||
        name == "timezone")
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

void read_methods(const Node& root, Definition& d) {
  for (const auto& m : root.strings("methods")) {
    if (m == "GET")
      d.accepts_get = true;
    else if (m != "POST")
      root.fail("methods", "may list POST and GET");
  }
}

}  // namespace

const date::time_zone* find_zone(std::string_view name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return nullptr;
  }
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
  d.body = one_of<Definition::Body>(
      root, "body", Definition::Body::json,
      {{"json", Definition::Body::json}, {"form", Definition::Body::form}});
  read_methods(root, d);
  d.timezone = root.string_or("timezone", d.timezone);
  if (!find_zone(d.timezone))
    root.fail("timezone", "is not a time zone of the tz database (e.g. UTC, America/New_York)");
  read_signature(root.map("signature"), d);
  if (d.keys.empty() && d.signature.scheme != Signature::Scheme::none)
    root.fail("keys", "declares no key; a source needs at least its secret");
  if (d.body == Definition::Body::json)
    for (const auto& part : d.signature.content.parts)
      if (part.kind == Template::Part::Kind::form_sorted)
        root.map("signature").fail("content", "{form:sorted} needs body: form");
  if (d.accepts_get && d.body != Definition::Body::form)
    root.fail("methods", "GET needs body: form (a GET's query is read as its form)");
  if (auto h = root.optional_map("handshake")) read_handshake(*h, d);
  read_mapping(root.map("mapping"), d);
  root.finish();
  return d;
}

}  // namespace callgate::adapters::defined
