// Generic PBX webhooks shaped like VoipWebhookRequest: event, direction, disposition, srcPhone,
// srcPhoneExt, dstPhone, dstPhoneExt, optional callId. Enum values by name, case-insensitively.
#include <algorithm>
#include <callgate/adapters/json_fields.hpp>
#include <callgate/adapters/voip/voip.hpp>
#include <cctype>

namespace callgate::adapters::voip {
namespace {

/** Without a callId, a time or a webhook-id, two calls between the same numbers send identical
 * bodies; an identical body is then taken as a redelivery only within this window. */
constexpr std::chrono::seconds kAnonymousRedeliveryWindow{60};

using core::Direction;
using core::Phase;
using nlohmann::json;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

/** Optional event time: ISO 8601 text, or Unix seconds / milliseconds as a number. */
std::optional<TimePoint> body_time(const json& j) {
  for (const char* key : {"timestamp", "eventTime"}) {
    if (auto t = iso_time(j, key)) return t;
    auto it = j.find(key);
    if (it != j.end() && it->is_number_integer()) {
      const auto v = it->get<std::int64_t>();
      return from_unix_ms(v > 100'000'000'000 ? v : v * 1000);
    }
  }
  return std::nullopt;
}

std::string recording_url(const json& j) {
  for (const char* key : {"recordingUrl", "recording_url", "recordUrl"})
    if (auto u = str(j, key); !u.empty()) return u;
  return {};
}

}  // namespace

result<Parsed> parse(const Request& r, const SourceSettings& settings) {
  const auto& body = r.json();
  if (!body) return body.error();
  const json& j = *body;
  if (!j.is_object() || !j.contains("event") || !j["event"].is_string())
    return make_error_code(errc::not_an_event);

  Parsed out;
  const auto event = lower(str(j, "event"));
  out.event_type = "voip." + str(j, "event");
  core::Observation o;
  if (event == "notifystart")
    o.phase = Phase::ringing;
  else if (event == "notifyanswer")
    o.phase = Phase::answered;
  else if (event == "notifyend")
    o.phase = Phase::ended;
  else
    return out;  // an event this adapter does not know: accepted, changes nothing

  o.source = settings.name;
  o.event_type = str(j, "event");
  const auto said_time = body_time(j);
  o.event_time = said_time.value_or(r.received_at);
  if (auto id = r.headers.find("webhook-id"); id != r.headers.end())
    o.dedup_key = "voip:" + std::string(id->value());
  else if (auto svix = r.headers.find("svix-id"); svix != r.headers.end())
    o.dedup_key = "voip:" + std::string(svix->value());

  const auto src = str(j, "srcPhone");
  const auto src_ext = str(j, "srcPhoneExt");
  const auto dst = str(j, "dstPhone");
  const auto dst_ext = str(j, "dstPhoneExt");
  if (src.empty()) o.warnings.push_back("voip: srcPhone missing");
  if (dst.empty()) o.warnings.push_back("voip: dstPhone missing");

  const auto direction = lower(str(j, "direction"));
  if (direction == "in") {
    o.direction = Direction::inbound;
    o.external_number = src;
    o.internal_number = dst;
    if (!src_ext.empty()) o.users.push_back({"user", src_ext});
  } else if (direction == "out") {
    o.direction = Direction::outbound;
    o.internal_number = src;
    o.external_number = dst;
    if (!dst_ext.empty()) o.users.push_back({"user", dst_ext});
  } else if (direction == "internal") {
    // The unified model has no "internal": the operator who dialled placed an outbound call.
    o.direction = Direction::outbound;
    o.internal_number = src;
    for (const auto& n : {src, dst})
      if (!n.empty()) o.users.push_back({"user", n});
    o.warnings.push_back("voip: internal call reported as outbound");
  } else {
    o.warnings.push_back("voip: unknown direction '" + str(j, "direction") +
                         "' treated as Unknown");
  }

  const auto disposition = lower(str(j, "disposition"));
  if (disposition.empty())
    o.warnings.push_back("voip: disposition missing; treated as Unknown");
  else if (disposition == "answered")
    o.answered = true;
  else if (disposition == "voicemail")
    o.voicemail = true;
  else if (disposition != "unknown" && disposition != "busy" && disposition != "noanswer" &&
           disposition != "failed" && disposition != "cancelled")
    o.warnings.push_back("voip: unknown disposition '" + str(j, "disposition") +
                         "' treated as Unknown");

  if (o.phase == Phase::ringing) o.started_at = o.event_time;
  if (o.phase == Phase::answered) {
    o.answered = true;
    o.answered_at = o.event_time;
  }
  if (o.phase == Phase::ended) o.ended_at = o.event_time;
  o.recording_url = recording_url(j);

  o.call_key = str(j, "callId");
  if (o.call_key.empty()) {
    // The seed's matching tuple; the store finds the newest live call with the same one.
    o.match_key = direction + "|" + src + "|" + src_ext + "|" + dst + "|" + dst_ext;
    if (!said_time && o.dedup_key.empty()) o.dedup_window = kAnonymousRedeliveryWindow;
  }
  if (settings.include_raw) o.raw = j;
  out.observations.push_back(std::move(o));
  return out;
}

}  // namespace callgate::adapters::voip
