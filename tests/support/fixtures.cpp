#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
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

store::Opened open_memory_store(bool call_log) {
  store::StoreConfig c;
  c.type = "memory";
  c.call_log = call_log;
  return store::open_store(c);
}

TempStore::TempStore() {
  config.path = (dir / "callgate.db").string();
  auto opened = store::open_store(config);
  store = std::move(opened.store);
  writer = std::move(opened.writer);
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
  record_emitted_events_in(path_);
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void record_emitted_events(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines)
    if (line.starts_with(R"({"event":"telephonyCall::)") ||
        line.starts_with(R"({"event":"telephonyCallTranscript::)"))
      out.append(line).push_back('\n');
  if (out.empty()) return;
  // Tests run in parallel processes: one locked append per batch keeps lines whole.
  const int fd = ::open(CALLGATE_EMITTED_EVENTS_FILE, O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) return;
  ::flock(fd, LOCK_EX);
  for (std::size_t done = 0; done < out.size();) {
    const auto n = ::write(fd, out.data() + done, out.size() - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::flock(fd, LOCK_UN);
  ::close(fd);
}

void record_emitted_events_in(const std::filesystem::path& dir) {
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec) && it->path().extension() == ".jsonl")
      record_emitted_events(read_lines(it->path()));
}

std::vector<std::string> read_lines(const std::filesystem::path& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

}  // namespace callgate::testing
