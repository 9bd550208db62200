// Whose an event is, through the real binary: the same call sent by three sources with their own
// default_region, connector_id and owner_id reaches a real HTTP receiver with E.164 numbers and
// each source's headers; the file sink's envelope, the admin API's rows and its call search say
// the same.
#include <callgate/core/correlate.hpp>
#include <filesystem>
#include <integration/gateway.hpp>
#include <set>
#include <support/receiver.hpp>

namespace callgate::testing {
namespace {

class Identity : public Gateway {
 protected:
  void SetUp() override {
    const auto pbx = [](const std::string& name, const std::string& keys) {
      return "  " + name + ":\n    provider: voip\n" + keys +
             "    auth:\n      bearer: ${PBX_TOKEN}\n";
    };
    // The team's own id for the caller, as pbx-de sends it.
    std::ofstream(dir / "directory.csv") << "pbx-de,contact,+14155550100,crm-contact-1\n";
    start(config_yaml("sqlite",
                      "  - type: http\n    url: " + receiver.url() +
                          "\n    retry_base_ms: 20\n"
                          "  - type: file\n    name: enveloped\n    path: var/enveloped.jsonl\n"
                          "    envelope: true\n"
                          "admin:\n  listen: 127.0.0.1:0\n  token: admin-test-token\n"
                          "directory: directory.csv\n",
                      pbx("pbx-us",
                          "    default_region: US\n    connector_id: crm-us\n"
                          "    owner_id: owner-us\n") +
                          pbx("pbx-de",
                              "    default_region: DE\n    connector_id: crm-de\n"
                              "    owner_id: owner-de\n") +
                          pbx("pbx-raw", "    normalize_numbers: false\n")));
  }

  /** One PBX call as a PBX writes it: a Plivo-style number without +, a German national one. */
  static std::string start_of_call(const std::string& call = "same-call") {
    return R"({"event":"NotifyStart","callId":")" + call +
           R"(","direction":"In",)"
           R"("disposition":"Answered",)"
           R"("srcPhone":"14155550100","dstPhone":"030 1234567"})";
  }

  Receiver receiver;
};

TEST_F(Identity, EachSourceSendsE164NumbersUnderItsOwnHeaders) {
  for (const char* source : {"pbx-us", "pbx-de", "pbx-raw"})
    ASSERT_EQ(
        post(port(), std::string("/webhooks/") + source, start_of_call(), bearer_headers(kPbxToken))
            .status,
        200)
        << source;
  ASSERT_TRUE(eventually([&] { return receiver.received().size() >= 3; }));
  std::map<std::string, Received> by_source;
  for (const auto& r : receiver.received()) by_source.emplace(r.header("x-callgate-source"), r);
  ASSERT_EQ(by_source.size(), 3u);

  const auto fields = [&](const std::string& source) {
    return nlohmann::json::parse(by_source.at(source).body)["data"]["fields"];
  };
  const auto data = [&](const std::string& source) {
    return nlohmann::json::parse(by_source.at(source).body)["data"];
  };
  // US: the number without + is read as +1; a German national number is not one in the US.
  EXPECT_EQ(by_source.at("pbx-us").header("x-connector-id"), "crm-us");
  EXPECT_EQ(by_source.at("pbx-us").header("x-owner-id"), "owner-us");
  EXPECT_EQ(fields("pbx-us")["externalNumber"], "+14155550100");
  EXPECT_EQ(fields("pbx-us")["internalNumber"], "030 1234567");
  EXPECT_EQ(data("pbx-us")["warnings"],
            nlohmann::json::array({"internalNumber \"030 1234567\" is not a phone number "
                                   "(default_region US): sent as received"}));
  // DE: the same body gives two E.164 numbers.
  EXPECT_EQ(by_source.at("pbx-de").header("x-connector-id"), "crm-de");
  EXPECT_EQ(by_source.at("pbx-de").header("x-owner-id"), "owner-de");
  EXPECT_EQ(fields("pbx-de")["externalNumber"], "+14155550100");
  EXPECT_EQ(fields("pbx-de")["internalNumber"], "+49301234567");
  EXPECT_EQ(data("pbx-de")["warnings"], nlohmann::json::array());
  EXPECT_EQ(
      fields("pbx-de")["contacts"],
      nlohmann::json::parse(R"([{"object":"resourceRef","model":"contact","id":"crm-contact-1"}])"))
      << "the directory's contact for the number, on pbx-de's calls only";
  EXPECT_EQ(fields("pbx-us")["contacts"], nlohmann::json::array());
  // Off: exactly as the PBX wrote them, under the top-level ids.
  EXPECT_EQ(by_source.at("pbx-raw").header("x-connector-id"), "callgate");
  EXPECT_EQ(by_source.at("pbx-raw").header("x-owner-id"), "");
  EXPECT_EQ(fields("pbx-raw")["externalNumber"], "14155550100");
  EXPECT_EQ(fields("pbx-raw")["internalNumber"], "030 1234567");
  // A call's identity is its source's and its key's, never its numbers'.
  for (const char* source : {"pbx-us", "pbx-de", "pbx-raw"})
    EXPECT_EQ(data(source)["id"], core::derive_call_id(source, "same-call")) << source;

  // The file sink's envelope says whose each line is.
  std::vector<std::string> lines;
  ASSERT_TRUE(
      eventually([&] { return (lines = read_lines(dir / "var/enveloped.jsonl")).size() >= 3; }));
  std::set<std::string> enveloped;
  for (const auto& line : lines) {
    const auto j = nlohmann::json::parse(line);
    const auto source = j["source"].get<std::string>();
    enveloped.insert(source);
    EXPECT_EQ(j["event"]["data"]["id"], core::derive_call_id(source, "same-call"));
    EXPECT_EQ(j["connectorId"], by_source.at(source).header("x-connector-id"));
  }
  EXPECT_EQ(enveloped, (std::set<std::string>{"pbx-us", "pbx-de", "pbx-raw"}));

  // The admin API's rows name the source; a search reads a number in the call's region.
  const auto admin = server->admin_port();
  const auto auth = bearer_headers("admin-test-token");
  const auto rows =
      nlohmann::json::parse(get(admin, "/admin/events?since=10m", auth).body)["events"];
  ASSERT_EQ(rows.size(), 3u);
  for (const auto& row : rows)
    EXPECT_EQ(row["callId"], core::derive_call_id(row["source"].get<std::string>(), "same-call"));
  const auto search = [&](const std::string& q) {
    return nlohmann::json::parse(get(admin, "/admin/calls?q=" + q, auth).body);
  };
  const auto german = search("%2B49%2030%201234567");  // "+49 30 1234567"
  ASSERT_EQ(german["calls"].size(), 1u);
  EXPECT_EQ(german["calls"][0]["source"], "pbx-de");
  EXPECT_EQ(search("(415)%20555-0100")["calls"].size(), 3u);
}

TEST_F(Identity, ADirectoryChangeIsPickedUpWithoutARestartAndABadOneKeepsTheLast) {
  const auto contact_of = [&](const std::string& call) {
    EXPECT_EQ(
        post(port(), "/webhooks/pbx-de", start_of_call(call), bearer_headers(kPbxToken)).status,
        200);
    const auto id = core::derive_call_id("pbx-de", call);
    std::string contact = "none";
    EXPECT_TRUE(eventually([&] {
      for (const auto& r : receiver.received()) {
        const auto data = nlohmann::json::parse(r.body)["data"];
        if (data["id"] != id) continue;
        const auto& contacts = data["fields"]["contacts"];
        contact = contacts.empty() ? "" : contacts[0]["id"].get<std::string>();
        return true;
      }
      return false;
    }));
    return contact;
  };
  const auto reloads = [&](const char* result) {
    return metric_value(
        metrics(), std::string(R"(callgate_directory_reloads_total{result=")") + result + R"("})");
  };
  EXPECT_EQ(contact_of("call-1"), "crm-contact-1");

  // The file is written aside and moved in, as a deploy would: no half-written file is read.
  std::ofstream(dir / "directory.next") << "# moved to another CRM record\n"
                                        << "pbx-de,contact,+14155550100,crm-contact-2,lead\n";
  std::filesystem::rename(dir / "directory.next", dir / "directory.csv");
  ASSERT_TRUE(eventually([&] { return reloads("loaded") >= 1; })) << server->log();
  EXPECT_EQ(contact_of("call-2"), "crm-contact-2");

  std::ofstream(dir / "directory.csv") << "pbx-de,contact,+14155550100,crm-contact-3\n"
                                       << "pbx-de,somebody,+14155550101,x\n";
  ASSERT_TRUE(eventually([&] { return reloads("refused") >= 1; })) << server->log();
  EXPECT_EQ(contact_of("call-3"), "crm-contact-2") << "the last good directory stays";
  EXPECT_NE(server->log().find("directory.csv:2: kind must be user or contact, not 'somebody'"),
            std::string::npos)
      << server->log();
}

}  // namespace
}  // namespace callgate::testing
