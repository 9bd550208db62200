// A team's directory: its own ids in place of the platforms' references.
#include <gtest/gtest.h>

#include <callgate/core/directory.hpp>

namespace callgate::core {
namespace {

using Kind = DirectoryRow::Kind;

DirectoryTable table() {
  return DirectoryTable({
      {"aircall", Kind::contact, "789", "crm-contact-1", "contact", "d.csv:1"},
      {"*", Kind::contact, "+14155550100", "crm-contact-2", "lead", "d.csv:2"},
      {"aircall", Kind::contact, "+14155550100", "crm-contact-3", "contact", "d.csv:3"},
      {"*", Kind::user, "456", "crm-user-7", "user", "d.csv:4"},
      {"pbx", Kind::user, "2001", "crm-user-8", "user", "d.csv:5"},
  });
}

TEST(Directory, MatchingRowsReplaceThePlatformsReferences) {
  Observation o;
  o.source = "aircall";
  o.users = {{"user", "456"}, {"user", "999"}};
  o.contacts = {{"contact", "789"}};
  o.external_number = "+14155550100";
  apply_directory(o, table());
  EXPECT_EQ(o.users, (std::vector<ResourceRef>{{"user", "crm-user-7"}, {"user", "999"}}))
      << "a row for every source applies; an id with no row stays the platform's";
  EXPECT_EQ(o.contacts, (std::vector<ResourceRef>{{"contact", "crm-contact-1"}}))
      << "a named contact is not replaced by the number's";
}

TEST(Directory, ANumberFillsContactsAndAnExtensionFillsUsersWhenThePlatformNamesNone) {
  Observation o;
  o.source = "pbx";
  o.external_number = "+14155550100";
  o.internal_number = "2001";
  apply_directory(o, table());
  EXPECT_EQ(o.contacts, (std::vector<ResourceRef>{{"lead", "crm-contact-2"}}));
  EXPECT_EQ(o.users, (std::vector<ResourceRef>{{"user", "crm-user-8"}}));

  Observation a;
  a.source = "aircall";
  a.external_number = "+14155550100";
  apply_directory(a, table());
  EXPECT_EQ(a.contacts, (std::vector<ResourceRef>{{"contact", "crm-contact-3"}}))
      << "the source's own row wins over the one for every source";

  Observation other;
  other.source = "webex";
  other.internal_number = "2001";  // pbx's extension, not webex's
  apply_directory(other, table());
  EXPECT_TRUE(other.users.empty());
}

TEST(Directory, TwoRowsForTheSameReferenceAreRefusedNamingBoth) {
  try {
    const DirectoryTable table({{"pbx", Kind::user, "2001", "a", "user", "d.csv:4"},
                                {"pbx", Kind::user, "2001", "b", "user", "d.csv:9"}});
    FAIL() << "accepted " << table.size() << " rows";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()), "d.csv:9: the same source, kind and match as d.csv:4");
  }
}

TEST(Directory, IsReplacedWholeAndReadersKeepTheTableTheyHold) {
  Directory d(std::make_shared<const DirectoryTable>(table()));
  const auto held = d.table();
  EXPECT_EQ(held->size(), 5u);
  EXPECT_NE(held->find("pbx", Kind::user, "2001"), nullptr);
}

}  // namespace
}  // namespace callgate::core
