// Transcripts through the real binary: Twilio's real-time transcription shuffled, duplicated and
// interim; Telnyx text after the hangup; a Zoom voicemail's text; the admin API's view; and the
// transcript's events delivered signed to a receiver, as the call's are.
#include <algorithm>
#include <callgate/verify/standard_webhooks.hpp>
#include <integration/gateway.hpp>
#include <random>
#include <set>
#include <support/definition_signing.hpp>
#include <support/receiver.hpp>

namespace callgate::testing {
namespace {

using nlohmann::json;

const std::string kDownstream = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const std::string kAdminToken = "admin-test-token";

class Transcripts : public Gateway {
 protected:
  void SetUp() override {
    start(config_yaml(
        "sqlite",
        "  - type: http\n    url: " + receiver.url() + "\n    secret: " + kDownstream +
            "\n    retry_base_ms: 20\nadmin:\n  listen: 127.0.0.1:0\n  token: " + kAdminToken +
            "\n",
        "  twilio:\n    provider: twilio\n    auth_token: " + kTwilioToken +
            "\n    public_url: " + kTwilioUrl +
            "\n  zoom:\n    provider: zoom_phone\n    secret_token: " + kZoomSecret + "\n"));
  }

  HttpResult post_twilio(const FormParams& p) {
    return post(port(), "/webhooks/twilio", form_body(p),
                twilio_headers(kTwilioToken, kTwilioUrl, p));
  }
  HttpResult post_zoom(const std::string& body) {
    return post(port(), "/webhooks/zoom", body, zoom_headers(kZoomSecret, body, now()));
  }
  json admin(const std::string& target) {
    boost::beast::http::fields h;
    h.set("Authorization", "Bearer " + kAdminToken);
    const auto r = get(server->admin_port(), target, h);
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body, nullptr, false);
  }
  static std::vector<json> of_model(const std::vector<json>& ev, const std::string& prefix) {
    std::vector<json> out;
    for (const auto& e : ev)
      if (event_type(e).starts_with(prefix)) out.push_back(e);
    return out;
  }
  static std::vector<std::string> texts(const json& transcript_event) {
    std::vector<std::string> out;
    for (const auto& s : transcript_event["data"]["fields"]["segments"]) out.push_back(s["text"]);
    return out;
  }

  Receiver receiver;  // before the gateway: its URL goes into the config
};

// --- Twilio ---

FormParams status(const std::string& sid, const std::string& s, const std::string& at,
                  const std::string& duration = "") {
  FormParams p = {{"CallSid", sid},         {"CallStatus", s},      {"Direction", "inbound"},
                  {"From", "+15005550006"}, {"To", "+14155552671"}, {"Timestamp", at}};
  if (!duration.empty()) p.emplace_back("CallDuration", duration);
  return p;
}

// The i-th utterance of a conversation: the caller (inbound_track) and the agent taking turns,
// one second apart from 10:00:05, numbered by SequenceId across the session.
FormParams utterance(int i, bool final) {
  const bool caller = i % 2 == 0;
  char at[64];
  std::snprintf(at, sizeof at, "2026-03-02T10:00:%02d.%s00000Z", 5 + i, final ? "5" : "2");
  return {{"AccountSid", "AC0"},
          {"CallSid", "CA77"},
          {"TranscriptionSid", "GT77"},
          {"TranscriptionEvent", "transcription-content"},
          {"Timestamp", at},
          {"SequenceId", std::to_string(2 * i + (final ? 2 : 1))},
          {"Track", caller ? "inbound_track" : "outbound_track"},
          {"TranscriptionData", json{{"transcript", (caller ? "caller line " : "agent line ") +
                                                        std::to_string(i) + (final ? "" : " ...")},
                                     {"confidence", 0.9}}
                                    .dump()},
          {"Final", final ? "true" : "false"}};
}

TEST_F(Transcripts, TwilioRealTimeShuffledDuplicatedAndInterimGivesTheInOrderTranscript) {
  ASSERT_EQ(post_twilio(status("CA77", "ringing", "Mon, 02 Mar 2026 10:00:00 +0000")).status, 200);
  ASSERT_EQ(post_twilio(status("CA77", "in-progress", "Mon, 02 Mar 2026 10:00:03 +0000")).status,
            200);
  constexpr int kUtterances = 8;
  std::vector<FormParams> sent;
  for (int i = 0; i < kUtterances; ++i) {
    sent.push_back(utterance(i, false));
    sent.push_back(utterance(i, true));
  }
  sent.push_back(utterance(3, true));  // Twilio sends one again
  std::shuffle(sent.begin(), sent.end(), std::mt19937(26));
  for (const auto& p : sent) ASSERT_EQ(post_twilio(p).status, 200);
  ASSERT_EQ(post_twilio({{"CallSid", "CA77"},
                         {"TranscriptionEvent", "transcription-stopped"},
                         {"Timestamp", "2026-03-02T10:00:20.000000Z"}})
                .status,
            200);
  ASSERT_EQ(
      post_twilio(status("CA77", "completed", "Mon, 02 Mar 2026 10:00:21 +0000", "18")).status,
      200);

  // created, one updated per final utterance after the first, one for the end marker.
  const auto ev = events(4 + kUtterances + 1);
  const auto tr = of_model(ev, "telephonyCallTranscript::");
  ASSERT_EQ(tr.size(), static_cast<std::size_t>(kUtterances + 1));
  EXPECT_EQ(event_type(tr.front()), "telephonyCallTranscript::created");
  for (std::size_t i = 1; i < tr.size(); ++i)
    EXPECT_EQ(event_type(tr[i]), "telephonyCallTranscript::updated");
  std::vector<std::string> in_order;
  for (int i = 0; i < kUtterances; ++i)
    in_order.push_back((i % 2 == 0 ? "caller line " : "agent line ") + std::to_string(i));
  const auto& last = tr.back();
  EXPECT_EQ(texts(last), in_order) << "shuffled, repeated and interim text gives the in-order";
  EXPECT_TRUE(last["data"]["complete"]);
  const auto& f = last["data"]["fields"];
  EXPECT_EQ(f["segments"][0]["start"], 5.5) << "from the call's start (ringing at 10:00:00)";
  EXPECT_EQ(f["segments"][0]["speakerId"], "inbound_track");
  EXPECT_EQ(f["speakers"], json::parse(R"([{"id":"inbound_track","origin":"external"},
                                           {"id":"outbound_track","origin":"internal"}])"));
  const auto call_id = f["call"]["id"].get<std::string>();
  EXPECT_EQ(last["data"]["id"], "transcript_" + call_id.substr(5));

  // The call: created, answered, updated once when its transcript was first set, then deleted.
  const auto calls = of_model(ev, "telephonyCall::");
  ASSERT_FALSE(calls.empty());
  EXPECT_EQ(calls.back()["event"], "telephonyCall::deleted");
  EXPECT_EQ(calls.back()["data"]["fields"]["transcript"]["id"], last["data"]["id"]);
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_TRUE(calls[1]["data"]["fields"]["transcript"].is_null());
  EXPECT_EQ(calls[2]["event"], "telephonyCall::updated");
  EXPECT_EQ(calls[2]["data"]["fields"]["transcript"]["id"], last["data"]["id"]);

  // The admin API shows it with the call.
  const auto view = admin("/admin/calls/" + call_id);
  EXPECT_EQ(view["transcript"]["id"], last["data"]["id"]);
  EXPECT_EQ(view["transcript"]["complete"], true);
  EXPECT_EQ(view["transcript"]["fields"], f);
}

TEST_F(Transcripts, TheReceiverGetsTheTranscriptsEventsSignedWithTheirOwnKeys) {
  ASSERT_EQ(post_twilio(status("CA78", "ringing", "Mon, 02 Mar 2026 10:00:00 +0000")).status, 200);
  auto first = utterance(0, true);
  first[1].second = "CA78";  // CallSid
  auto second = utterance(1, true);
  second[1].second = "CA78";
  ASSERT_EQ(post_twilio(first).status, 200);
  ASSERT_EQ(post_twilio(second).status, 200);
  ASSERT_TRUE(eventually([&] { return receiver.received().size() >= 4; }));
  const auto secret = *verify::StandardWebhooksSecret::parse(kDownstream);
  std::vector<std::string> transcript_keys;
  for (const auto& r : receiver.received()) {
    boost::beast::http::fields h;
    for (const auto& [k, v] : r.headers) h.set(k, v);
    EXPECT_TRUE(
        verify::verify_standard_webhooks(h, r.body, {secret}, std::chrono::seconds(300), now()));
    const auto body = json::parse(r.body);
    EXPECT_EQ(r.header("x-callgate-event"), body["event"]);
    if (body["data"]["model"] == "telephonyCallTranscript")
      transcript_keys.push_back(r.header("x-idempotency-key"));
  }
  ASSERT_EQ(transcript_keys.size(), 2u);
  const auto tid = of_model(events(4), "telephonyCallTranscript::").at(0)["data"]["id"];
  EXPECT_EQ(transcript_keys, (std::vector<std::string>{tid.get<std::string>() + ":1",
                                                       tid.get<std::string>() + ":2"}));
}

// --- Telnyx: the text of the call comes after its hangup ---

std::string telnyx_event(const std::string& type, const std::string& id, const std::string& at,
                         const json& extra) {
  json payload = {{"call_control_id", "v3:abc"},
                  {"call_leg_id", "leg-9"},
                  {"from", "+35319605860"},
                  {"to", "+13129457420"},
                  {"direction", "incoming"}};
  if (extra.is_object()) payload.update(extra);
  return json{{"data",
               {{"record_type", "event"},
                {"event_type", type},
                {"id", id},
                {"occurred_at", at},
                {"payload", payload}}}}
      .dump();
}

TEST_F(Transcripts, TelnyxTextAfterTheHangupUpdatesTheEndedCall) {
  const auto t0 = "2026-03-02T10:00:00.000Z";
  ASSERT_EQ(post_telnyx(telnyx_event("call.initiated", "e1", t0, {{"start_time", t0}})).status,
            200);
  ASSERT_EQ(post_telnyx(telnyx_event("call.answered", "e2", "2026-03-02T10:00:04.000Z", {})).status,
            200);
  ASSERT_EQ(post_telnyx(telnyx_event("call.hangup", "e3", "2026-03-02T10:01:00.000Z",
                                     {{"end_time", "2026-03-02T10:01:00.000Z"}}))
                .status,
            200);
  ASSERT_EQ(events(3).size(), 3u);
  const auto text = telnyx_event(
      "call.transcription", "e4", "2026-03-02T10:00:10.000Z",
      {{"transcription_data",
        {{"transcript", "thanks for calling"}, {"is_final", true}, {"confidence", 0.98}}}});
  ASSERT_EQ(post_telnyx(text).status, 200);
  ASSERT_EQ(post_telnyx(text).status, 200);  // a redelivery
  const auto ev = events(5);
  ASSERT_EQ(ev.size(), 5u);
  EXPECT_EQ(event_type(ev[3]), "telephonyCallTranscript::created");
  EXPECT_EQ(texts(ev[3]), std::vector<std::string>{"thanks for calling"});
  EXPECT_EQ(ev[3]["data"]["fields"]["segments"][0]["start"], 10.0);
  EXPECT_EQ(event_type(ev[4]), "telephonyCall::updated") << "the ended call gets its transcript";
  EXPECT_EQ(ev[4]["data"]["fields"]["status"], "completed");
  EXPECT_EQ(ev[4]["data"]["fields"]["transcript"]["id"], ev[3]["data"]["id"]);
  EXPECT_EQ(events(6, kQuiet).size(), 5u) << "the redelivery emitted nothing";

  // `callgate events` finds the transcript's events by their type, and by their call.
  const auto call_id = ev[4]["data"]["id"].get<std::string>();
  for (const std::vector<std::string>& filter :
       {std::vector<std::string>{"--type", "telephonyCallTranscript::created"},
        std::vector<std::string>{"--call", call_id}}) {
    std::vector<std::string> args{"events", "--config", "callgate.yaml"};
    args.insert(args.end(), filter.begin(), filter.end());
    std::string out;
    ASSERT_EQ(run_callgate(args, out, {}, dir.path()), 0) << out;
    std::vector<std::string> types;
    for (std::size_t pos = 0, nl; (nl = out.find('\n', pos)) != std::string::npos; pos = nl + 1)
      if (out.compare(pos, 1, "{") == 0)
        types.push_back(json::parse(out.substr(pos, nl - pos))["body"]["event"]);
    if (filter[0] == "--type")
      EXPECT_EQ(types, std::vector<std::string>{"telephonyCallTranscript::created"}) << out;
    else
      EXPECT_EQ(types.size(), 5u) << "the call's and its transcript's, together: " << out;
  }
}

// --- Zoom: a voicemail's text ---

TEST_F(Transcripts, AZoomVoicemailsTextIsACompleteTranscriptOfTheInboundCall) {
  ASSERT_EQ(post_zoom(read_file(data_path("zoom/voicemail_ringing.json"))).status, 200);
  ASSERT_EQ(post_zoom(read_file(data_path("zoom/voicemail_ended.json"))).status, 200);
  const json text = {
      {"event", "phone.voicemail_transcript_completed"},
      {"event_ts", 1626231700000},
      {"payload",
       {{"account_id", "abcD3ojfdbjfg"},
        {"object",
         {{"id", "vm-77"},
          {"call_id", "7001111113337041462"},
          {"caller_name", "Ada Caller"},
          {"caller_number", "+12058940000"},
          {"callee_number", "+12058945729"},
          {"date_time", "2021-07-14T03:00:10Z"},
          {"transcription", {{"content", "Please call me back."}, {"status", 1}}}}}}}};
  ASSERT_EQ(post_zoom(text.dump()).status, 200);
  const auto ev = events(4);
  const auto tr = of_model(ev, "telephonyCallTranscript::");
  ASSERT_EQ(tr.size(), 1u);
  EXPECT_TRUE(tr[0]["data"]["complete"]);
  EXPECT_EQ(texts(tr[0]), std::vector<std::string>{"Please call me back."});
  EXPECT_EQ(tr[0]["data"]["fields"]["speakers"][0]["name"], "Ada Caller");
  const auto calls = of_model(ev, "telephonyCall::");
  EXPECT_EQ(calls.back()["data"]["fields"]["status"], "voicemail");
  EXPECT_EQ(calls.back()["data"]["fields"]["transcript"]["id"], tr[0]["data"]["id"]);
  EXPECT_EQ(tr[0]["data"]["fields"]["call"]["id"], calls.back()["data"]["id"]);
}

}  // namespace
}  // namespace callgate::testing
