// callgate: telephony webhook ingestion server. This file only parses the command line.
#include <CLI/CLI.hpp>
#include <callgate/app/app.hpp>
#include <callgate/version.hpp>
#include <iostream>

int main(int argc, char** argv) {
  using namespace callgate;
  CLI::App cli{
      "callgate: verifies telephony webhooks (Webex, Telnyx, generic PBX) and emits "
      "unified telephonyCall events"};
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

  CLI11_PARSE(cli, argc, argv);

  adapters::Registry registry;
  adapters::register_builtin_providers(registry);
  try {
    if (*check) {
      auto config = config::load_config(check_file, registry);
      std::cout << check_file << ": ok (" << config.sources.size() << " sources, "
                << config.sinks.size() << " sinks)\n";
      return 0;
    }
    return app::serve(config::load_config(config_file, registry), run);
  } catch (const config::ConfigError& e) {
    std::cerr << "configuration error: " << e.what() << '\n';
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "callgate: " << e.what() << '\n';
    return 1;
  }
}
