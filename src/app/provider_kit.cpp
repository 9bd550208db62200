// `callgate provider test | check`: how a user (and our tests) develops a definition, without a
// server, a store or a network.
#include <callgate/adapters/defined/provider.hpp>
#include <callgate/adapters/json_fields.hpp>
#include <callgate/adapters/trial.hpp>
#include <callgate/app/provider_kit.hpp>
#include <callgate/replay/capture.hpp>
#include <fstream>
#include <ostream>
#include <sstream>

namespace callgate::app {
namespace {

using nlohmann::json;

std::optional<std::string> slurp(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/** A payload file's requests: a capture (values with "body"), else the file is one body. */
std::vector<replay::CaptureItem> requests_in(const std::string& text) {
  const auto whole = json::parse(text, nullptr, false);
  const bool capture =
      (whole.is_object() && whole.contains("body")) ||
      (whole.is_array() && !whole.empty() && whole[0].is_object() && whole[0].contains("body"));
  if (capture)
    if (auto items = replay::read_capture(text)) return *items;
  replay::CaptureItem raw;  // the bytes as they are: a JSON body, a form body or a JWT
  raw.body = text;
  while (!raw.body.empty() && (raw.body.back() == '\n' || raw.body.back() == '\r'))
    raw.body.pop_back();
  return {raw};
}

/** The source's keys as a config would give them, from key=value settings. */
std::string source_yaml(const std::vector<std::string>& settings, bool unsigned_source) {
  std::string yaml;
  for (const auto& s : settings) {
    const auto eq = s.find('=');
    const auto key = s.substr(0, eq);
    const auto value = eq == std::string::npos ? std::string() : s.substr(eq + 1);
    // A JSON string is a YAML scalar: any value, quoted. A list is written [a, b].
    yaml += key + ": " + (value.starts_with('[') ? value : json(value).dump()) + "\n";
  }
  if (unsigned_source) yaml += "allow_unsigned: true\n";
  return yaml;
}

bool has_setting(const std::vector<std::string>& settings, const std::string& key) {
  for (const auto& s : settings)
    if (s.substr(0, s.find('=')) == key) return true;
  return false;
}

void print_transcript(const core::Observation& o, std::ostream& out) {
  const auto& t = *o.transcript;
  out << "  observation: call " << o.call_key << ", transcript, at " << format_iso8601(o.event_time)
      << (t.complete ? ", complete" : "") << '\n';
  for (const auto& u : t.utterances) {
    out << "    " << u.track << " (" << to_string(u.origin) << (u.final ? "" : ", interim");
    if (u.at)
      out << ", at " << format_iso8601(*u.at);
    else
      out << ", " << u.start << "-" << u.end << " s";
    out << "): " << u.text << '\n';
  }
}

void print_observation(const core::Observation& o, std::ostream& out) {
  if (o.transcript) {
    print_transcript(o, out);
    return;
  }
  out << "  observation: call " << o.call_key << ", " << to_string(o.phase) << ", "
      << to_string(o.direction) << ", at " << format_iso8601(o.event_time);
  if (!o.external_number.empty()) out << ", external " << o.external_number;
  if (!o.internal_number.empty()) out << ", internal " << o.internal_number;
  if (o.answered) out << ", answered";
  if (o.voicemail) out << ", voicemail";
  if (!o.users.empty()) out << ", user " << o.users.front().id;
  if (!o.recording_url.empty()) out << ", recording " << o.recording_url;
  out << '\n';
  for (const auto& w : o.warnings) out << "  warning: " << w << '\n';
}

/** One captured request, as the server would hand it to a source. */
adapters::TrialRequest trial_request(const replay::CaptureItem& item) {
  adapters::TrialRequest r;
  for (const auto& [name, value] : item.headers) r.headers.emplace_back(name, value);
  r.body = item.body;
  if (auto mark = item.url.find('?'); mark != std::string::npos)
    r.query = item.url.substr(mark + 1);
  r.get = item.method == "GET";
  return r;
}

}  // namespace

int provider_test(const ProviderTest& t, std::ostream& out) {
  auto text = slurp(t.definition);
  if (!text) {
    out << t.definition << ": cannot read\n";
    return 2;
  }
  std::shared_ptr<const adapters::defined::Definition> d;
  std::unique_ptr<adapters::Source> source;
  bool check_signature = true;
  try {
    d = adapters::defined::load_definition(*text, t.definition);
    const auto& secret = d->signature.secret;
    check_signature = secret.empty() || has_setting(t.settings, secret);
    auto keys = t.settings;
    if (!check_signature) {
      out << "signature: not checked (no --set " << secret << "=...)\n";
      keys.push_back(secret + "=(not set)");  // the source is made whole; verify is skipped
    }
    const auto node = yaml::load_yaml_text(source_yaml(keys, secret.empty()), "--set");
    auto factory = adapters::defined::definition_factory(d);
    adapters::SourceSettings settings{d->name, false};
    settings.allow_unsigned = node.boolean("allow_unsigned", false);
    settings.numbers = adapters::read_number_rules(node, "");
    source = factory.create(node, settings);
    node.finish();
  } catch (const yaml::ConfigError& e) {
    out << e.what() << '\n';
    return 2;
  }
  TimePoint at = now();
  if (!t.at.empty()) {
    auto parsed = parse_iso8601(t.at);
    if (!parsed) {
      out << "--at must be an ISO 8601 time\n";
      return 2;
    }
    at = *parsed;
  }

  std::vector<adapters::TrialRequest> requests;
  std::vector<std::string> files;  // each request's file, for the report
  for (const auto& file : t.payloads) {
    auto payload = slurp(file);
    if (!payload) {
      out << file << ": cannot read\n";
      return 2;
    }
    for (const auto& item : requests_in(*payload)) {
      requests.push_back(trial_request(item));
      files.push_back(file);
    }
  }
  const auto trial = adapters::try_requests(*source, requests, at, check_signature);
  bool bad = false;
  for (std::size_t i = 0; i < trial.requests.size(); ++i) {
    const auto& v = trial.requests[i];
    out << "request " << i + 1 << " (" << files[i] << "): ";
    if (v.verdict == "refused") {
      out << "refused: " << v.reason << '\n';
      bad = true;
      continue;
    }
    out << v.event_type << ": " << v.verdict;
    if (v.verdict == "handshake") out << ", answered " << v.answer;
    out << '\n';
    for (const auto& o : v.observations) {
      print_observation(o, out);
      bad = bad || !o.warnings.empty();
    }
  }
  out << "events:\n";
  for (const auto& e : trial.events) out << "  " << e << '\n';
  return bad ? 1 : 0;
}

int provider_check(const std::string& definition, std::ostream& out) {
  auto text = slurp(definition);
  if (!text) {
    out << definition << ": cannot read\n";
    return 1;
  }
  try {
    const auto d = adapters::defined::load_definition(*text, definition);
    out << definition << ": ok: provider " << d->name << " (" << d->events.size()
        << " event types), source keys:";
    for (const auto& k : d->keys) out << ' ' << k.name << (k.required ? "" : " (optional)");
    out << '\n';
    return 0;
  } catch (const yaml::ConfigError& e) {
    out << e.what() << '\n';
    return 1;
  }
}

}  // namespace callgate::app
