// The five platforms bundled as definitions in the second generation (Aircall, RingCentral,
// Plivo, Dialpad, Bandwidth), through the real binary, each configured exactly as
// docs/providers.md says, with the platforms' documented payload shapes: a whole call in order,
// the same call shuffled with one event twice, a missed call, forged requests, handshakes.
#include <algorithm>
#include <functional>
#include <integration/gateway.hpp>
#include <set>
#include <support/definition_signing.hpp>

namespace callgate::testing {
namespace {

using boost::beast::http::fields;
using boost::beast::http::verb;
using nlohmann::json;

constexpr std::int64_t kT0 = 1772445600;  // 2026-03-02T10:00:00Z: rings
constexpr std::int64_t kT1 = kT0 + 5;     // answered
constexpr std::int64_t kT2 = kT0 + 47;    // ended: 42 s of talk
const std::string kExternal = "+14155550100";
const std::string kInternal = "+16505550101";

/** One request as a platform sends it. */
struct Request {
  std::string target;
  std::string body;
  fields headers;
  verb method = verb::post;
};

/** How a platform sends the events of one call, and how a forger would. */
struct Platform {
  std::string source;                                                   ///< its YAML under sources:
  std::function<std::vector<Request>(const std::string& id)> answered;  ///< ring, answer, end
  std::function<std::vector<Request>(const std::string& id)> missed;    ///< ring, end
  std::function<Request(Request)> unsigned_copy;            ///< the same request without its proof
  std::function<Request(Request)> wrong_secret;             ///< signed with another secret
  std::function<std::optional<Request>(Request)> tampered;  ///< the body changed after signing
};

std::string iso(std::int64_t t) { return format_iso8601(from_unix_ms(t * 1000)); }
/** "2026-03-02 10:00:47" as Plivo writes times (the account's time zone, UTC here). */
std::string plain(std::int64_t t) {
  auto s = iso(t);
  return s.substr(0, 10) + " " + s.substr(11, 8);
}

// --- Aircall: the webhook's token in the body ---
const std::string kAircallToken = "aircall-webhook-token";

Request aircall(const std::string& token, const std::string& event, const std::string& id,
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
                 {"user", answered ? json{{"id", 456}, {"name", "Agent"}} : json(nullptr)}}}};
  if (token.empty()) body.erase("token");
  fields h;
  h.set(boost::beast::http::field::content_type, "application/json");
  return {"/webhooks/aircall", body.dump(), h};
}

Platform aircall_platform() {
  Platform p;
  p.source = "  aircall:\n    provider: aircall\n    token: " + kAircallToken + "\n";
  p.answered = [](const std::string& id) {
    return std::vector<Request>{aircall(kAircallToken, "call.created", id, kT0, false, false),
                                aircall(kAircallToken, "call.answered", id, kT1, true, false),
                                aircall(kAircallToken, "call.hungup", id, kT2, true, true)};
  };
  p.missed = [](const std::string& id) {
    return std::vector<Request>{aircall(kAircallToken, "call.created", id, kT0, false, false),
                                aircall(kAircallToken, "call.hungup", id, kT2, false, true)};
  };
  auto retoken = [](Request r, const std::string& token) {
    auto body = json::parse(r.body);
    if (token.empty())
      body.erase("token");
    else
      body["token"] = token;
    r.body = body.dump();
    return r;
  };
  p.unsigned_copy = [=](Request r) { return retoken(std::move(r), ""); };
  p.wrong_secret = [=](Request r) { return retoken(std::move(r), "another-token"); };
  p.tampered = [](Request) { return std::nullopt; };  // nothing is signed: nothing to detect
  return p;
}

// --- RingCentral: telephony session notifications, one body for every party ---
const std::string kRcToken = "rc-verification-token";
int rc_sequence = 0;

Request ringcentral(const std::string& session, const std::string& code, std::int64_t at) {
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
    return std::vector<Request>{ringcentral(id, "Proceeding", kT0),
                                ringcentral(id, "Answered", kT1),
                                ringcentral(id, "Disconnected", kT2)};
  };
  p.missed = [](const std::string& id) {
    return std::vector<Request>{ringcentral(id, "Setup", kT0), ringcentral(id, "Proceeding", kT0),
                                ringcentral(id, "Disconnected", kT2)};
  };
  p.unsigned_copy = [](Request r) {
    r.headers.erase("Verification-Token");
    return r;
  };
  p.wrong_secret = [](Request r) {
    r.headers.set("Verification-Token", "another-token");
    return r;
  };
  p.tampered = [](Request) { return std::nullopt; };  // a static token signs nothing
  return p;
}

// --- Plivo: form callbacks signed V3 over the URL, the sorted params and a nonce ---
const std::string kPlivoToken = "Y2Q2ZDgxZmY5YWRiOTI5YmQ1Njg0MTAxZWIy";
const std::string kPlivoUrl = "https://hooks.example.com/webhooks/plivo";

Request plivo_signed(const FormParams& params, const std::string& token, const std::string& query,
                     bool get) {
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
    return std::vector<Request>{
        plivo_signed({}, kPlivoToken, query, true),
        plivo_signed(plivo_params(id, "in-progress"), kPlivoToken, "leg=a", false),
        plivo_signed(plivo_params(id, "completed"), kPlivoToken, "", false)};
  };
  p.missed = [](const std::string& id) {
    return std::vector<Request>{
        plivo_signed(plivo_params(id, "ringing"), kPlivoToken, "", false),
        plivo_signed(plivo_params(id, "no-answer"), kPlivoToken, "", false)};
  };
  p.unsigned_copy = [](Request r) {
    r.headers.erase("X-Plivo-Signature-V3");
    return r;
  };
  p.wrong_secret = [](Request) {
    auto params = plivo_params("CA-wrong", "ringing");
    return plivo_signed(params, "another-token", "", false);
  };
  p.tampered = [](Request r) -> std::optional<Request> {
    if (r.method == verb::get) return std::nullopt;
    r.body.replace(r.body.find("inbound"), 7, "outbound");
    return r;
  };
  return p;
}

// --- Dialpad: the body is a JWT whose claims are the event ---
const std::string kDialpadSecret = "dialpad-webhook-secret";

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

Request dialpad(const json& claims, const std::string& secret) {
  fields h;
  h.set(boost::beast::http::field::content_type, "application/jwt");
  return {"/webhooks/dialpad", hs256_jwt(secret, claims.dump()), h};
}

Platform dialpad_platform() {
  Platform p;
  p.source = "  dialpad:\n    provider: dialpad\n    secret: " + kDialpadSecret + "\n";
  p.answered = [](const std::string& id) {
    return std::vector<Request>{dialpad(dialpad_claims(id, "ringing", kT0), kDialpadSecret),
                                dialpad(dialpad_claims(id, "connected", kT1), kDialpadSecret),
                                dialpad(dialpad_claims(id, "hangup", kT2), kDialpadSecret)};
  };
  p.missed = [](const std::string& id) {
    return std::vector<Request>{dialpad(dialpad_claims(id, "calling", kT0), kDialpadSecret),
                                dialpad(dialpad_claims(id, "missed", kT2), kDialpadSecret)};
  };
  p.unsigned_copy = [](Request r) {  // the plain JSON event, as Dialpad sends it without a secret
    r.body = dialpad_claims("77", "ringing", kT0).dump();
    return r;
  };
  p.wrong_secret = [](Request) {
    return dialpad(dialpad_claims("77", "ringing", kT0), "another-secret");
  };
  p.tampered = [](Request r) -> std::optional<Request> {
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

Request bandwidth(const std::string& id, const std::string& type, const std::string& password) {
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
    return std::vector<Request>{bandwidth(id, "initiate", kBwPassword),
                                bandwidth(id, "answer", kBwPassword),
                                bandwidth(id, "disconnect", kBwPassword)};
  };
  p.missed = [](const std::string& id) {
    return std::vector<Request>{bandwidth(id + "-missed", "initiate", kBwPassword),
                                bandwidth(id + "-missed", "disconnect", kBwPassword)};
  };
  p.unsigned_copy = [](Request r) {
    r.headers.erase(boost::beast::http::field::authorization);
    return r;
  };
  p.wrong_secret = [](Request r) {
    r.headers = basic_headers(kBwUser, "another-password");
    return r;
  };
  p.tampered = [](Request) { return std::nullopt; };  // Basic signs nothing
  return p;
}

std::vector<Platform> platforms() {
  return {aircall_platform(), ringcentral_platform(), plivo_platform(), dialpad_platform(),
          bandwidth_platform()};
}

class Platforms : public Gateway {
 protected:
  void SetUp() override {
    std::string sources;
    for (const auto& p : platforms()) sources += p.source;
    start(config_yaml("sqlite", "", sources));
  }
  HttpResult send(const Request& r) {
    return http_request(port(), r.method, r.target, r.body, r.headers);
  }
  /** Sends requests; each must be answered 200 with the given status. */
  void send_all(const std::vector<Request>& requests, const std::string& status = "accepted") {
    for (const auto& r : requests) {
      const auto res = send(r);
      ASSERT_EQ(res.status, 200) << r.target << " " << r.body << " -> " << res.body;
      EXPECT_EQ(json::parse(res.body).value("status", ""), status) << r.body;
    }
  }
  /** Every event of the calls the sink has seen, by call id, once `n` events are there. */
  std::map<std::string, std::vector<json>> calls(std::size_t n) {
    std::map<std::string, std::vector<json>> out;
    events(n);
    for (const auto& e : events(1000, kQuiet)) out[e["data"]["id"]].push_back(e);
    return out;
  }

  /** The four checks every platform passes. */
  void check(const Platform& p, const std::string& a, const std::string& b,
             const std::string& missed) {
    // 1. A whole call, in order.
    send_all(p.answered(a));
    // 2. The same call under another id, shuffled, with its end sent twice.
    auto shuffled = p.answered(b);
    std::reverse(shuffled.begin(), shuffled.end());
    send_all(shuffled);
    const auto repeat = send(shuffled.front());
    EXPECT_EQ(repeat.status, 200);
    EXPECT_EQ(json::parse(repeat.body).value("status", ""), "duplicate") << repeat.body;
    // 3. A call nobody answered.
    send_all(p.missed(missed));

    const auto by_call = calls(7);
    ASSERT_EQ(by_call.size(), 3u) << "one unified call per platform call, no phantom legs";
    int completed = 0, missed_calls = 0;
    for (const auto& [id, ev] : by_call) {
      const auto created = std::count_if(ev.begin(), ev.end(), [](const json& e) {
        return event_type(e) == "telephonyCall::created";
      });
      const auto deleted = std::count_if(ev.begin(), ev.end(), [](const json& e) {
        return event_type(e) == "telephonyCall::deleted";
      });
      EXPECT_EQ(created, 1) << id;
      EXPECT_EQ(deleted, 1) << id;
      const auto& f = ev.back()["data"]["fields"];
      EXPECT_EQ(f["direction"], "inbound");
      EXPECT_EQ(f["externalNumber"], kExternal);
      EXPECT_EQ(f["internalNumber"], kInternal);
      EXPECT_EQ(f["startedAt"], iso(kT0)) << "from the payload, never the receive time";
      EXPECT_EQ(f["endedAt"], iso(kT2));
      if (f["status"] == "completed") {
        ++completed;
        EXPECT_EQ(f["answeredAt"], iso(kT1));
        EXPECT_EQ(f["duration"], 42);
      } else {
        ++missed_calls;
        EXPECT_EQ(f["status"], "missed");
        EXPECT_TRUE(f["answeredAt"].is_null());
      }
    }
    EXPECT_EQ(completed, 2);
    EXPECT_EQ(missed_calls, 1);

    // 4. Forged requests: no proof, the wrong secret, a changed body where one is signed.
    const auto sample = p.answered("99")[1];
    EXPECT_EQ(send(p.unsigned_copy(sample)).status, 401);
    EXPECT_EQ(send(p.wrong_secret(sample)).status, 401);
    if (auto forged = p.tampered(p.answered("98")[2])) {
      EXPECT_EQ(send(*forged).status, 401);
    }
    EXPECT_EQ(events(1000, kQuiet).size(), events(7).size()) << "a forgery emitted something";
  }
};

TEST_F(Platforms, Aircall) { check(platforms()[0], "812", "813", "814"); }
TEST_F(Platforms, RingCentral) { check(platforms()[1], "s-1", "s-2", "s-3"); }
TEST_F(Platforms, Plivo) { check(platforms()[2], "u-1", "u-2", "u-3"); }
TEST_F(Platforms, Dialpad) { check(platforms()[3], "501", "502", "503"); }
TEST_F(Platforms, Bandwidth) { check(platforms()[4], "c-1", "c-2", "c-3"); }

TEST_F(Platforms, RingCentralSubscribesWithAnEmptyBodyAndTheTokenChecked) {
  fields h;
  h.set("Validation-Token", "wtdwi2y88489yr34iwegsekshwekfhsdfh");
  h.set("Verification-Token", kRcToken);
  const auto res = http_request(port(), verb::post, "/webhooks/ringcentral", "", h);
  EXPECT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(std::string(res.headers["Validation-Token"]), "wtdwi2y88489yr34iwegsekshwekfhsdfh");
  EXPECT_LE(res.body.size(), 1024u);
  h.set("Verification-Token", "another-token");
  EXPECT_EQ(http_request(port(), verb::post, "/webhooks/ringcentral", "", h).status, 401);
  EXPECT_EQ(events(1, kQuiet).size(), 0u) << "a handshake is answered, not stored";
}

TEST_F(Platforms, PlivoRefusesOtherMethodsAndDialpadRefusesAlgNone) {
  EXPECT_EQ(http_request(port(), verb::put, "/webhooks/plivo", "", {}).status, 405);
  EXPECT_EQ(http_request(port(), verb::get, "/webhooks/dialpad", "", {}).status, 405);
  // {"alg":"none"} with the claims of a real event and no signature.
  const auto signed_token = hs256_jwt(kDialpadSecret, dialpad_claims("600", "ringing", kT0).dump());
  const auto claims = signed_token.substr(signed_token.find('.') + 1,
                                          signed_token.rfind('.') - signed_token.find('.') - 1);
  fields h;
  h.set(boost::beast::http::field::content_type, "application/jwt");
  EXPECT_EQ(post(port(), "/webhooks/dialpad", "eyJhbGciOiJub25lIn0." + claims + ".", h).status,
            401);
}

}  // namespace
}  // namespace callgate::testing
