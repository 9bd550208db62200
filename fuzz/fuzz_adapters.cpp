// Every adapter on arbitrary bytes: never throws, never crashes, and what it returns is sane.
#include <callgate/adapters/telnyx/telnyx.hpp>
#include <callgate/adapters/voip/voip.hpp>
#include <callgate/adapters/webex/webex.hpp>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace callgate;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const boost::beast::http::fields headers;
  const adapters::Request r{headers, body, from_unix_ms(1'700'000'000'000)};
  for (auto parse : {adapters::webex::parse, adapters::telnyx::parse, adapters::voip::parse}) {
    auto parsed = parse(r, {"fuzz", true});
    if (!parsed) continue;
    for (const auto& o : parsed->observations) {
      // Every observation names its call one way or the other.
      if (o.call_key.empty() && o.match_key.empty()) std::abort();
      if (o.source != "fuzz") std::abort();
    }
  }
  return 0;
}
