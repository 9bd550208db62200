// A provider definition's mapping: one verified body to the observations of the unified model.
#include <algorithm>
#include <callgate/adapters/defined/mapping.hpp>
#include <callgate/adapters/json_fields.hpp>
#include <callgate/verify/jwt.hpp>
#include <cctype>
#include <charconv>
#include <unordered_map>

namespace callgate::adapters::defined {
namespace {

using core::Direction;
using core::Phase;
using nlohmann::json;

std::string number(std::string text, bool e164_plus) {
  if (e164_plus && text.size() >= 7 &&
      std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); }))
    text.insert(text.begin(), '+');
  return text;
}

std::optional<TimePoint> time_of(const Field& f, const Input& in,
                                 std::vector<std::string>& warnings, std::string_view what,
                                 std::string_view provider) {
  if (f.empty()) return std::nullopt;
  auto r = read_with(f, in);
  if (!r) return std::nullopt;
  auto t = parse_time(r->text, *r->from, in.zone);
  if (!t)
    warnings.push_back(std::string(provider) + ": unreadable " + std::string(what) + " '" +
                       r->text.substr(0, 64) + "'");
  return t;
}

Answer answer_handshake(const Handshake& h, const Secrets& secrets, const Input& in) {
  Answer a;
  if (!h.echo_header.empty())
    if (auto v = verify::single_header(in.headers, h.echo_header); v && *v)
      a.headers.emplace_back(h.echo_header, std::string(**v));
  if (h.reply.empty()) return a;
  nlohmann::ordered_json body = nlohmann::ordered_json::object();
  for (const auto& r : h.reply) {
    const auto value = read(r.field, in).value_or("");
    if (r.hmac)
      body[r.name] = secrets.empty()
                         ? std::string()
                         : handshake_hmac(r.algorithm, r.encoding, secrets.front(), value);
    else
      body[r.name] = value;
  }
  a.body = body.dump();
  return a;
}

void place_numbers(core::Observation& o, const Fields& f, const Input& in, std::string_view name) {
  // A platform that names the outside party directly needs no direction to place it.
  auto external_said = read(f.external_number, in);
  auto internal_said = read(f.internal_number, in);
  if (external_said) o.external_number = number(*external_said, f.e164_plus);
  if (internal_said) o.internal_number = number(*internal_said, f.e164_plus);
  if (external_said || internal_said) return;
  auto from = read(f.from, in);
  auto to = read(f.to, in);
  if (!from && !to) return;
  const auto external = o.direction == Direction::outbound ? to : from;
  const auto internal = o.direction == Direction::outbound ? from : to;
  if (o.direction == Direction::unknown) {
    o.warnings.push_back(std::string(name) + ": direction unknown; numbers left unplaced");
    return;
  }
  if (external) o.external_number = number(*external, f.e164_plus);
  if (internal) o.internal_number = number(*internal, f.e164_plus);
}

void apply_meaning(core::Observation& o, Meaning m, const Fields& f, const Input& in,
                   std::string_view name) {
  switch (m) {
    case Meaning::ringing:
      o.phase = Phase::ringing;
      break;
    case Meaning::answered:
      o.phase = Phase::answered;
      o.answered = true;
      break;
    case Meaning::ended:
    case Meaning::missed:
    case Meaning::voicemail:
      o.phase = Phase::ended;
      o.voicemail = m == Meaning::voicemail;
      break;
    case Meaning::update:
    case Meaning::transcript:
    case Meaning::ignored:
      break;
  }
  o.started_at = time_of(f.started_at, in, o.warnings, "started_at", name);
  o.answered_at = time_of(f.answered_at, in, o.warnings, "answered_at", name);
  o.ended_at = time_of(f.ended_at, in, o.warnings, "ended_at", name);
  if (m == Meaning::ringing && !o.started_at) o.started_at = o.event_time;
  if (m == Meaning::answered && !o.answered_at) o.answered_at = o.event_time;
  if (o.phase == Phase::ended && !o.ended_at) o.ended_at = o.event_time;
  // A duration on an event that ends the call says it was answered, and when.
  if (auto text = read(f.duration, in); text && m == Meaning::ended) {
    const auto d = parse_duration(*text, f.duration.unit);
    if (!d) {
      o.warnings.push_back(std::string(name) + ": unreadable duration '" + text->substr(0, 64) +
                           "'");
    } else if (*d > std::chrono::seconds{0}) {
      o.answered = true;
      if (!o.answered_at && o.ended_at) o.answered_at = *o.ended_at - *d;
    }
  }
  if (f.answered_if && holds(*f.answered_if, in)) o.answered = true;
  if (f.voicemail_if && holds(*f.voicemail_if, in)) o.voicemail = true;
}

std::optional<double> offset_of(const Field& f, const Input& in, DurationUnit unit) {
  auto text = read(f, in);
  if (!text) return std::nullopt;
  double v = 0;
  const auto* end = text->data() + text->size();
  if (std::from_chars(text->data(), end, v).ptr != end || !(v >= 0) || v > 1e9) return std::nullopt;
  return unit == DurationUnit::milliseconds ? v / 1000 : v;
}

/** One utterance of a `means: transcript` event. */
core::TranscriptObservation transcript_of(const TranscriptFields& t, const Input& in,
                                          std::string_view name) {
  core::TranscriptObservation out;
  out.complete = t.complete || (t.complete_if && holds(*t.complete_if, in));
  core::Utterance u;
  u.text = read(t.text, in).value_or("");
  u.final = !t.final_if || holds(*t.final_if, in);
  u.id = read(t.id, in).value_or("");
  if (auto seq = read(t.sequence, in)) {
    std::int64_t n = 0;
    if (std::from_chars(seq->data(), seq->data() + seq->size(), n).ec == std::errc{})
      u.sequence = n;
  }
  u.speaker_name = read(t.speaker, in).value_or("");
  u.track = read(t.track, in).value_or(u.speaker_name.empty() ? "speaker" : u.speaker_name);
  const auto origin = read(t.origin, in).value_or("unknown");
  u.origin = origin == "internal"   ? core::SpeakerOrigin::internal
             : origin == "external" ? core::SpeakerOrigin::external
                                    : core::SpeakerOrigin::unknown;
  u.start = offset_of(t.start, in, t.offsets).value_or(0);
  u.end = offset_of(t.end, in, t.offsets).value_or(u.start);
  u.at = time_of(t.at, in, out.warnings, "utterance time", name);
  if (!u.text.empty()) out.utterances.push_back(std::move(u));
  return out;
}

/** What one event (a body, or one element of its items) says of its call; nullopt when its type
 * is not listed or is ignored. */
result<std::optional<core::Observation>> observe(const Definition& d, const Input& in,
                                                 const Request& r, const SourceSettings& settings,
                                                 const std::optional<std::string>& type) {
  if (!type) return std::nullopt;  // names no event (a record or machine-detection callback)
  auto rule = d.events.find(*type);
  if (rule == d.events.end() || rule->second.meaning == Meaning::ignored) return std::nullopt;
  const Fields& f = rule->second.fields;

  core::Observation o;
  o.source = settings.name;
  o.event_type = *type;
  o.call_key = read(f.call_key, in).value_or("");
  if (o.call_key.empty()) return make_error_code(errc::not_an_event);
  if (auto id = read(f.event_id, in); id && !id->empty())
    // One delivery id, several calls: each element of the items is its own delivery.
    o.dedup_key = d.name + ":" + *id + (in.item != nullptr ? "#" + o.call_key : "");
  if (auto t = time_of(f.event_time, in, o.warnings, "event time", d.name)) {
    o.event_time = *t;
  } else {
    o.event_time = r.received_at;
    if (!f.event_time.empty())
      o.warnings.push_back(d.name + ": no event time; used the time callgate received it");
  }
  if (rule->second.meaning == Meaning::transcript) {  // text, and nothing else about the call
    o.transcript = transcript_of(*rule->second.transcript, in, d.name);
    return o;
  }
  if (auto dir = read(f.direction, in)) {
    if (*dir == "inbound")
      o.direction = Direction::inbound;
    else if (*dir == "outbound")
      o.direction = Direction::outbound;
    else
      o.warnings.push_back(d.name + ": unknown direction '" + dir->substr(0, 64) + "'");
  }
  place_numbers(o, f, in, d.name);
  apply_meaning(o, rule->second.meaning, f, in, d.name);
  if (auto url = read(f.recording_url, in)) o.recording_url = *url;
  if (auto user = read(f.users, in); user && !user->empty())
    o.users.push_back({f.users_model, *user});
  if (auto contact = read(f.contacts, in); contact && !contact->empty())
    o.contacts.push_back({f.contacts_model, *contact});
  if (settings.include_raw && in.doc != nullptr) o.raw = *in.doc;
  return o;
}

/** The body as a document: JSON, a JWT's claims, or nothing (a form body is read apart). */
result<const json*> document(const Definition& d, const Request& r) {
  if (d.signature.scheme == Signature::Scheme::jwt_body && !r.parsed_json) {
    // verify() keeps the claims it checked; offline (replay), the stored token is read again.
    // A body that is plain JSON is an unsigned source's, and read as JSON below.
    auto text = r.body.find('{') == std::string_view::npos ? verify::jwt_payload_unverified(r.body)
                                                           : std::nullopt;
    if (text) r.parsed_json = parse_json(*text);
  }
  const auto& body = r.json();  // parsed once: verify may have read a token from it
  if (!body) return body.error();
  if (!body->is_object()) return make_error_code(errc::not_an_event);
  return &*body;
}

bool kept(const Items& items, const Input& in) {
  return std::all_of(items.where.begin(), items.where.end(),
                     [&](const Condition& c) { return holds(c, in); });
}

/** A body's utterances of one call are one observation: the transcript moves once for them. */
void join_transcripts(std::vector<core::Observation>& observations) {
  std::vector<core::Observation> joined;
  std::unordered_map<std::string, std::size_t> text_of_call;  // call key -> its place in joined
  for (auto& o : observations) {
    auto [at, first] = o.transcript ? text_of_call.try_emplace(o.call_key, joined.size())
                                    : std::pair{text_of_call.end(), true};
    if (first) {
      joined.push_back(std::move(o));
      continue;
    }
    auto& into = *joined[at->second].transcript;
    for (auto& u : o.transcript->utterances) into.utterances.push_back(std::move(u));
    for (auto& w : o.transcript->warnings) into.warnings.push_back(std::move(w));
    into.complete = into.complete || o.transcript->complete;
  }
  observations = std::move(joined);
}

}  // namespace

result<Parsed> map_request(const Definition& d, const Configured& c, const Request& r,
                           const SourceSettings& settings) {
  Parsed out;
  Input in{r.headers, r.body, r.query, nullptr, nullptr, &c.values};
  in.zone = c.zone;
  in.get = r.get;
  // A handshake keyed on a header is answered before the body is read: it may have none.
  if (d.handshake && !d.handshake->header.empty() &&
      r.headers.find(d.handshake->header) != r.headers.end()) {
    if (const auto& body = r.json(); body && body->is_object()) in.doc = &*body;
    out.event_type = d.name + ".handshake";
    out.answer = answer_handshake(*d.handshake, c.secrets, in);
    return out;
  }
  json form_doc;
  FormFields form;
  if (d.body == Definition::Body::form) {
    auto fields = parse_form(r.get ? r.query : r.body);
    if (!fields) return fields.error();
    form = std::move(*fields);
    form_doc = form_object(form);
    in.doc = &form_doc;
    in.form = &form;
  } else {
    auto doc = document(d, r);
    if (!doc) return doc.error();
    in.doc = *doc;
  }

  const auto type = read(d.event_type, in);
  if (d.handshake && !d.handshake->event.empty() && type && *type == d.handshake->event) {
    out.event_type = d.name + "." + *type;
    out.answer = answer_handshake(*d.handshake, c.secrets, in);
    return out;
  }
  // The items of every event (the type is each element's), or of this event type only.
  const Items* items = d.items ? &*d.items : nullptr;
  if (!items && type)
    if (auto rule = d.events.find(*type); rule != d.events.end() && rule->second.items)
      items = &*rule->second.items;
  out.event_type = d.name + "." + type.value_or(items ? "(items)" : "(none)");
  if (!items) {
    auto o = observe(d, in, r, settings, type);
    if (!o) return o.error();
    if (*o) out.observations.push_back(std::move(**o));
    return out;
  }
  const json* elements = find(in, items->path);
  if (elements == nullptr || !elements->is_array()) return out;  // no items: nothing to say
  in.item_name = items->as;
  for (const auto& element : *elements) {
    in.item = &element;
    if (!kept(*items, in)) continue;
    auto o = observe(d, in, r, settings, d.items ? read(d.event_type, in) : type);
    if (!o) return o.error();
    if (*o) out.observations.push_back(std::move(**o));
  }
  join_transcripts(out.observations);
  if (d.items && !out.observations.empty())
    out.event_type = d.name + "." + out.observations.front().event_type;
  return out;
}

}  // namespace callgate::adapters::defined
