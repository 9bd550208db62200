#include <callgate/adapters/webex/webex.hpp>
#include <callgate/verify/webex.hpp>

namespace callgate::adapters::webex {
namespace {

/** A Webex source: HMAC-SHA1 over the body with one of its secrets. */
class WebexSource final : public Source {
 public:
  WebexSource(SourceSettings s, std::vector<std::string> secrets)
      : Source(std::move(s)), secrets_(std::move(secrets)) {}

  result<void> verify(const Request& r) const override {
    return verify::verify_webex(r.headers, r.body, secrets_);
  }
  result<Parsed> parse(const Request& r) const override { return webex::parse(r, settings()); }
  CheckDescription describe_check() const override {
    return {"hmac-sha1", "{body}", {"X-Spark-Signature"}, {}, false, {}, {}, {}, secrets_.size()};
  }

 private:
  std::vector<std::string> secrets_;
};

}  // namespace

ProviderFactory factory() {
  return {"webex",
          [](const yaml::Node& node, SourceSettings settings) -> std::unique_ptr<Source> {
            auto secrets = node.strings("secret");
            for (auto& s : node.strings("secrets")) secrets.push_back(std::move(s));
            if (secrets.empty()) node.fail("secret", "is required for provider webex");
            for (const auto& s : secrets)
              if (s.empty()) node.fail("secret", "must not be empty");
            return std::make_unique<WebexSource>(std::move(settings), std::move(secrets));
          },
          webex::parse};
}

}  // namespace callgate::adapters::webex
