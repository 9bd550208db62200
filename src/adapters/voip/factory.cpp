#include <callgate/adapters/voip/voip.hpp>
#include <callgate/verify/bearer.hpp>
#include <callgate/verify/standard_webhooks.hpp>

namespace callgate::adapters::voip {
namespace {

/** A generic PBX source: a bearer token, or Standard Webhooks signatures, or either. */
class VoipSource final : public Source {
 public:
  VoipSource(SourceSettings s, std::vector<std::string> tokens,
             std::vector<verify::StandardWebhooksSecret> secrets, std::chrono::seconds tolerance)
      : Source(std::move(s)),
        tokens_(std::move(tokens)),
        secrets_(std::move(secrets)),
        tolerance_(tolerance) {}

  result<void> verify(const Request& r) const override {
    // A request carrying webhook-signature is held to it; otherwise the bearer token decides.
    const bool signed_request = r.headers.find("webhook-signature") != r.headers.end() ||
                                r.headers.find("svix-signature") != r.headers.end();
    if (!secrets_.empty() && (signed_request || tokens_.empty()))
      return verify::verify_standard_webhooks(r.headers, r.body, secrets_, tolerance_,
                                              r.received_at);
    return verify::verify_bearer(r.headers, tokens_);
  }
  std::chrono::seconds timestamp_tolerance() const override {
    return secrets_.empty() ? std::chrono::seconds{} : tolerance_;  // bearer tokens sign no time
  }
  result<Parsed> parse(const Request& r) const override { return voip::parse(r, settings()); }
  CheckDescription describe_check() const override {
    if (secrets_.empty())
      return {"bearer", {}, {"Authorization"}, {}, false, {}, {}, {}, tokens_.size()};
    return {tokens_.empty() ? "standard-webhooks" : "standard-webhooks, else bearer",
            "{header:webhook-id}.{header:webhook-timestamp}.{body}",
            tokens_.empty()
                ? std::vector<std::string>{"webhook-signature", "svix-signature"}
                : std::vector<std::string>{"webhook-signature", "svix-signature", "Authorization"},
            "webhook-timestamp",
            false,
            tolerance_,
            {},
            {},
            secrets_.size() + tokens_.size()};
  }

 private:
  std::vector<std::string> tokens_;
  std::vector<verify::StandardWebhooksSecret> secrets_;
  std::chrono::seconds tolerance_;
};

}  // namespace

ProviderFactory factory() {
  return {"voip",
          [](const yaml::Node& node, SourceSettings settings) -> std::unique_ptr<Source> {
            const auto auth = node.map("auth");
            auto tokens = auth.strings("bearer");
            std::vector<verify::StandardWebhooksSecret> secrets;
            for (const auto& text : auth.strings("standard_webhooks_secret")) {
              auto secret = verify::StandardWebhooksSecret::parse(text);
              if (!secret) auth.fail("standard_webhooks_secret", "must be whsec_ + base64");
              secrets.push_back(std::move(*secret));
            }
            auth.finish();
            if (tokens.empty() && secrets.empty())
              node.fail("auth", "needs bearer or standard_webhooks_secret");
            for (const auto& t : tokens)
              if (t.empty()) auth.fail("bearer", "must not be empty");
            const auto tolerance = node.integer("tolerance_seconds", 300, 1, 86400);
            return std::make_unique<VoipSource>(std::move(settings), std::move(tokens),
                                                std::move(secrets),
                                                std::chrono::seconds{tolerance});
          },
          voip::parse};
}

}  // namespace callgate::adapters::voip
