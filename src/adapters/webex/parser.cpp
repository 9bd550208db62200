// Webex telephony_calls webhooks: the plain envelope Webex POSTs, or a relay's
// {"Payload":"telephony","timestamp":..,"items":{envelope}} wrapper (items may also be a list).
#include <callgate/adapters/json_fields.hpp>
#include <callgate/adapters/webex/webex.hpp>

namespace callgate::adapters::webex {
namespace {

using core::Direction;
using core::Phase;
using nlohmann::json;

Phase phase_of_event(std::string_view event_type) {
  if (event_type == "received" || event_type == "originated") return Phase::ringing;
  if (event_type == "answered" || event_type == "connected" || event_type == "held" ||
      event_type == "resumed")
    return Phase::answered;
  if (event_type == "disconnected") return Phase::ended;
  return Phase::other;
}

Phase phase_of_state(std::string_view state) {
  if (state == "connecting" || state == "alerting") return Phase::ringing;
  if (state == "connected" || state == "held" || state == "remoteHeld") return Phase::answered;
  if (state == "disconnected") return Phase::ended;
  return Phase::other;
}

Direction direction_of(std::string_view personality) {
  if (personality == "terminator") return Direction::inbound;
  if (personality == "originator" || personality == "clickToDial") return Direction::outbound;
  return Direction::unknown;
}

bool is_external(const json& party) {
  const auto type = str(party, "callType");
  return type.empty() || type == "external";
}

result<core::Observation> observe(const json& envelope, const Request& r,
                                  const SourceSettings& settings) {
  const json& data = object(envelope, "data");
  const auto call_id = str(data, "callId");
  if (call_id.empty()) return make_error_code(errc::not_an_event);

  core::Observation o;
  o.source = settings.name;
  o.call_key = call_id;
  o.event_type = str(data, "eventType");
  const auto envelope_event = str(envelope, "event");
  if (o.event_type.empty()) o.event_type = envelope_event;

  if (auto t = iso_time(data, "eventTimestamp")) {
    o.event_time = *t;
    // Webex gives no delivery id; the event's identity is its call, type and time.
    o.dedup_key = "webex:" + call_id + "|" + o.event_type + "|" + str(data, "eventTimestamp");
  } else {
    o.event_time = r.received_at;
    o.warnings.push_back("webex: eventTimestamp missing; used the time callgate received it");
  }

  const auto state = str(data, "state");
  o.phase = std::max(phase_of_event(o.event_type), phase_of_state(state));
  if (envelope_event == "deleted") o.phase = Phase::ended;

  o.direction = direction_of(str(data, "personality"));
  if (o.direction == Direction::unknown)
    o.warnings.push_back("webex: personality '" + str(data, "personality") + "' has no direction");

  o.started_at = iso_time(data, "created");
  o.answered_at = iso_time(data, "answered");
  o.ended_at = iso_time(data, "disconnected");
  o.answered = o.answered_at.has_value() || phase_of_state(state) == Phase::answered;

  const json& remote = object(data, "remoteParty");
  if (is_external(remote)) {
    o.external_number = str(remote, "number");
  } else if (auto person = str(remote, "personId"); !person.empty()) {
    o.users.push_back({"user", person});
  }
  // For a received call the number that was dialled is the first internal redirecting party
  // (a call queue, hunt group or auto attendant).
  if (o.direction == Direction::inbound && data.contains("redirections") &&
      data["redirections"].is_array()) {
    for (const auto& red : data["redirections"]) {
      const json& party = object(red, "redirectingParty");
      if (!is_external(party) && !str(party, "number").empty()) {
        o.internal_number = str(party, "number");
        break;
      }
    }
  }
  if (auto actor = str(envelope, "actorId"); !actor.empty())
    o.users.insert(o.users.begin(), {"user", actor});
  if (settings.include_raw) o.raw = envelope;
  return o;
}

}  // namespace

result<Parsed> parse(const Request& r, const SourceSettings& settings) {
  const auto& body = r.json();
  if (!body) return body.error();
  const json& j = *body;
  if (!j.is_object()) return make_error_code(errc::not_an_event);

  // Collect the envelopes: plain, wrapped, or wrapped as a list.
  std::vector<const json*> envelopes;
  if (j.contains("items")) {
    const json& items = j["items"];
    if (items.is_object()) envelopes.push_back(&items);
    if (items.is_array())
      for (const auto& item : items)
        if (item.is_object()) envelopes.push_back(&item);
  } else {
    envelopes.push_back(&j);
  }

  Parsed out;
  for (const json* env : envelopes) {
    if (!env->contains("resource") || !env->contains("data"))
      return make_error_code(errc::not_an_event);
    out.event_type = "webex." + str(*env, "resource") + "." + str(*env, "event");
    if (str(*env, "resource") != "telephony_calls") continue;  // another resource: not a call
    auto o = observe(*env, r, settings);
    if (!o) return o.error();
    out.event_type = "webex." + o->event_type;
    out.observations.push_back(std::move(*o));
  }
  if (envelopes.empty()) return make_error_code(errc::not_an_event);
  return out;
}

}  // namespace callgate::adapters::webex
