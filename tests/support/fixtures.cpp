#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <sstream>
#include <support/fixtures.hpp>

namespace callgate::testing {

std::filesystem::path data_path(const std::string& relative) {
  return std::filesystem::path(CALLGATE_TEST_DATA_DIR) / relative;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read " << path;
    return {};
  }
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<replay::CaptureItem> read_capture_fixture(const std::string& relative) {
  auto items = replay::read_capture(read_file(data_path(relative)));
  if (!items) {
    ADD_FAILURE() << "cannot read capture " << relative;
    return {};
  }
  return *items;
}

std::vector<std::string> webex_seed_bodies() {
  std::vector<std::string> out;
  for (auto& item : read_capture_fixture("webex/telephony_calls_capture.json"))
    out.push_back(item.body);
  return out;
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "callgate-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::vector<std::string> read_lines(const std::filesystem::path& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

}  // namespace callgate::testing
