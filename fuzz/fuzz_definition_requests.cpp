// Every bundled provider definition's signature check and mapping on arbitrary requests: the
// input is split into a header value, a query string and a body, sent as a POST and (to the
// providers that take one) a GET. Never throws, never crashes, and a forged HMAC or JWT never
// verifies (a static token or password could, in principle, be guessed: those are not aborted).
#include <callgate/adapters/source.hpp>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace callgate;
  struct Made {
    std::unique_ptr<adapters::Source> source;
    std::string header;
    bool signed_by_mac;  ///< an HMAC or a JWT: verifying a fuzzed request is a bug
  };
  static const std::vector<Made> sources = [] {
    adapters::Registry r;
    adapters::register_builtin_providers(r);
    std::vector<Made> out;
    for (const auto* spec :
         {"provider: twilio\nauth_token: t0k\npublic_url: https://h.example.com/t\n|X-Twilio-"
          "Signature|mac",
          "provider: vonage\nsignature_secret: s3cret\n|Authorization|mac",
          "provider: zoom_phone\nsecret_token: s3cret\n|x-zm-signature|mac",
          "provider: plivo\nauth_token: t0k\npublic_url: https://h.example.com/p\n|X-Plivo-"
          "Signature-V3|mac",
          "provider: dialpad\nsecret: s3cret\n|X-Unused|mac",
          "provider: aircall\ntoken: a-long-webhook-token\n|X-Unused|token",
          "provider: ringcentral\nverification_token: a-long-verification-token\n|Validation-"
          "Token|token",
          "provider: bandwidth\nusername: u\npassword: a-long-password\n|Authorization|token"}) {
      const std::string text(spec);
      const auto bar = text.find('|');
      const auto bar2 = text.find('|', bar + 1);
      const auto node = yaml::load_yaml_text(text.substr(0, bar), "fuzz.yaml");
      const auto provider = node.string("provider");
      out.push_back({r.find(provider)->create(node, {"fuzz", true}),
                     text.substr(bar + 1, bar2 - bar - 1), text.substr(bar2 + 1) == "mac"});
    }
    return out;
  }();
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto cut1 = in.find('\0');
  const auto cut2 = cut1 == std::string_view::npos ? cut1 : in.find('\0', cut1 + 1);
  const auto header = in.substr(0, cut1);
  const auto query =
      cut1 == std::string_view::npos ? std::string_view{} : in.substr(cut1 + 1, cut2 - cut1 - 1);
  const auto body = cut2 == std::string_view::npos ? in : in.substr(cut2 + 1);
  for (const auto& made : sources) {
    boost::beast::http::fields headers;
    headers.set(made.header, std::string(header));
    headers.set("x-zm-request-timestamp", "1700000000");
    headers.set("X-Plivo-Signature-V3-Nonce", "12345");
    for (const bool get : {false, true}) {
      if (get && !made.source->accepts_get()) continue;
      const adapters::Request r{headers, body, from_unix_ms(1'700'000'000'000), query, get};
      // Nobody forges an HMAC or a JWT by chance.
      if (made.source->verify(r) && made.signed_by_mac) std::abort();
      if (auto parsed = made.source->parse(r))
        for (const auto& o : parsed->observations)
          if (o.call_key.empty() || o.source != "fuzz") std::abort();
    }
  }
  return 0;
}
