// Directory files, CSV and YAML: what a team writes, and what is refused with its file:line.
#include <gtest/gtest.h>

#include <callgate/config/directory_file.hpp>
#include <callgate/yaml/node.hpp>
#include <fstream>
#include <support/fixtures.hpp>

namespace callgate::config {
namespace {

using Kind = core::DirectoryRow::Kind;

class DirectoryFile : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& text) {
    auto path = (dir / name).string();
    std::ofstream(path) << text;
    return path;
  }
  std::string error_of(const std::string& path) {
    try {
      read_directory_file(path);
    } catch (const yaml::ConfigError& e) {
      return e.what();
    }
    return "no error";
  }
  testing::TempDir dir;
};

TEST_F(DirectoryFile, ReadsCsvWithAHeaderCommentsAndQuotes) {
  const auto t = read_directory_file(write("d.csv",
                                           "source,kind,match,id,model\n"
                                           "# our agents\n"
                                           "*, user, 456, crm-user-7\n"
                                           "\n"
                                           "aircall,contact,+14155550100,\"crm,1\",lead\r\n"
                                           "pbx,user,ada@example.com,crm-user-9,user\n"));
  EXPECT_EQ(t.size(), 3u);
  const auto* user = t.find("webex", Kind::user, "456");
  ASSERT_NE(user, nullptr);
  EXPECT_EQ(user->id, "crm-user-7");
  EXPECT_EQ(user->model, "user") << "the model defaults to the kind";
  const auto* contact = t.find("aircall", Kind::contact, "+14155550100");
  ASSERT_NE(contact, nullptr);
  EXPECT_EQ(contact->id, "crm,1");
  EXPECT_EQ(contact->model, "lead");
  EXPECT_NE(t.find("pbx", Kind::user, "ada@example.com"), nullptr);
}

TEST_F(DirectoryFile, ReadsYaml) {
  const auto t = read_directory_file(write("d.yaml",
                                           "rows:\n"
                                           "  - {source: pbx, kind: user, match: '2001', id: u1}\n"
                                           "  - source: '*'\n"
                                           "    kind: contact\n"
                                           "    match: '+14155550100'\n"
                                           "    id: c1\n"
                                           "    model: lead\n"));
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.find("any", Kind::contact, "+14155550100")->model, "lead");
}

TEST_F(DirectoryFile, ABadRowIsRefusedWithItsFileAndLine) {
  const auto csv = write("d.csv", "pbx,user,2001,u1\npbx,person,2002,u2\n");
  EXPECT_EQ(error_of(csv), csv + ":2: kind must be user or contact, not 'person'");
  const auto short_row = write("s.csv", "# header-less\npbx,user,2001\n");
  EXPECT_EQ(error_of(short_row),
            short_row + ":2: a row is source,kind,match,id[,model]; this one has 3 field(s)");
  const auto twice = write("t.csv", "pbx,user,2001,u1\n*,user,2001,u2\npbx,user,2001,u3\n");
  EXPECT_EQ(error_of(twice), twice + ":3: the same source, kind and match as " + twice + ":1");
  const auto yaml = write("d.yaml", "rows:\n  - {source: pbx, kind: user, match: '1', id: ''}\n");
  EXPECT_NE(error_of(yaml).find("d.yaml:2"), std::string::npos) << error_of(yaml);
  EXPECT_NE(error_of(yaml).find("id is empty"), std::string::npos) << error_of(yaml);
  EXPECT_EQ(error_of(write("d.txt", "")),
            (dir / "d.txt").string() + ": a directory is a .csv, .yaml or .yml file");
  EXPECT_EQ(error_of((dir / "absent.csv").string()),
            (dir / "absent.csv").string() + ": cannot be read");
}

}  // namespace
}  // namespace callgate::config
