// Every registered provider's parser on arbitrary bytes, then what every observation gets after it
// (numbers read into E.164): never throws, never crashes, and what it returns is sane. A new
// provider is fuzzed as soon as it is registered.
#include <callgate/adapters/source.hpp>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace callgate;
  static const adapters::Registry registry = [] {
    adapters::Registry r;
    adapters::register_builtin_providers(r);
    return r;
  }();
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const boost::beast::http::fields headers;
  const adapters::Request r{headers, body, from_unix_ms(1'700'000'000'000)};
  // A number either stays exactly as it came or becomes + and 1 to 15 digits.
  const auto kept_or_e164 = [](const std::string& before, const std::string& after) {
    if (after == before) return true;
    if (after.size() < 2 || after.size() > 16 || after[0] != '+' || after[1] == '0') return false;
    return after.find_first_not_of("0123456789", 1) == std::string::npos;
  };
  adapters::SourceSettings settings{"fuzz", true};
  settings.numbers.region = size % 2 == 0 ? "US" : "DE";
  for (const auto name : registry.names()) {
    auto parsed = registry.find(name)->parse(r, settings);
    if (!parsed) continue;
    auto before = parsed->observations;
    adapters::finish_observations(parsed->observations, settings, body);
    for (std::size_t i = 0; i < parsed->observations.size(); ++i) {
      const auto& o = parsed->observations[i];
      // Every observation names its call one way or the other.
      if (o.call_key.empty() && o.match_key.empty()) std::abort();
      if (o.source != "fuzz") std::abort();
      if (!kept_or_e164(before[i].external_number, o.external_number)) std::abort();
      if (!kept_or_e164(before[i].internal_number, o.internal_number)) std::abort();
      if (o.match_key != before[i].match_key) std::abort();  // identity never moves
    }
  }
  return 0;
}
