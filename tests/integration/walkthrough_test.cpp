// docs/definitions.md's walkthrough, run as written: every file it shows is written, every
// command it shows is run with the real binary, and what it prints must be what the page says.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <support/fixtures.hpp>
#include <support/server_process.hpp>

namespace callgate::testing {
namespace {

/** The fenced block that follows `at` in text: its lines between the ``` fences. */
std::string block_after(const std::string& text, std::size_t at) {
  const auto open = text.find("```", at);
  const auto start = text.find('\n', open) + 1;
  const auto close = text.find("\n```", start);
  return text.substr(start, close - start + 1);
}

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

TEST(DefinitionWalkthrough, EveryFileAndCommandOfThePageGivesWhatThePageSays) {
  const auto page = read_file(data_path("../../docs/definitions.md"));
  TempDir dir;
  std::filesystem::create_directories(dir / "providers");
  int files = 0, runs = 0;
  for (std::size_t at = page.find("<!-- walkthrough:"); at != std::string::npos;
       at = page.find("<!-- walkthrough:", at + 1)) {
    const auto marker = page.substr(at, page.find("-->", at) - at);
    const auto block = block_after(page, at);
    if (marker.starts_with("<!-- walkthrough:file ")) {
      const auto name = words(marker.substr(22)).at(0);
      std::ofstream(dir / name) << block;
      ++files;
      continue;
    }
    ASSERT_TRUE(marker.starts_with("<!-- walkthrough:run exit=")) << marker;
    const int exit_code = std::stoi(marker.substr(26));
    const auto newline = block.find('\n');
    const auto command = block.substr(0, newline);
    const auto expected = block.substr(newline + 1);
    ASSERT_TRUE(command.starts_with("$ callgate ")) << command;
    ASSERT_EQ(command.find_first_of("'\""), std::string::npos) << "no quoting: " << command;
    auto args = words(command.substr(11));
    std::string out;
    EXPECT_EQ(run_callgate(args, out, {}, dir.path()), exit_code) << command << "\n" << out;
    EXPECT_EQ(out, expected) << command;
    ++runs;
  }
  EXPECT_EQ(files, 5);
  EXPECT_EQ(runs, 5);
}

}  // namespace
}  // namespace callgate::testing
