#pragma once
// Test fixtures: files under tests/data and the seed capture.

#include <callgate/replay/capture.hpp>
#include <callgate/store/store.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace callgate::testing {

/** Path of a file under tests/data. */
std::filesystem::path data_path(const std::string& relative);
/** Whole file as bytes; fails the test (ADD_FAILURE) and returns "" if unreadable. */
std::string read_file(const std::filesystem::path& path);
/** Reads a capture fixture (tests/data/...) into its items. */
std::vector<replay::CaptureItem> read_capture_fixture(const std::string& relative);
/** The three request bodies of the Webex seed, in the seed's own order. */
std::vector<std::string> webex_seed_bodies();

/** A memory store and its writer (which stands in for the committer's, or is handed to one). */
store::Opened open_memory_store(bool call_log = true);

/** A fresh, empty temporary directory, removed when the object dies. */
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

/** A SQLite store in a directory of its own, and its writer: what a sink test reads from. */
struct TempStore {
  TempStore();
  TempDir dir;
  store::StoreConfig config;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<store::Writer> writer;
};

/**
 * Every unified event a test made callgate emit is kept for one last check against the JSON
 * Schema (docs/schema/, the `unified_event_schema` test). These add the lines that are
 * telephonyCall events; anything else is passed over. TempDir records its *.jsonl files itself.
 */
void record_emitted_events(const std::vector<std::string>& lines);
void record_emitted_events_in(const std::filesystem::path& dir);

/** Non-empty lines of a text file (missing file: none). */
std::vector<std::string> read_lines(const std::filesystem::path& path);

/** Polls pred every 20 ms until it holds or timeout passes; returns its last value. */
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return pred();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

}  // namespace callgate::testing
