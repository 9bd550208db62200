#include <callgate/adapters/json_fields.hpp>
#include <callgate/app/replay.hpp>
#include <callgate/app/runtime.hpp>
#include <callgate/replay/capture.hpp>
#include <fstream>
#include <future>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace callgate::app {
namespace {

constexpr std::string_view kWebhooks = "/webhooks/";

const adapters::Source* pick_source(const config::Config& config, const std::string& forced,
                                    const replay::CaptureItem& item) {
  auto find = [&](std::string_view name) -> const adapters::Source* {
    auto it = config.sources.find(name);
    return it == config.sources.end() ? nullptr : it->second.get();
  };
  if (!forced.empty()) return find(forced);
  if (item.url.starts_with(kWebhooks))
    if (auto* s = find(std::string_view(item.url).substr(kWebhooks.size()))) return s;
  return config.sources.size() == 1 ? config.sources.begin()->second.get() : nullptr;
}

}  // namespace

int replay(const config::Config& config, const std::string& file, const std::string& source) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::cerr << "replay: cannot read " << file << '\n';
    return 1;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto items = replay::read_capture(text.str());
  if (!items) {
    std::cerr << "replay: " << file << " is not a capture (JSON values or an array of them)\n";
    return 1;
  }
  if (!source.empty() && !config.sources.contains(source)) {
    std::cerr << "replay: no source named " << source << " in " << config.file << '\n';
    return 1;
  }

  Runtime runtime(config);
  runtime.start();
  std::size_t emitted = 0, duplicates = 0, ignored = 0, refused = 0;
  for (std::size_t i = 0; i < items->size(); ++i) {
    const auto& item = (*items)[i];
    std::cout << "item " << i + 1 << ": ";
    const auto* src = pick_source(config, source, item);
    if (!src) {
      std::cout << "refused: no source (use --source NAME)\n";
      ++refused;
      continue;
    }
    const verify::Headers no_headers;
    auto parsed = src->parse({no_headers, item.body, now()});
    if (!parsed) {
      std::cout << "refused: " << parsed.error().message() << '\n';
      ++refused;
      continue;
    }
    if (parsed->observations.empty()) {
      std::cout << parsed->event_type << ": ignored\n";
      ++ignored;
      continue;
    }
    adapters::finish_observations(parsed->observations, src->settings(), item.body);
    std::promise<result<outbox::Outcome>> done;
    runtime.committer().submit(std::move(parsed->observations), [&done](result<outbox::Outcome> r) {
      done.set_value(std::move(r));
    });
    const auto outcome = done.get_future().get();
    if (!outcome) {
      std::cout << "refused: " << outcome.error().message() << '\n';
      ++refused;
      continue;
    }
    emitted += outcome->emitted;
    duplicates += outcome->redelivered;
    std::cout << parsed->event_type << ": " << outcome->emitted << " event(s)"
              << (outcome->redelivered ? ", a redelivery" : "") << '\n';
  }
  runtime.stop();  // commits are done; the sinks make a last pass over the outbox
  std::cout << items->size() << " items: " << emitted << " events emitted, " << duplicates
            << " redeliveries, " << ignored << " ignored, " << refused << " refused\n";
  return refused == 0 ? 0 : 2;
}

}  // namespace callgate::app
