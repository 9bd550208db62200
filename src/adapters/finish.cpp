#include <callgate/adapters/json_fields.hpp>
#include <callgate/adapters/source.hpp>

namespace callgate::adapters {

void finish_observations(std::vector<core::Observation>& observations,
                         const SourceSettings& settings, std::string_view delivery) {
  fill_redelivery_keys(observations, delivery);
  const auto directory = settings.directory ? settings.directory->table() : nullptr;
  for (auto& o : observations) {
    o.identity = settings.identity;
    core::normalize_numbers(o, settings.numbers);
    if (directory) core::apply_directory(o, *directory);
  }
}

void check_region(const yaml::Node& node, std::string_view key, const std::string& region) {
  if (!region.empty() && !core::known_region(region))
    node.fail(key,
              "'" + region +
                  "' is not a region: use an ISO 3166-1 alpha-2 code in capitals (US, DE, GB)");
}

core::NumberRules read_number_rules(const yaml::Node& source, const std::string& region) {
  core::NumberRules rules;
  rules.region = source.string_or("default_region", region);
  check_region(source, "default_region", rules.region);
  rules.normalize = source.boolean("normalize_numbers", true);
  return rules;
}

}  // namespace callgate::adapters
