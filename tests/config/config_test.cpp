#include <gtest/gtest.h>

#include <callgate/config/config.hpp>
#include <callgate/sinks/http_sink.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <support/fixtures.hpp>

namespace callgate {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    adapters::register_builtin_providers(registry);
    sinks::register_builtin_sinks(sink_types);
    ::setenv("CG_TEST_SECRET", "s3cret", 1);
    ::setenv("CG_TEST_KEY", "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", 1);
    ::unsetenv("CG_TEST_MISSING");
  }
  config::Config load(const std::string& yaml) {
    const auto file = dir / "c.yaml";
    std::ofstream(file) << yaml;
    return load_file(file.string());
  }
  config::Config load_file(const std::string& file,
                           config::Purpose purpose = config::Purpose::serve) {
    return config::load_config(file, registry, sink_types, purpose);
  }
  /** The variables the shipped configs read. */
  static void set_shipped_config_env() {
    ::setenv("WEBEX_WEBHOOK_SECRET", "w", 1);
    ::setenv("TELNYX_PUBLIC_KEY", "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", 1);
    ::setenv("PBX_TOKEN", "p", 1);
    ::setenv("CALLGATE_ADMIN_TOKEN", "a", 1);
  }
  std::string error_of(const std::string& yaml) {
    try {
      load(yaml);
    } catch (const yaml::ConfigError& e) {
      return e.what();
    }
    return "no error";
  }

  adapters::Registry registry;
  sinks::SinkRegistry sink_types;
  testing::TempDir dir;
};

const char* kMinimal = R"(sources:
  pbx:
    provider: voip
    auth:
      bearer: tok
)";

TEST_F(ConfigTest, TheShippedDefaultConfigLoads) {
  set_shipped_config_env();
  const auto c = load_file(std::string(CALLGATE_TEST_DATA_DIR) + "/../../config/callgate.yaml");
  EXPECT_EQ(c.http.host, "127.0.0.1");
  EXPECT_EQ(c.http.port, 8080);
  EXPECT_EQ(c.http.threads, 2);
  EXPECT_EQ(c.http.max_body_bytes, 1048576u);
  EXPECT_EQ(c.connector_id, "crm-connector-1");
  EXPECT_EQ(c.owner_id, "owner-1");
  EXPECT_EQ(c.store.type, "sqlite");
  EXPECT_EQ(c.store.path, "var/callgate.db");
  EXPECT_EQ(c.sources.size(), 3u);
  ASSERT_EQ(c.sinks.size(), 1u);
  EXPECT_EQ(c.sinks[0].name, "file:var/events.jsonl");
  EXPECT_TRUE(c.admin.enabled);  // the console is one browser tab away
  EXPECT_EQ(c.admin.port, 8081);
}

TEST_F(ConfigTest, TheImagesConfigLoadsAndListensOnAllInterfaces) {
  set_shipped_config_env();
  const auto c =
      load_file(std::string(CALLGATE_TEST_DATA_DIR) + "/../../docker/callgate.docker.yaml");
  EXPECT_EQ(c.http.host, "0.0.0.0");
  EXPECT_EQ(c.sources.size(), 3u);
}

TEST_F(ConfigTest, TheScaledOutConfigUsesRedisAndItsStream) {
  set_shipped_config_env();
  const auto c =
      load_file(std::string(CALLGATE_TEST_DATA_DIR) + "/../../docker/callgate.redis.yaml");
  EXPECT_EQ(c.store.type, "redis");
  EXPECT_EQ(c.store.url, "redis://redis:6379/0");
  ASSERT_EQ(c.store.streams.size(), 1u);
  EXPECT_EQ(c.store.streams[0].stream, "{callgate}:events");
}

TEST_F(ConfigTest, AFileSinkOrRedisStreamThatCannotWorkWithTheStoreIsRefused) {
  EXPECT_THROW(load(std::string(kMinimal) + "sinks:\n  - type: redis_stream\n"), yaml::ConfigError);
  EXPECT_THROW(load(std::string(kMinimal) +
                    "store:\n  type: redis\nsinks:\n  - type: file\n    path: x.jsonl\n"),
               yaml::ConfigError);
}

TEST_F(ConfigTest, RedisKeysShareOneHashTagAndSentinelsNeedTheirMasterName) {
  auto c = load(std::string(kMinimal) + "store:\n  type: redis\nsinks:\n  - type: redis_stream\n");
  EXPECT_EQ(c.store.key_prefix, "{callgate}:");
  EXPECT_EQ(c.store.streams[0].stream, "{callgate}:events");
  EXPECT_EQ(store::hash_tag(c.store.key_prefix), "callgate");
  EXPECT_EQ(store::hash_tag("{}x{a}"), "");  // Redis reads the first '{' only; an empty tag is none
  EXPECT_EQ(c.store.min_replicas_acked, 0);
  EXPECT_TRUE(c.store.sentinels.empty());

  c = load(std::string(kMinimal) +
           "store:\n  type: redis\n  key_prefix: \"{crm-a}:\"\n"
           "  sentinels: [127.0.0.1:26379, \"[::1]:26380\"]\n  master_name: cg\n"
           "  min_replicas_acked: 2\n  replicas_ack_timeout_ms: 250\n"
           "sinks:\n  - type: redis_stream\n");
  EXPECT_EQ(c.store.streams[0].stream, "{crm-a}:events");
  EXPECT_EQ(c.store.sentinels, (std::vector<std::string>{"127.0.0.1:26379", "[::1]:26380"}));
  EXPECT_EQ(c.store.master_name, "cg");
  EXPECT_EQ(c.store.min_replicas_acked, 2);
  EXPECT_EQ(c.store.replicas_ack_timeout_ms, 250);
  EXPECT_NE(error_of(std::string(kMinimal) + "store:\n  type: redis\n  sentinels: [a:1]\n")
                .find("master_name': is required with sentinels"),
            std::string::npos);
}

TEST_F(ConfigTest, APostgresStoreNeedsALibpqUrlAndTakesItsPasswordFromTheEnvironment) {
  ::setenv("CG_TEST_PG_PASSWORD", "s3cret", 1);
  auto c = load(std::string(kMinimal) +
                "store:\n  type: postgres\n  url: postgresql://cg:${CG_TEST_PG_PASSWORD}@a:5432,"
                "b:5432/cg?target_session_attrs=read-write\n  pool_size: 8\n");
  EXPECT_EQ(c.store.url, "postgresql://cg:s3cret@a:5432,b:5432/cg?target_session_attrs=read-write");
  EXPECT_EQ(c.store.pool_size, 8);
  EXPECT_EQ(c.store.command_timeout_ms, 5000);  // a purge may take longer than a Redis command
  EXPECT_EQ(c.request_log.max_requests, 100'000u) << "kept on disk, as on SQLite";
  c = load(std::string(kMinimal) + "store:\n  type: postgres\n  url: host=db dbname=cg\n");
  EXPECT_EQ(c.store.url, "host=db dbname=cg");

  EXPECT_NE(error_of(std::string(kMinimal) + "store:\n  type: postgres\n").find("url"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "store:\n  type: postgres\n  url: redis://x/0\n")
                .find("must be a libpq URI"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "store:\n  type: postgres\n  url: postgresql://db/cg\n"
                                             "sinks:\n  - type: file\n    path: x.jsonl\n")
                .find("a file sink cannot share a postgres store"),
            std::string::npos);
}

TEST_F(ConfigTest, DefaultsApplyWhenKeysAreLeftOut) {
  const auto c = load(kMinimal);
  EXPECT_EQ(c.http.port, 8080);
  EXPECT_EQ(c.store.type, "sqlite");
  EXPECT_TRUE(c.sinks.empty());
  EXPECT_EQ(c.store.retention.deliveries.count(), 72 * 3600);
}

TEST_F(ConfigTest, ASinkStartsFromNowUnlessToldOldestAndTheRequestLogHasItsBounds) {
  auto c = load(std::string(kMinimal) +
                "sinks:\n  - {type: file, path: a.jsonl}\n"
                "  - {type: file, path: b.jsonl, start_from: oldest}\n");
  EXPECT_FALSE(c.sinks[0].start_from_oldest);
  EXPECT_TRUE(c.sinks[1].start_from_oldest);
  EXPECT_NE(error_of(std::string(kMinimal) +
                     "sinks:\n  - {type: file, path: a.jsonl, start_from: yesterday}\n")
                .find("start_from': must be now or oldest"),
            std::string::npos);
  EXPECT_TRUE(c.request_log.enabled);
  EXPECT_TRUE(c.request_log.bodies);
  EXPECT_EQ(c.request_log.max_body_bytes, 65536u);
  EXPECT_EQ(c.request_log.max_requests, 100'000u) << "SQLite's default";
  EXPECT_EQ(load(std::string(kMinimal) + "store: {type: memory}\n").request_log.max_requests,
            1'000u)
      << "in RAM, fewer";
  c = load(std::string(kMinimal) +
           "request_log: {bodies: false, retention_seconds: 3600, max_requests: 500}\n");
  EXPECT_FALSE(c.request_log.bodies);
  EXPECT_EQ(c.request_log.retention.count(), 3600);
  EXPECT_EQ(c.request_log.max_requests, 500u);
  EXPECT_NE(error_of(std::string(kMinimal) + "request_log: {retention_seconds: 5}\n")
                .find("retention_seconds"),
            std::string::npos);
}

TEST_F(ConfigTest, ExpandsEnvironmentVariables) {
  const auto c = load(R"(listen: "[::1]:0"
sources:
  webex:
    provider: webex
    secret: ${CG_TEST_SECRET}
  telnyx:
    provider: telnyx
    public_key: ${CG_TEST_KEY}
)");
  EXPECT_EQ(c.http.host, "::1");
  EXPECT_EQ(c.http.port, 0);
  EXPECT_EQ(c.sources.count("webex"), 1u);
}

TEST_F(ConfigTest, AVariableMayCarryAFallback) {
  ::unsetenv("CG_TEST_PORT");
  EXPECT_EQ(load(std::string("listen: 127.0.0.1:${CG_TEST_PORT:-8080}\n") + kMinimal).http.port,
            8080);
  ::setenv("CG_TEST_PORT", "", 1);  // empty counts as unset, as in the shell
  EXPECT_EQ(load(std::string("listen: 127.0.0.1:${CG_TEST_PORT:-8080}\n") + kMinimal).http.port,
            8080);
  ::setenv("CG_TEST_PORT", "9191", 1);
  EXPECT_EQ(load(std::string("listen: 127.0.0.1:${CG_TEST_PORT:-8080}\n") + kMinimal).http.port,
            9191);
  ::unsetenv("CG_TEST_PORT");
}

TEST_F(ConfigTest, MistakesNameTheFileLineAndKey) {
  EXPECT_NE(
      error_of(std::string(kMinimal) + "thread: 4\n").find("c.yaml:6: key 'thread': unknown key"),
      std::string::npos)
      << error_of(std::string(kMinimal) + "thread: 4\n");
  const auto missing = error_of(R"(sources:
  webex:
    provider: webex
    secret: ${CG_TEST_MISSING}
)");
  EXPECT_NE(missing.find("c.yaml:4: key 'sources.webex.secret'"), std::string::npos) << missing;
  EXPECT_NE(missing.find("CG_TEST_MISSING is not set"), std::string::npos);

  const auto provider = error_of(R"(sources:
  x:
    provider: skype
)");
  EXPECT_NE(provider.find("c.yaml:3: key 'sources.x.provider': unknown provider 'skype'"),
            std::string::npos)
      << provider;

  const auto type = error_of(std::string("threads: many\n") + kMinimal);
  EXPECT_NE(type.find("c.yaml:1: key 'threads': expected an integer"), std::string::npos) << type;

  const auto nested = error_of(R"(sources:
  pbx:
    provider: voip
    auth:
      bearer: tok
      bearr: typo
)");
  EXPECT_NE(nested.find("c.yaml:6: key 'sources.pbx.auth.bearr': unknown key"), std::string::npos)
      << nested;
}

TEST_F(ConfigTest, RefusesBadValues) {
  EXPECT_NE(error_of(std::string("listen: nowhere\n") + kMinimal).find("listen"),
            std::string::npos);
  EXPECT_NE(error_of(std::string("store: {type: mongodb}\n") + kMinimal).find("store.type"),
            std::string::npos);
  EXPECT_NE(error_of("sources: {}\n").find("at least one source"), std::string::npos);
  EXPECT_NE(error_of("sources:\n  t:\n    provider: telnyx\n    public_key: abc\n").find("32-byte"),
            std::string::npos);
  EXPECT_NE(error_of("sources:\n  p:\n    provider: voip\n    auth: {}\n").find("needs bearer"),
            std::string::npos);
  EXPECT_NE(
      error_of(std::string(kMinimal) + "sinks:\n  - type: pigeon\n").find("unknown sink type"),
      std::string::npos);
  EXPECT_NE(error_of("sources: [\n").find("c.yaml"), std::string::npos);
}

// Found by fuzz_config: a complex YAML key ("? path: x") made yaml-cpp throw its own exception
// out of the config reader instead of a ConfigError.
TEST_F(ConfigTest, ComplexKeysAreConfigErrorsNotCrashes) {
  const auto top = error_of(
      "owner_id: o7ner-1\nstore:\n  type: sqlite\n? path: var/callgate.db\nsources:   # x\n");
  EXPECT_NE(top.find("c.yaml:"), std::string::npos) << top;
  const auto nested = error_of("sources:\n  ? [a, b]\n  : {provider: voip}\n");
  EXPECT_NE(nested.find("names must be plain text"), std::string::npos) << nested;
  const auto in_source = error_of(std::string(kMinimal) + "    ? {x: 1}\n    : 2\n");
  EXPECT_NE(in_source.find("c.yaml:"), std::string::npos) << in_source;
}

TEST_F(ConfigTest, SecretsDoNotAppearInErrors) {
  const auto e = error_of(R"(sources:
  webex:
    provider: webex
    secret: ${CG_TEST_SECRET}
    colour: blue
)");
  EXPECT_NE(e.find("colour"), std::string::npos);
  EXPECT_EQ(e.find("s3cret"), std::string::npos);
}

// Each of these passed check-config once, although the server then refused it or should have.
TEST_F(ConfigTest, RefusesWhatTheServerWouldRefuse) {
  const auto listen = error_of(std::string("listen: 999.1.1.1:80\n") + kMinimal);
  EXPECT_NE(listen.find("key 'listen': '999.1.1.1' is not an IPv4 or IPv6 address"),
            std::string::npos)
      << listen;
  const auto admin =
      error_of(std::string(kMinimal) + "admin:\n  listen: localhost:9\n  token: t\n");
  EXPECT_NE(admin.find("key 'admin.listen'"), std::string::npos) << admin;

  const auto tls = error_of(
      std::string("tls:\n  cert: /nonexistent/c.pem\n  key: /nonexistent/k.pem\n") + kMinimal);
  EXPECT_NE(tls.find("c.yaml:2: key 'tls.cert': cannot read /nonexistent/c.pem"), std::string::npos)
      << tls;

  const auto sink =
      error_of(std::string(kMinimal) +
               "sinks:\n  - type: http\n    url: http://127.0.0.1:9/\n    secret: nope\n");
  EXPECT_NE(sink.find("key 'sinks[0].secret': must be whsec_"), std::string::npos) << sink;

  const auto voip = error_of(
      "sources:\n  pbx:\n    provider: voip\n    auth:\n      standard_webhooks_secret: "
      "nothwsec\n");
  EXPECT_NE(voip.find("key 'sources.pbx.auth.standard_webhooks_secret': must be whsec_"),
            std::string::npos)
      << voip;

  const auto twice = error_of(std::string(kMinimal) + "threads: 2\nthreads: 4\n");
  EXPECT_NE(twice.find("c.yaml:7: key 'threads': appears twice"), std::string::npos) << twice;
  const auto nested_twice = error_of(
      "sources:\n  pbx:\n    provider: voip\n    auth:\n      bearer: a\n      bearer: b\n");
  EXPECT_NE(nested_twice.find("c.yaml:6: key 'sources.pbx.auth.bearer': appears twice"),
            std::string::npos)
      << nested_twice;
}

// A replay inside a source's timestamp tolerance is caught only by the redelivery window.
TEST_F(ConfigTest, ARedeliveryWindowShorterThanATimestampToleranceIsRefused) {
  const std::string telnyx =
      "sources:\n  t:\n    provider: telnyx\n    public_key: ${CG_TEST_KEY}\n"
      "    tolerance_seconds: 600\n";
  const auto e = error_of(telnyx + "retention:\n  redelivery_window_seconds: 300\n");
  EXPECT_NE(e.find("key 'retention.redelivery_window_seconds': is shorter than "
                   "sources.t.tolerance_seconds (600)"),
            std::string::npos)
      << e;
  EXPECT_EQ(load(telnyx + "retention:\n  redelivery_window_seconds: 600\n").sources.size(), 1u);
  // A bearer token signs no time: nothing to compare with.
  EXPECT_EQ(
      load(std::string(kMinimal) + "retention:\n  redelivery_window_seconds: 5\n").sources.size(),
      1u);
}

TEST_F(ConfigTest, AConfigWithoutSinksLoadsWithAWarning) {
  const auto c = load(kMinimal);
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_NE(c.warnings[0].find("no sinks"), std::string::npos);
  const auto with_sink =
      load(std::string(kMinimal) + "sinks:\n  - type: file\n    path: e.jsonl\n");
  EXPECT_TRUE(with_sink.warnings.empty());
}

TEST_F(ConfigTest, EverySinkTypeComesFromTheRegistry) {
  const auto c = load(std::string(kMinimal) +
                      "sinks:\n  - type: file\n    path: e.jsonl\n"
                      "  - type: http\n    url: http://127.0.0.1:9/x?token=1\n"
                      "  - type: kafka\n    brokers: 127.0.0.1:9\n    topic: calls\n");
  ASSERT_EQ(c.sinks.size(), 3u);
  EXPECT_EQ(c.sinks[0].name, "file:e.jsonl");
  EXPECT_EQ(c.sinks[1].name, "http:http://127.0.0.1:9/x?token=***") << "no credentials in names";
  EXPECT_EQ(c.sinks[2].name, "kafka:calls");
  for (const auto& s : c.sinks) EXPECT_TRUE(static_cast<bool>(s.create)) << s.name;
  const auto unknown = error_of(std::string(kMinimal) + "sinks:\n  - type: pigeon\n");
  EXPECT_NE(unknown.find("(known: file, http, kafka, redis_stream)"), std::string::npos) << unknown;
}

TEST_F(ConfigTest, AnHttpSinkTakesStaticHeadersButNotCallgatesOwn) {
  ::setenv("CG_TEST_API_KEY", "k-123", 1);
  const auto c = load(std::string(kMinimal) +
                      "sinks:\n  - type: http\n    url: http://127.0.0.1:9/\n    headers:\n"
                      "      X-Api-Key: ${CG_TEST_API_KEY}\n      Authorization: Bearer t\n");
  ASSERT_EQ(c.sinks.size(), 1u);
  // The http type owns its settings: read by its own reader, as the config loader calls it.
  const auto entry = yaml::load_yaml_text(
      "url: http://127.0.0.1:9/\nheaders:\n  X-Api-Key: k-123\n  Authorization: Bearer t\n",
      "entry.yaml");
  EXPECT_EQ(sinks::read_http_sink_options(entry).headers,
            (std::vector<std::pair<std::string, std::string>>{{"X-Api-Key", "k-123"},
                                                              {"Authorization", "Bearer t"}}));
  const auto own = error_of(std::string(kMinimal) +
                            "sinks:\n  - type: http\n    url: http://127.0.0.1:9/\n    headers:\n"
                            "      X-Idempotency-Key: mine\n");
  EXPECT_NE(own.find("key 'sinks[0].headers': callgate sets x-idempotency-key itself"),
            std::string::npos)
      << own;
  ::unsetenv("CG_TEST_API_KEY");
}

// replay and events check no signature, so a missing provider secret must not stop them.
TEST_F(ConfigTest, OfflineCommandsNeedNoProviderSecrets) {
  const auto file = dir / "offline.yaml";
  std::ofstream(file) << R"(sources:
  webex:
    provider: webex
    secret: ${CG_TEST_MISSING}
admin:
  listen: 127.0.0.1:0
  token: ${CG_TEST_MISSING}
)";
  EXPECT_THROW(load_file(file.string()), yaml::MissingVariable);
  const auto c = load_file(file.string(), config::Purpose::offline);
  ASSERT_EQ(c.sources.count("webex"), 1u);
  const auto& source = *c.sources.at("webex");
  verify::Headers headers;
  const std::string body =
      R"({"resource":"telephony_calls","event":"updated","data":{"callId":"c1",)"
      R"("eventTimestamp":"2025-08-14T18:52:41.730Z","state":"alerting"}})";
  const adapters::Request r{headers, body, from_unix_ms(0)};
  EXPECT_FALSE(source.verify(r)) << "an offline source verifies nothing";
  auto parsed = source.parse(r);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->observations.size(), 1u);
  EXPECT_FALSE(c.admin.enabled);
  // `callgate events` needs no sink's secret either; replay, which delivers, does.
  std::ofstream(file) << kMinimal
                      << "sinks:\n  - type: http\n    url: http://127.0.0.1:9/x\n"
                         "    secret: ${CG_TEST_MISSING}\n  - type: file\n    path: e.jsonl\n";
  EXPECT_THROW(load_file(file.string(), config::Purpose::offline), yaml::MissingVariable);
  const auto inspect = load_file(file.string(), config::Purpose::inspect);
  ASSERT_EQ(inspect.sinks.size(), 1u) << "the http sink is left out, the file sink kept";
  EXPECT_EQ(inspect.sinks[0].name, "file:e.jsonl");
  // Any other missing variable still stops an offline command: the store must be right.
  std::ofstream(file) << "store:\n  path: ${CG_TEST_MISSING}\n" << kMinimal;
  EXPECT_THROW(load_file(file.string(), config::Purpose::offline), yaml::MissingVariable);
}

TEST_F(ConfigTest, ProviderPathsAddAUsersOwnDefinitionsBesideTheBundledOnes) {
  std::filesystem::create_directories(dir / "providers");
  std::ofstream(dir / "providers" / "acme.yaml") << R"(name: acme
keys: {token: secrets}
signature: {scheme: bearer, secret: token}
mapping: {event_type: type, call_key: id, events: {start: ringing}}
)";
  const std::string sources = R"(
sources:
  acme: {provider: acme, token: t}
  twilio: {provider: twilio, auth_token: t, public_url: "https://hooks.example.com/twilio"}
sinks: [{type: file, path: var/e.jsonl}]
)";
  // Relative to the config file's own directory.
  auto c = load("provider_paths: [providers]\n" + sources);
  EXPECT_EQ(c.sources.size(), 2u);
  EXPECT_EQ(error_of(sources).substr(error_of(sources).find("key")),
            "key 'sources.acme.provider': unknown provider 'acme' (known: webex, telnyx, voip, "
            "aircall, bandwidth, dialpad, plivo, ringcentral, twilio, vonage, zoom_phone)");
  EXPECT_NE(error_of("provider_paths: [nowhere]\n" + sources).find("nowhere: no such provider"),
            std::string::npos);
  // A definition may not take a name that is already known.
  std::ofstream(dir / "providers" / "acme.yaml") << R"(name: twilio
keys: {token: secrets}
signature: {scheme: bearer, secret: token}
mapping: {event_type: type, call_key: id, events: {start: ringing}}
)";
  EXPECT_NE(error_of("provider_paths: [providers/acme.yaml]\n" + sources)
                .find("provider 'twilio' is already defined"),
            std::string::npos);
  // The bundled definition's own keys are checked like any other.
  EXPECT_NE(error_of(R"(
sources:
  twilio: {provider: twilio, auth_token: t, public_url: "hooks.example.com"}
sinks: [{type: file, path: var/e.jsonl}]
)")
                .find("key 'sources.twilio.public_url': must be an http:// or https:// URL"),
            std::string::npos);
}

}  // namespace
}  // namespace callgate

namespace callgate {
namespace {

TEST_F(ConfigTest, SourcesTakeTheirOwnRegionIdsAndDirectoryOrTheTopLevelOnes) {
  std::ofstream(dir / "people.csv") << "pbx,user,2001,crm-user-1\n";
  const auto c = load(std::string("connector_id: crm\nowner_id: acme\ndefault_region: DE\n"
                                  "directory: people.csv\n") +
                      kMinimal +
                      "  us:\n    provider: voip\n    default_region: US\n"
                      "    normalize_numbers: false\n    connector_id: crm-us\n"
                      "    owner_id: team-us\n    auth:\n      bearer: tok\n");
  const auto& pbx = c.sources.at("pbx")->settings();
  EXPECT_EQ(pbx.numbers.region, "DE");
  EXPECT_TRUE(pbx.numbers.normalize);
  EXPECT_EQ(pbx.identity, (core::Identity{"crm", "acme"}));
  const auto& us = c.sources.at("us")->settings();
  EXPECT_EQ(us.numbers.region, "US");
  EXPECT_FALSE(us.numbers.normalize);
  EXPECT_EQ(us.identity, (core::Identity{"crm-us", "team-us"}));
  ASSERT_NE(pbx.directory, nullptr);
  EXPECT_EQ(pbx.directory, us.directory) << "one directory, shared";
  EXPECT_EQ(pbx.directory->table()->size(), 1u);
  EXPECT_EQ(c.directory_path, (dir / "people.csv").lexically_normal().string());
}

TEST_F(ConfigTest, AnUnknownRegionOrABadDirectoryIsRefusedAtStartup) {
  EXPECT_NE(error_of(std::string("default_region: usa\n") + kMinimal)
                .find("key 'default_region': 'usa' is not a region"),
            std::string::npos)
      << error_of(std::string("default_region: usa\n") + kMinimal);
  EXPECT_NE(error_of(std::string(kMinimal) + "    default_region: XX\n")
                .find("key 'sources.pbx.default_region': 'XX' is not a region"),
            std::string::npos)
      << error_of(std::string(kMinimal) + "    default_region: XX\n");
  std::ofstream(dir / "bad.csv") << "pbx,user,2001,u1\npbx,robot,1,u2\n";
  EXPECT_EQ(error_of(std::string("directory: bad.csv\n") + kMinimal),
            (dir / "bad.csv").lexically_normal().string() +
                ":2: kind must be user or contact, not 'robot'");
}

}  // namespace
}  // namespace callgate
