// callgate: telephony webhook ingestion server. This file only parses the command line.
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <callgate/app/app.hpp>
#include <callgate/app/inspect.hpp>
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
      "docs/providers.md) and emits unified telephonyCall and telephonyCallTranscript events"};
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

  // events and requests page the same way: newest first, --before the previous page's last.
  std::string since_text, until_text;
  auto* events =
      cli.add_subcommand("events", "Print stored events (the outbox) as JSON lines, newest first");
  store::EventQuery eq;
  events->add_option(
      "--type", eq.type,
      "Only this event type (telephonyCall::created, telephonyCallTranscript::updated, ...)");
  events->add_option("--source", eq.source, "Only events of this source");
  events->add_option("--call", eq.call_id, "Only events of this call id");
  events->add_option("--before", eq.before_seq, "Only events with a smaller seq (the next page)");
  std::int64_t after_seq = 0;
  auto* after = events->add_option("--after", after_seq, "Oldest first, after this seq (0: all)");
  events->add_option("--limit", eq.limit, "At most this many events")->capture_default_str();

  auto* requests = cli.add_subcommand(
      "requests", "Print the request log (every webhook request) as JSON lines, newest first");
  store::RequestQuery rq;
  std::int64_t request_id = 0;
  requests->add_option("--source", rq.source, "Only requests to this source");
  requests->add_option("--verdict", rq.verdict,
                       "accepted, duplicate, ignored, handshake, refused or unavailable");
  requests->add_option("--status", rq.status, "Only this HTTP status");
  requests->add_option("--grep", rq.text, "Only requests whose body contains this text");
  requests->add_option("--before", rq.before_id, "Only requests with a smaller id (the next page)");
  requests->add_option("--limit", rq.limit, "At most this many requests")->capture_default_str();
  requests->add_option("--id", request_id, "One request whole: headers, body, diagnosis");
  for (auto* sub : {events, requests}) {
    sub->add_option("--since", since_text, "ISO 8601 time, or an age: 90s, 15m, 2h, 7d");
    sub->add_option("--until", until_text, "ISO 8601 time, or an age: before this");
  }

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

  for (auto* sub : {replay, events, requests})
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
    if (*events || *requests) {
      std::optional<TimePoint> from, to;
      for (auto [text, bound] : {std::pair{&since_text, &from}, std::pair{&until_text, &to}}) {
        if (text->empty()) continue;
        *bound = parse_since(*text, now());
        if (!*bound) {
          std::cerr << "--since and --until take an ISO 8601 time or an age like 15m\n";
          return 1;
        }
      }
      const auto config = load(config_file, config::Purpose::inspect);
      if (*events) {
        eq.from = from, eq.to = to;
        if (after->count() > 0) eq.after_seq = after_seq;
        return app::print_events(config, eq, std::cout, std::cerr);
      }
      rq.from = from, rq.to = to;
      return app::print_requests(config, rq, request_id, std::cout, std::cerr);
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
