#include <algorithm>
#include <callgate/time.hpp>
#include <integration/platforms.hpp>
#include <support/definition_signing.hpp>

namespace callgate::testing {

using boost::beast::http::fields;
using boost::beast::http::verb;
using nlohmann::json;

std::string iso(std::int64_t t) { return format_iso8601(from_unix_ms(t * 1000)); }
namespace {

/** "2026-03-02 10:00:47" as Plivo writes times (the account's time zone, UTC here). */
std::string plain(std::int64_t t) {
  auto s = iso(t);
  return s.substr(0, 10) + " " + s.substr(11, 8);
}

// --- Aircall: the webhook's token in the body ---
const std::string kAircallToken = "aircall-webhook-token";

PlatformRequest aircall(const std::string& token, const std::string& event, const std::string& id,
                        std::int64_t at, bool answered, bool ended) {
  json body = {{"resource", "call"},
               {"event", event},
               {"timestamp", at},
               {"token", token},
               {"data",
                {{"id", std::stoll(id)},
                 {"direction", "inbound"},
                 {"status", ended      ? "done"
                            : answered ? "answered"
                                       : "initial"},
                 {"started_at", kT0},
                 {"answered_at", answered ? json(kT1) : json(nullptr)},
                 {"ended_at", ended ? json(kT2) : json(nullptr)},
                 {"raw_digits", kExternal},
                 {"number", {{"id", 1234}, {"digits", kInternal}}},
                 {"user", answered ? json{{"id", 456}, {"name", "Agent"}} : json(nullptr)},
                 {"contact", {{"id", 789}, {"first_name", "Ada"}}}}}};
  if (token.empty()) body.erase("token");
  fields h;
  h.set(boost::beast::http::field::content_type, "application/json");
  return {"/webhooks/aircall", body.dump(), h};
}

Platform aircall_platform() {
  Platform p;
  p.source = "  aircall:\n    provider: aircall\n    token: " + kAircallToken + "\n";
  p.contact = "789";
  p.answered = [](const std::string& id) {
    return std::vector<PlatformRequest>{
        aircall(kAircallToken, "call.created", id, kT0, false, false),
        aircall(kAircallToken, "call.answered", id, kT1, true, false),
        aircall(kAircallToken, "call.hungup", id, kT2, true, true)};
  };
  p.missed = [](const std::string& id) {
    return std::vector<PlatformRequest>{
        aircall(kAircallToken, "call.created", id, kT0, false, false),
        aircall(kAircallToken, "call.hungup", id, kT2, false, true)};
  };
  auto retoken = [](PlatformRequest r, const std::string& token) {
    auto body = json::parse(r.body);
    if (token.empty())
      body.erase("token");
    else
      body["token"] = token;
    r.body = body.dump();
    return r;
  };
  p.unsigned_copy = [=](PlatformRequest r) { return retoken(std::move(r), ""); };
  p.wrong_secret = [=](PlatformRequest r) { return retoken(std::move(r), "another-token"); };
  p.tampered = [](const PlatformRequest&) {
    return std::nullopt;
  };  // nothing is signed: nothing to detect
  return p;
}

// --- RingCentral: telephony session notifications, one body for every party ---
int rc_sequence = 0;

PlatformRequest ringcentral(const std::string& session, const std::string& code, std::int64_t at) {
  auto party = [&](const std::string& id, bool extension) {
    json p = {{"id", id},
              {"direction", "Inbound"},
              {"from", {{"phoneNumber", kExternal}, {"name", "Caller"}}},
              {"to", {{"phoneNumber", kInternal}, {"name", "Agent"}}},
              {"status", {{"code", code}, {"rcc", false}}},
              {"missedCall", false},
              {"standAlone", false},
              {"muted", false}};
    if (extension) p["extensionId"] = "400", p["accountId"] = "100";
    return p;
  };
  ++rc_sequence;
  json body = {{"uuid", "uuid-" + session + "-" + std::to_string(rc_sequence)},
               {"event", "/restapi/v1.0/account/100/telephony/sessions"},
               {"timestamp", iso(at)},
               {"subscriptionId", "sub-1"},
               {"ownerId", "100"},
               {"body",
                {{"sequence", rc_sequence},
                 {"sessionId", "legacy-" + session},
                 {"telephonySessionId", session},
                 {"serverId", "10.13.121.181.TAM"},
                 {"eventTime", iso(at)},
                 {"parties", {party("p-outside", false), party("p-agent", true)}}}}};
  fields h;
  h.set("Verification-Token", kRcToken);
  h.set(boost::beast::http::field::content_type, "application/json");
  return {"/webhooks/ringcentral", body.dump(), h};
}

Platform ringcentral_platform() {
  Platform p;
  p.source =
      "  ringcentral:\n    provider: ringcentral\n    verification_token: " + kRcToken + "\n";
  p.answered = [](const std::string& id) {
    return std::vector<PlatformRequest>{ringcentral(id, "Proceeding", kT0),
                                        ringcentral(id, "Answered", kT1),
                                        ringcentral(id, "Disconnected", kT2)};
  };
  p.missed = [](const std::string& id) {
    return std::vector<PlatformRequest>{ringcentral(id, "Setup", kT0),
                                        ringcentral(id, "Proceeding", kT0),
                                        ringcentral(id, "Disconnected", kT2)};
  };
  p.unsigned_copy = [](PlatformRequest r) {
    r.headers.erase("Verification-Token");
    return r;
  };
  p.wrong_secret = [](PlatformRequest r) {
    r.headers.set("Verification-Token", "another-token");
    return r;
  };
  p.tampered = [](const PlatformRequest&) { return std::nullopt; };  // a static token signs nothing
  return p;
}

// --- Plivo: form callbacks signed V3 over the URL, the sorted params and a nonce ---
const std::string kPlivoToken = "Y2Q2ZDgxZmY5YWRiOTI5YmQ1Njg0MTAxZWIy";
const std::string kPlivoUrl = "https://hooks.example.com/webhooks/plivo";

PlatformRequest plivo_signed(const FormParams& params, const std::string& token,
                             const std::string& query, bool get) {
  const auto nonce = "4142434445" + std::to_string(params.size());
  const auto url = kPlivoUrl + (query.empty() ? "" : "?" + query);
  fields h;
  h.set("X-Plivo-Signature-V3",
        plivo_v3_signature(token, url, get ? FormParams{} : params, nonce, get));
  h.set("X-Plivo-Signature-V3-Nonce", nonce);
  if (get) return {"/webhooks/plivo?" + query, "", h, verb::get};
  h.set(boost::beast::http::field::content_type, "application/x-www-form-urlencoded");
  return {"/webhooks/plivo" + (query.empty() ? "" : "?" + query), form_body(params), h};
}

FormParams plivo_params(const std::string& id, const std::string& status) {
  FormParams p = {{"CallUUID", id},
                  {"Direction", "inbound"},
                  {"From", kExternal.substr(1)},
                  {"To", kInternal.substr(1)},
                  {"CallStatus", status},
                  {"SessionStart", plain(kT0) + ".238707"},
                  {"StartTime", plain(kT0)}};
  if (status == "in-progress") p.emplace_back("AnswerTime", plain(kT1));
  if (status == "completed") {
    p.emplace_back("AnswerTime", plain(kT1));
    p.emplace_back("EndTime", plain(kT2));
    p.emplace_back("Duration", "42");
    p.emplace_back("BillDuration", "60");
    p.emplace_back("HangupCause", "NORMAL_CLEARING");
  }
  if (status == "no-answer") {
    p.emplace_back("EndTime", plain(kT2));
    p.emplace_back("Duration", "0");
  }
  return p;
}

Platform plivo_platform() {
  Platform p;
  p.source = "  plivo:\n    provider: plivo\n    auth_token: " + kPlivoToken +
             "\n    public_url: " + kPlivoUrl + "\n    timezone: UTC\n";
  p.answered = [](const std::string& id) {
    // The ring callback comes as a GET (its query is the form), the answer with a query string.
    FormParams ring = plivo_params(id, "ringing");
    std::string query;
    for (const auto& kv : ring) query += (query.empty() ? "" : "&") + form_body({kv});
    return std::vector<PlatformRequest>{
        plivo_signed({}, kPlivoToken, query, true),
        plivo_signed(plivo_params(id, "in-progress"), kPlivoToken, "leg=a", false),
        plivo_signed(plivo_params(id, "completed"), kPlivoToken, "", false)};
  };
  p.missed = [](const std::string& id) {
    return std::vector<PlatformRequest>{
        plivo_signed(plivo_params(id, "ringing"), kPlivoToken, "", false),
        plivo_signed(plivo_params(id, "no-answer"), kPlivoToken, "", false)};
  };
  p.unsigned_copy = [](PlatformRequest r) {
    r.headers.erase("X-Plivo-Signature-V3");
    return r;
  };
  p.wrong_secret = [](const PlatformRequest&) {
    auto params = plivo_params("CA-wrong", "ringing");
    return plivo_signed(params, "another-token", "", false);
  };
  p.tampered = [](PlatformRequest r) -> std::optional<PlatformRequest> {
    if (r.method == verb::get) return std::nullopt;
    r.body.replace(r.body.find("inbound"), 7, "outbound");
    return r;
  };
  return p;
}

// --- Dialpad: the body is a JWT whose claims are the event ---

}  // namespace

json dialpad_claims(const std::string& id, const std::string& state, std::int64_t at) {
  json c = {{"call_id", std::stoll(id)},
            {"state", state},
            {"direction", "inbound"},
            {"external_number", kExternal},
            {"internal_number", kInternal},
            {"date_started", kT0 * 1000},
            {"event_timestamp", at * 1000},
            {"target", {{"id", 5001}, {"type", "user"}, {"name", "Agent"}}},
            {"contact", {{"id", "c-9"}, {"phone", kExternal}, {"type", "local"}}}};
  if (state == "connected" || state == "hangup") c["date_connected"] = kT1 * 1000;
  if (state == "hangup") c["date_ended"] = kT2 * 1000, c["duration"] = 42000;
  if (state == "missed") c["date_ended"] = kT2 * 1000, c["duration"] = 0;
  return c;
}

namespace {

PlatformRequest dialpad(const json& claims, const std::string& secret) {
  fields h;
  h.set(boost::beast::http::field::content_type, "application/jwt");
  return {"/webhooks/dialpad", hs256_jwt(secret, claims.dump()), h};
}

Platform dialpad_platform() {
  Platform p;
  p.source = "  dialpad:\n    provider: dialpad\n    secret: " + kDialpadSecret + "\n";
  p.contact = "c-9";
  p.answered = [](const std::string& id) {
    return std::vector<PlatformRequest>{
        dialpad(dialpad_claims(id, "ringing", kT0), kDialpadSecret),
        dialpad(dialpad_claims(id, "connected", kT1), kDialpadSecret),
        dialpad(dialpad_claims(id, "hangup", kT2), kDialpadSecret)};
  };
  p.missed = [](const std::string& id) {
    return std::vector<PlatformRequest>{dialpad(dialpad_claims(id, "calling", kT0), kDialpadSecret),
                                        dialpad(dialpad_claims(id, "missed", kT2), kDialpadSecret)};
  };
  p.unsigned_copy =
      [](PlatformRequest r) {  // the plain JSON event, as Dialpad sends it without a secret
        r.body = dialpad_claims("77", "ringing", kT0).dump();
        return r;
      };
  p.wrong_secret = [](const PlatformRequest&) {
    return dialpad(dialpad_claims("77", "ringing", kT0), "another-secret");
  };
  p.tampered = [](PlatformRequest r) -> std::optional<PlatformRequest> {
    // Another event's claims under this token's signature.
    const auto other = hs256_jwt("x", dialpad_claims("78", "hangup", kT2).dump());
    const auto a = r.body.find('.'), b = r.body.rfind('.');
    const auto oa = other.find('.'), ob = other.rfind('.');
    r.body = r.body.substr(0, a) + other.substr(oa, ob - oa) + r.body.substr(b);
    return r;
  };
  return p;
}

// --- Bandwidth: JSON callbacks with HTTP Basic ---
const std::string kBwUser = "bw-callbacks";
const std::string kBwPassword = "bw-callback-password";

PlatformRequest bandwidth(const std::string& id, const std::string& type,
                          const std::string& password) {
  json body = {{"eventType", type},
               {"accountId", "9900000"},
               {"applicationId", "04e88489-df02-4e34-a0ee-27a91849555f"},
               {"from", kExternal},
               {"to", kInternal},
               {"direction", "inbound"},
               {"callId", id},
               {"callUrl", "https://voice.bandwidth.com/api/v2/accounts/9900000/calls/" + id},
               {"startTime", iso(kT0)}};
  if (type == "initiate") body["eventTime"] = iso(kT0);
  if (type == "answer") body["eventTime"] = iso(kT1), body["answerTime"] = iso(kT1);
  if (type == "disconnect") {
    // Some documented samples write times without a zone: read in UTC, never the receive time.
    body["eventTime"] = iso(kT2).substr(0, 23);
    body["endTime"] = iso(kT2);
    body["cause"] = "hangup";
    if (id.find("missed") == std::string::npos)
      body["answerTime"] = iso(kT1);
    else
      body["cause"] = "timeout";
  }
  return {"/webhooks/bandwidth", body.dump(), basic_headers(kBwUser, password)};
}

Platform bandwidth_platform() {
  Platform p;
  p.source = "  bandwidth:\n    provider: bandwidth\n    username: " + kBwUser +
             "\n    password: " + kBwPassword + "\n";
  p.answered = [](const std::string& id) {
    return std::vector<PlatformRequest>{bandwidth(id, "initiate", kBwPassword),
                                        bandwidth(id, "answer", kBwPassword),
                                        bandwidth(id, "disconnect", kBwPassword)};
  };
  p.missed = [](const std::string& id) {
    return std::vector<PlatformRequest>{bandwidth(id + "-missed", "initiate", kBwPassword),
                                        bandwidth(id + "-missed", "disconnect", kBwPassword)};
  };
  p.unsigned_copy = [](PlatformRequest r) {
    r.headers.erase(boost::beast::http::field::authorization);
    return r;
  };
  p.wrong_secret = [](PlatformRequest r) {
    r.headers = basic_headers(kBwUser, "another-password");
    return r;
  };
  p.tampered = [](const PlatformRequest&) { return std::nullopt; };  // Basic signs nothing
  return p;
}

}  // namespace

std::vector<Platform> platforms() {
  return {aircall_platform(), ringcentral_platform(), plivo_platform(), dialpad_platform(),
          bandwidth_platform()};
}

}  // namespace callgate::testing
