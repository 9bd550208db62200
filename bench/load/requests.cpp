#include "requests.hpp"

#include <sodium.h>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <callgate/verify/common.hpp>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <support/definition_signing.hpp>
#include <support/signing.hpp>

namespace callgate::bench {
namespace {

namespace http = boost::beast::http;
using nlohmann::json;
using namespace std::chrono_literals;

std::string number_for(std::size_t call) {
  auto digits = std::to_string(1000000 + call % 9000000);
  return "+1416" + digits.substr(digits.size() - 7);
}

// SIP headers a PBX commonly forwards; they bring the body to the size of a real one.
json sip_headers(const std::string& call_id, std::size_t call) {
  return {{"Via", "SIP/2.0/UDP 10.20.30.40:5060;branch=z9hG4bK" + call_id + ";rport"},
          {"From", "\"Caller " + std::to_string(call) + "\" <sip:" + number_for(call) +
                       "@trunk.example.net>;tag=as" + call_id},
          {"To", "<sip:+15559990000@pbx.example.com>"},
          {"Contact", "<sip:" + number_for(call) + "@198.51.100.7:5060;transport=udp>"},
          {"Call-ID", call_id + "@198.51.100.7"},
          {"User-Agent", "Asterisk PBX 20.5.2 (certified)"},
          {"Allow", "INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, SUBSCRIBE, NOTIFY, INFO, PUBLISH"},
          {"Supported", "replaces, timer"},
          {"P-Asserted-Identity", "\"Caller\" <sip:" + number_for(call) + "@trunk.example.net>"},
          {"X-Account-Code", "ACCT-" + std::to_string(call % 997)},
          {"X-Campaign", "spring-renewals-outreach-queue-" + std::to_string(call % 17)}};
}

json voip_body(const RequestSpec& spec, std::size_t call, std::size_t phase, TimePoint t) {
  static const char* events[] = {"NotifyStart", "NotifyAnswer", "NotifyEnd"};
  static const char* dispositions[] = {"Unknown", "Answered", "Answered"};
  const auto call_id = "bench-" + spec.run_id + "-" + std::to_string(call);
  json body = {{"event", events[phase]},
               {"callId", call_id},
               {"direction", "In"},
               {"disposition", dispositions[phase]},
               {"srcPhone", number_for(call)},
               {"srcPhoneExt", std::to_string(200 + call % 50)},
               {"dstPhone", "+15559990000"},
               {"timestamp", format_iso8601(t)},
               {"pbx",
                {{"node", "pbx-eu-west-2a"},
                 {"trunk", "sip-trunk-primary"},
                 {"queue", "support-tier-1"},
                 {"sipHeaders", sip_headers(call_id, call)}}}};
  if (phase == 2) body["recordingUrl"] = "https://pbx.example.com/rec/" + call_id + ".wav";
  return body;
}

// A Telnyx event in its delivery envelope: the leg's ids (by tag) and the event's own payload.
json telnyx_event(const std::string& type, const std::string& id, const std::string& tag,
                  TimePoint t, json payload) {
  payload.update(
      {{"call_control_id", "v3:bench-control-" + tag + "-MdI91X4lWFEs7IgbBEOT9M4AigoY08M0WWZ"},
       {"connection_id", "7267000000000000001"},
       {"call_leg_id", "leg-" + tag},
       {"call_session_id", "session-" + tag},
       {"client_state", "aGF2ZSBhIG5pY2UgZGF5ID1d"}});
  return {{"data",
           {{"record_type", "event"},
            {"event_type", type},
            {"id", id},
            {"occurred_at", format_iso8601(t)},
            {"payload", std::move(payload)}}},
          {"meta", {{"attempt", 1}, {"delivered_to", "https://callgate.example.com/webhooks"}}}};
}

json telnyx_body(const RequestSpec& spec, std::size_t call, std::size_t phase, TimePoint t) {
  static const char* types[] = {"call.initiated", "call.answered", "call.hangup"};
  const auto tag = spec.run_id + "-" + std::to_string(call);
  json payload = {{"from", number_for(call)},
                  {"to", "+35319605860"},
                  {"direction", "incoming"},
                  {"state", phase == 0   ? "parked"
                            : phase == 1 ? "answered"
                                         : "hangup"},
                  {"custom_headers", json::array()}};
  const json headers = sip_headers(tag, call);
  for (const auto& [name, value] : headers.items()) {
    payload["custom_headers"].push_back({{"name", name}, {"value", value}});
  }
  if (phase >= 1) payload["start_time"] = format_iso8601(t - 10s * phase);
  if (phase == 2) {
    payload["end_time"] = format_iso8601(t);
    payload["hangup_cause"] = "normal_clearing";
    payload["hangup_source"] = "caller";
  }
  return telnyx_event(types[phase], "evt-" + tag + "-" + std::to_string(phase), tag, t,
                      std::move(payload));
}

// A Telnyx live transcription event (the documented shape): the call's phase-th utterance, the
// two sides taking turns. Each one adds a segment: the transcript's created, then its updates.
json telnyx_transcription_body(const RequestSpec& spec, std::size_t call, std::size_t phase,
                               TimePoint t) {
  static const char* lines[] = {
      "Hello, thank you for calling, this is Dana speaking, how can I help you today?",
      "Hi Dana, I ordered a replacement part last week and it has not arrived yet.",
      "I am sorry to hear that, let me look the order up for you right away."};
  const auto tag = spec.run_id + "-" + std::to_string(call);
  json payload = {{"transcription_data",
                   {{"confidence", 0.977219},
                    {"is_final", true},
                    {"transcript", lines[phase % 3]},
                    {"transcription_track", phase % 2 == 0 ? "outbound" : "inbound"}}}};
  return telnyx_event("call.transcription", "tr-" + tag + "-" + std::to_string(phase), tag, t,
                      std::move(payload));
}

json webex_body(const RequestSpec& spec, std::size_t call, std::size_t phase, TimePoint t,
                TimePoint start) {
  static const char* types[] = {"received", "answered", "disconnected"};
  static const char* states[] = {"alerting", "connected", "disconnected"};
  const auto tag = spec.run_id + "-" + std::to_string(call);
  json data = {{"eventType", types[phase]},
               {"eventTimestamp", format_iso8601(t)},
               {"callId", "Y2lzY29zcGFyazovL3VzL0NBTEwvY2FsbGhhbGYtYmVuY2gt" + tag},
               {"callSessionId", "YmVuY2gtc2Vzc2lvbi0" + tag},
               {"personality", "terminator"},
               {"state", states[phase]},
               {"muteCapable", phase == 1},
               {"muted", false},
               {"remoteParty",
                {{"name", "Caller " + std::to_string(call)},
                 {"number", number_for(call)},
                 {"privacyEnabled", false},
                 {"callType", "external"}}},
               {"appearance", 1},
               {"created", format_iso8601(start)},
               {"redirections", json::array({{{"reason", "callQueue"},
                                              {"redirectingParty",
                                               {{"name", "CQX Q1"},
                                                {"number", "+12895133479"},
                                                {"privacyEnabled", false},
                                                {"callType", "location"}}}}})},
               {"completedElsewhere", false}};
  if (phase >= 1) data["answered"] = format_iso8601(start + 2s);
  if (phase == 2) data["disconnected"] = format_iso8601(t);
  const std::string org =
      "Y2lzY29zcGFyazovL3VzL09SR0FOSVpBVElPTi8xNzExMTdkNi04YjgyLTQ0Y2EtOThlOS1hYzExNTdmMmNkMWQ";
  const std::string person =
      "Y2lzY29zcGFyazovL3VzL1BFT1BMRS84OWYwOGUyYi02MDM4LTQ3MmMtYjcyYy0zNjQyNjIwMThjNjE";
  return {
      {"id", "Y2lzY29zcGFyazovL3VzL1dFQkhPT0svN2QyMTBjMjUtYWJmZi00MjAxLWE0OGMtMjI3ZDRkNWY3OTI1"},
      {"name", "WebexSAPROD"},
      {"targetUrl", "https://callgate.example.com/webhooks/webex"},
      {"resource", "telephony_calls"},
      {"event", "updated"},
      {"orgId", org},
      {"createdBy", person},
      {"appId",
       "Y2lzY29zcGFyazovL3VzL0FQUExJQ0FUSU9OL0MzZjU0MjYwYTQyMjhjY2NlNWY4YjM3NDVlYjYzMDA0MDYzYjVl"
       "ZTgzOWRlNDE4YjMyOGFkMGMxZTA5MjAzYzgx"},
      {"ownedBy", "creator"},
      {"status", "active"},
      {"created", "2025-06-30T20:13:25.614Z"},
      {"actorId", person},
      {"data", data}};
}

// A Zoom Phone callee event, with the same SIP headers as the voip body so that both weigh about
// the same: the definition-driven row is compared with the built-in one on equal bodies.
json zoom_body(const RequestSpec& spec, std::size_t call, std::size_t phase, TimePoint t,
               TimePoint start) {
  static const char* types[] = {"phone.callee_ringing", "phone.callee_answered",
                                "phone.callee_ended"};
  const auto tag = spec.run_id + "-" + std::to_string(call);
  json object = {
      {"call_id", "zoom-" + tag},
      {"caller", {{"phone_number", number_for(call)}}},
      {"callee", {{"phone_number", "+15559990000"}, {"user_id", "DnEopNmXQEGU2uvvzjgojw"}}},
      {"ringing_start_time", format_iso8601(start)},
      {"sip_headers", sip_headers(tag, call)}};
  if (phase >= 1) object["answer_start_time"] = format_iso8601(start + 2s);
  if (phase == 2) {
    object["call_end_time"] = format_iso8601(t);
    object["handup_result"] = "Call connected";
  }
  return {{"event", types[phase]}, {"event_ts", to_unix_ms(t)}, {"payload", {{"object", object}}}};
}

// A RingCentral telephony session notification: the outside party and the extension's, each with
// the same SIP headers as the voip body (RingCentral's sipData), so the body weighs about the
// same and the definition iterates two items, keeping one.
json ringcentral_body(const RequestSpec& spec, std::size_t call, std::size_t phase, TimePoint t) {
  static const char* codes[] = {"Proceeding", "Answered", "Disconnected"};
  const auto tag = spec.run_id + "-" + std::to_string(call);
  auto party = [&](const std::string& id, bool extension) {
    json p = {{"id", id},
              {"direction", "Inbound"},
              {"from", {{"phoneNumber", number_for(call)}}},
              {"to", {{"phoneNumber", "+15559990000"}}},
              {"status", {{"code", codes[phase]}}}};
    if (extension) {
      p["extensionId"] = "400";
      p["sipData"] = sip_headers(tag, call);
    }
    return p;
  };
  return {{"uuid", "rc-" + tag + "-" + std::to_string(phase)},
          {"event", "/restapi/v1.0/account/~/telephony/sessions"},
          {"body",
           {{"telephonySessionId", "s-" + tag},
            {"eventTime", format_iso8601(t)},
            {"parties", {party("p-out", false), party("p-ext", true)}}}}};
}

std::string serialize(const RequestSpec& spec, const std::string& body,
                      const http::fields& signature) {
  http::request<http::string_body> req{http::verb::post, spec.path, 11};
  req.set(http::field::host, spec.host);
  req.set(http::field::content_type, "application/json");
  for (const auto& field : signature) req.set(field.name_string(), field.value());
  req.body() = body;
  req.keep_alive(true);
  req.prepare_payload();
  std::ostringstream out;
  out << req;
  return out.str();
}

testing::TelnyxKeys keys_from_seed(const std::string& seed_hex) {
  testing::TelnyxKeys keys;
  unsigned char seed[crypto_sign_SEEDBYTES];
  std::size_t seed_len = 0;
  if (sodium_hex2bin(seed, sizeof seed, seed_hex.data(), seed_hex.size(), nullptr, &seed_len,
                     nullptr) != 0 ||
      seed_len != sizeof seed) {
    throw std::invalid_argument("telnyx seed must be 64 hex digits");
  }
  crypto_sign_seed_keypair(reinterpret_cast<unsigned char*>(keys.public_key.data()),
                           reinterpret_cast<unsigned char*>(keys.secret_key.data()), seed);
  return keys;
}

}  // namespace

std::string telnyx_public_key(const std::string& seed_hex) {
  return keys_from_seed(seed_hex).public_key_base64();
}

std::vector<std::string> make_requests(const RequestSpec& spec, TimePoint now) {
  const auto keys = spec.provider.starts_with("telnyx") ? keys_from_seed(spec.telnyx_seed)
                                                        : testing::TelnyxKeys{};
  const std::size_t phases = std::min<std::size_t>(spec.events_per_call, 3);
  const std::size_t live = std::max<std::size_t>(spec.live, 1);
  std::vector<std::string> out;
  out.reserve(spec.calls * phases);

  auto emit = [&](std::size_t index, std::size_t phase) {
    const std::size_t call = spec.first_call + index;
    // Provider times lie in the recent past and move forward with the call's phase.
    const TimePoint start = now - std::chrono::minutes(10) + std::chrono::milliseconds(index);
    const TimePoint t = start + std::chrono::seconds(30) * phase;
    std::string body;
    http::fields signature;
    if (spec.provider == "voip") {
      body = voip_body(spec, call, phase, t).dump();
      const auto id =
          "msg_" + spec.run_id + "_" + std::to_string(call) + "_" + std::to_string(phase);
      signature = testing::standard_webhooks_headers(spec.whsec, id, body, now);
    } else if (spec.provider == "webex") {
      body = webex_body(spec, call, phase, t, start).dump();
      signature = testing::webex_headers(spec.webex_secret, body);
    } else if (spec.provider == "zoom") {
      body = zoom_body(spec, call, phase, t, start).dump();
      signature = testing::zoom_headers(spec.zoom_secret, body, now);
    } else if (spec.provider == "ringcentral") {
      body = ringcentral_body(spec, call, phase, t).dump();
      signature.set("Verification-Token", spec.rc_token);
    } else if (spec.provider == "telnyx") {
      body = telnyx_body(spec, call, phase, t).dump();
      signature = keys.sign(body, now);
    } else if (spec.provider == "telnyx-transcript") {
      body = telnyx_transcription_body(spec, call, phase, t).dump();
      signature = keys.sign(body, now);
    } else {
      throw std::invalid_argument("unknown provider " + spec.provider);
    }
    out.push_back(serialize(spec, body, signature));
  };

  // Round r starts call r and moves the calls started `live` and 2*`live` rounds ago on.
  for (std::size_t round = 0; round < spec.calls + (phases - 1) * live; ++round) {
    for (std::size_t phase = spec.first_event; phase < phases; ++phase) {
      const std::size_t lag = phase * live;
      if (round >= lag && round - lag < spec.calls) emit(round - lag, phase);
    }
  }
  return out;
}

}  // namespace callgate::bench
