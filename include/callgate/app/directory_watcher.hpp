#pragma once

#include <callgate/core/directory.hpp>
#include <callgate/metrics/metrics.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace callgate::app {

/**
 * Keeps a Directory in step with its file, without a restart: a thread of its own looks at the
 * file's size and modification time every `interval` and reads it again when either changed.
 * A file that does not read (a bad row, half written) is refused with its file:line in the log
 * and in callgate_directory_reloads_total{result="refused"}; the directory in force stays.
 */
class DirectoryWatcher {
 public:
  DirectoryWatcher(std::string path, std::shared_ptr<core::Directory> directory,
                   metrics::Metrics& metrics,
                   std::chrono::milliseconds interval = std::chrono::seconds(1));
  ~DirectoryWatcher();
  DirectoryWatcher(const DirectoryWatcher&) = delete;
  DirectoryWatcher& operator=(const DirectoryWatcher&) = delete;

 private:
  /** The file's size and modification time, or zeros when it cannot be read. */
  struct Stamp {
    std::int64_t size = 0;
    std::int64_t mtime_ns = 0;
    bool operator==(const Stamp&) const = default;
  };
  Stamp stamp() const;
  void run();
  void reload();

  std::string path_;
  std::shared_ptr<core::Directory> directory_;
  metrics::Metrics& metrics_;
  std::chrono::milliseconds interval_;
  Stamp seen_;  // the watcher thread's alone after construction
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace callgate::app
