// docs/providers.md's walkthrough definition, loaded from the page itself, on the event the page
// shows: the documentation cannot drift from what callgate does.
#include <gtest/gtest.h>

#include <callgate/adapters/defined/provider.hpp>
#include <callgate/core/correlate.hpp>
#include <support/fixtures.hpp>

namespace callgate {
namespace {

std::string between(const std::string& text, const std::string& begin, const std::string& end) {
  const auto a = text.find(begin);
  if (a == std::string::npos) return {};
  const auto b = text.find(end, a + begin.size());
  if (b == std::string::npos) return {};
  return text.substr(a + begin.size(), b - a - begin.size());
}

TEST(DefinitionWalkthrough, TheAircallDefinitionInTheDocsMapsTheEventInTheDocs) {
  const auto page = testing::read_file(testing::data_path("../../docs/providers.md"));
  const auto yaml = between(between(page, "<!-- walkthrough:begin -->", "<!-- walkthrough:end -->"),
                            "```yaml\n", "```");
  ASSERT_FALSE(yaml.empty());
  auto factory = adapters::defined::definition_factory(
      adapters::defined::load_definition(yaml, "docs/providers.md"));
  EXPECT_EQ(factory.name, "aircall");
  const auto node = yaml::load_yaml_text("webhook_token: 45XXYYZZa08\n", "config.yaml");
  auto source = factory.create(node, {"aircall", false});

  auto event = between(page, "```json\n", "```");
  ASSERT_FALSE(event.empty());
  const boost::beast::http::fields headers;
  const TimePoint now = from_unix_ms(1'585'001'101'000);
  ASSERT_TRUE(source->verify({headers, event, now}));
  auto forged = event;
  forged.replace(forged.find("45XXYYZZa08"), 11, "45XXYYZZa09");
  EXPECT_FALSE(source->verify({headers, forged, now}));

  auto parsed = source->parse({headers, event, now});
  ASSERT_TRUE(parsed);
  const auto& o = parsed->observations.at(0);
  EXPECT_EQ(o.call_key, "812");
  const auto d = core::decide(std::nullopt, o, "call_1", now);
  const auto fields = core::unified_fields(d.state);
  EXPECT_EQ(fields["status"], "completed");
  EXPECT_EQ(fields["duration"], 90);
  EXPECT_EQ(fields["direction"], "inbound");
  EXPECT_EQ(fields["externalNumber"], "+1 800-123-4567");
  EXPECT_EQ(fields["internalNumber"], "+1 800-987-6543");
  EXPECT_EQ(fields["users"][0]["id"], "456");
}

}  // namespace
}  // namespace callgate
