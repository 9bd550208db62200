#include <callgate/adapters/defined/provider.hpp>
#include <callgate/adapters/source.hpp>
#include <callgate/adapters/telnyx/telnyx.hpp>
#include <callgate/adapters/voip/voip.hpp>
#include <callgate/adapters/webex/webex.hpp>

namespace callgate::adapters {
namespace {

class ParseOnlySource final : public Source {
 public:
  ParseOnlySource(ParseFn parse, SourceSettings s)
      : Source(std::move(s)), parse_(std::move(parse)) {}
  result<void> verify(const Request&) const override {
    return make_error_code(errc::bad_signature);
  }
  result<Parsed> parse(const Request& r) const override { return parse_(r, settings()); }

 private:
  ParseFn parse_;
};

}  // namespace

std::unique_ptr<Source> parse_only_source(ParseFn parse, SourceSettings settings) {
  return std::make_unique<ParseOnlySource>(std::move(parse), std::move(settings));
}

void register_builtin_providers(Registry& r) {
  r.add(webex::factory());
  r.add(telnyx::factory());
  r.add(voip::factory());
  defined::register_bundled(r);
}

}  // namespace callgate::adapters
