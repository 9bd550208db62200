#include <callgate/adapters/telnyx/telnyx.hpp>
#include <callgate/verify/telnyx.hpp>

namespace callgate::adapters::telnyx {
namespace {

/** A Telnyx source: Ed25519 over "<timestamp>|<body>" with the account's public key(s). */
class TelnyxSource final : public Source {
 public:
  TelnyxSource(SourceSettings s, std::vector<verify::Ed25519PublicKey> keys,
               std::chrono::seconds tolerance)
      : Source(std::move(s)), keys_(std::move(keys)), tolerance_(tolerance) {}

  result<void> verify(const Request& r) const override {
    return verify::verify_telnyx(r.headers, r.body, keys_, tolerance_, r.received_at);
  }
  std::chrono::seconds timestamp_tolerance() const override { return tolerance_; }
  result<Parsed> parse(const Request& r) const override { return telnyx::parse(r, settings()); }
  CheckDescription describe_check() const override {
    return {"ed25519",
            "{header:telnyx-timestamp}|{body}",
            {"telnyx-signature-ed25519"},
            "telnyx-timestamp",
            false,
            tolerance_,
            {},
            {},
            keys_.size()};
  }

 private:
  std::vector<verify::Ed25519PublicKey> keys_;
  std::chrono::seconds tolerance_;
};

}  // namespace

ProviderFactory factory() {
  return {"telnyx",
          [](const yaml::Node& node, SourceSettings settings) -> std::unique_ptr<Source> {
            auto texts = node.strings("public_key");
            for (auto& k : node.strings("public_keys")) texts.push_back(std::move(k));
            if (texts.empty()) node.fail("public_key", "is required for provider telnyx");
            std::vector<verify::Ed25519PublicKey> keys;
            for (const auto& t : texts) {
              auto key = verify::Ed25519PublicKey::from_base64(t);
              if (!key) node.fail("public_key", "must be the base64 of a 32-byte Ed25519 key");
              keys.push_back(std::move(*key));
            }
            const auto tolerance = node.integer("tolerance_seconds", 300, 1, 86400);
            return std::make_unique<TelnyxSource>(std::move(settings), std::move(keys),
                                                  std::chrono::seconds{tolerance});
          },
          telnyx::parse};
}

}  // namespace callgate::adapters::telnyx
