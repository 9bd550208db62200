#include <callgate/adapters/source.hpp>
#include <callgate/adapters/telnyx/telnyx.hpp>
#include <callgate/adapters/voip/voip.hpp>
#include <callgate/adapters/webex/webex.hpp>

namespace callgate::adapters {

void Registry::add(ProviderFactory f) { factories_.push_back(std::move(f)); }

const ProviderFactory* Registry::find(std::string_view name) const {
  for (const auto& f : factories_)
    if (f.name == name) return &f;
  return nullptr;
}

std::vector<std::string_view> Registry::names() const {
  std::vector<std::string_view> out;
  for (const auto& f : factories_) out.push_back(f.name);
  return out;
}

void register_builtin_providers(Registry& r) {
  r.add(webex::factory());
  r.add(telnyx::factory());
  r.add(voip::factory());
}

}  // namespace callgate::adapters
