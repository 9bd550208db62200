// `callgate provider test | check`: how a user (and our tests) develops a definition, without a
// server, a store or a network.
#include <callgate/adapters/defined/provider.hpp>
#include <callgate/adapters/json_fields.hpp>
#include <callgate/app/provider_kit.hpp>
#include <callgate/core/correlate.hpp>
#include <callgate/replay/capture.hpp>
#include <fstream>
#include <map>
#include <ostream>
#include <set>
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

void print_observation(const core::Observation& o, std::ostream& out) {
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

/** Headers and query of one captured request, as the server would hand them to a source. */
struct View {
  verify::Headers headers;
  std::string query;
  bool get = false;
};

View view_of(const replay::CaptureItem& item) {
  View v;
  for (const auto& [name, value] : item.headers) v.headers.insert(name, value);
  if (auto mark = item.url.find('?'); mark != std::string::npos)
    v.query = item.url.substr(mark + 1);
  v.get = item.method == "GET";
  return v;
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

  bool bad = false;
  std::set<std::string> seen;  // dedup keys, as the store remembers them
  std::vector<core::Observation> accepted;
  int n = 0;
  for (const auto& file : t.payloads) {
    auto payload = slurp(file);
    if (!payload) {
      out << file << ": cannot read\n";
      return 2;
    }
    for (const auto& item : requests_in(*payload)) {
      const auto v = view_of(item);
      const adapters::Request r{v.headers, item.body, at, v.query, v.get};
      out << "request " << ++n << " (" << file << "): ";
      if (auto ok = check_signature ? source->verify(r) : result<void>{}; !ok) {
        out << "refused: " << ok.error().message() << '\n';
        bad = true;
        continue;
      }
      auto parsed = source->parse(r);
      if (!parsed) {
        out << "refused: " << parsed.error().message() << '\n';
        bad = true;
        continue;
      }
      if (parsed->answer) {
        out << parsed->event_type << ": handshake, answered " << parsed->answer->body << '\n';
        continue;
      }
      if (parsed->observations.empty()) {
        out << parsed->event_type << ": ignored\n";
        continue;
      }
      adapters::finish_observations(parsed->observations, source->settings(),
                                    r.get ? r.query : r.body);
      const bool repeat = !seen.insert(parsed->observations.front().dedup_key).second;
      out << parsed->event_type << ": " << (repeat ? "duplicate" : "accepted") << '\n';
      for (auto& o : parsed->observations) {
        print_observation(o, out);
        bad = bad || !o.warnings.empty();
        if (!repeat) accepted.push_back(std::move(o));
      }
    }
  }

  out << "events:\n";
  std::map<std::string, core::CallState> calls;
  for (const auto& o : accepted) {
    const auto id = core::derive_call_id(o.source, o.call_key);
    auto it = calls.find(id);
    auto decision =
        core::decide(it == calls.end() ? std::nullopt : std::optional(it->second), o, id, at);
    for (const auto& e : decision.events) out << "  " << e.body << '\n';
    calls[id] = std::move(decision.state);
  }
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
