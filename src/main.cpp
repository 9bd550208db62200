// callgate: telephony webhook ingestion server. This file only parses the command line.
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <callgate/app/app.hpp>
#include <callgate/app/provider_kit.hpp>
#include <callgate/app/replay.hpp>
#include <callgate/sinks/registry.hpp>
#include <callgate/version.hpp>
#include <cstdio>
#include <iostream>

int main(int argc, char** argv) try {
  using namespace callgate;
  CLI::App cli{
      "callgate: verifies telephony webhooks (Webex, Telnyx, any PBX, Twilio, Vonage, Zoom Phone, "
      "Aircall, RingCentral, Plivo, Dialpad, Bandwidth, or your own YAML definition: see "
      "docs/providers.md) and emits unified telephonyCall events"};
  cli.set_version_flag("--version", std::string("callgate ") + kVersion);
  std::string config_file = "config/callgate.yaml";
  app::RunOptions run;
  cli.add_option("-c,--config", config_file, "Configuration file to serve with")
      ->capture_default_str();
  cli.add_option("--ready-file", run.ready_file,
                 "Write the listening port to this file once ready (for supervisors and tests)");

  auto* check = cli.add_subcommand("check-config", "Validate a configuration file and exit 0/1");
  std::string check_file;
  check->add_option("file", check_file, "Configuration file")->required();

  auto* replay = cli.add_subcommand(
      "replay",
      "Run a capture file (JSON array or values of {body,method,url}, or bare bodies) "
      "through parse, correlation, store and sinks; signatures are not checked");
  std::string replay_file, replay_source;
  replay->add_option("file", replay_file, "Capture file")->required();
  replay->add_option("--source", replay_source, "Configured source whose adapter reads the items");

  auto* events = cli.add_subcommand("events", "Print stored events (the outbox) as JSON lines");
  std::string since_text = "1h";
  std::size_t limit = 1000;
  events->add_option("--since", since_text, "ISO 8601 time, or an age: 90s, 15m, 2h, 7d")
      ->capture_default_str();
  events->add_option("--limit", limit, "At most this many events")->capture_default_str();

  auto* provider = cli.add_subcommand("provider", "Develop a provider definition (test, check)");
  provider->require_subcommand(1);
  auto* provider_test = provider->add_subcommand(
      "test",
      "Run a definition on captured requests (bodies or capture files with headers): verdicts, "
      "observations, warnings and the unified events; exit 1 if any is refused or warns");
  app::ProviderTest kit;
  provider_test->add_option("definition", kit.definition, "Definition file")->required();
  provider_test->add_option("payloads", kit.payloads, "Bodies or capture files, in order")
      ->required();
  provider_test->add_option("--set", kit.settings, "A source key: key=value (repeatable)");
  provider_test->add_option("--at", kit.at, "ISO 8601 receive time (default: now)");
  auto* provider_check = provider->add_subcommand(
      "check", "Validate one definition file: file:line: key for each mistake");
  std::string definition_file;
  provider_check->add_option("definition", definition_file, "Definition file")->required();

  for (auto* sub : {replay, events})
    sub->add_option("-c,--config", config_file, "Configuration file (store, sources, sinks)")
        ->capture_default_str();
  CLI11_PARSE(cli, argc, argv);

  if (*provider_test) return app::provider_test(kit, std::cout);
  if (*provider_check) return app::provider_check(definition_file, std::cout);

  adapters::Registry providers;
  try {
    adapters::register_builtin_providers(providers);
  } catch (const yaml::ConfigError& e) {
    std::fprintf(stderr, "callgate: a bundled provider definition is broken: %s\n", e.what());
    return 2;
  }
  sinks::SinkRegistry sink_types;
  sinks::register_builtin_sinks(sink_types);
  auto load = [&](const std::string& file, config::Purpose purpose = config::Purpose::serve) {
    auto config = config::load_config(file, providers, sink_types, purpose);
    // Files callgate creates from here on (store, JSONL sink, their folders) get file_mode.
    ::umask(config.file_mode == 0640 ? 027 : 077);
    return config;
  };
  try {
    if (*check) {
      auto config = load(check_file);
      for (const auto& w : config.warnings) std::cout << check_file << ": warning: " << w << '\n';
      std::cout << check_file << ": ok (" << config.sources.size() << " sources, "
                << config.sinks.size() << " sinks)\n";
      return 0;
    }
    if (*replay)
      return app::replay(load(config_file, config::Purpose::offline), replay_file, replay_source);
    if (*events) {
      const auto since = parse_since(since_text, now());
      if (!since) {
        std::cerr << "events: --since must be an ISO 8601 time or an age like 15m\n";
        return 1;
      }
      return app::print_events(load(config_file, config::Purpose::inspect), *since, limit);
    }
    return app::serve(load(config_file), run);
  } catch (const yaml::ConfigError& e) {
    std::cerr << "configuration error: " << e.what() << '\n';
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "callgate: " << e.what() << '\n';
    return 1;
  }
} catch (const std::exception& e) {
  // Startup failures (a configuration the checks let through, a file that cannot be opened).
  std::cerr << "callgate: " << e.what() << '\n';
  return 1;
}
