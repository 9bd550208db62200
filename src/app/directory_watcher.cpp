#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <callgate/app/directory_watcher.hpp>
#include <callgate/config/directory_file.hpp>
#include <callgate/thread_name.hpp>
#include <callgate/yaml/node.hpp>

namespace callgate::app {

DirectoryWatcher::DirectoryWatcher(std::string path, std::shared_ptr<core::Directory> directory,
                                   metrics::Metrics& metrics, std::chrono::milliseconds interval)
    : path_(std::move(path)),
      directory_(std::move(directory)),
      metrics_(metrics),
      interval_(interval),
      seen_(stamp()) {
  metrics_.set("callgate_directory_rows", static_cast<std::int64_t>(directory_->table()->size()));
  thread_ = std::thread([this] { run(); });
}

DirectoryWatcher::~DirectoryWatcher() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

DirectoryWatcher::Stamp DirectoryWatcher::stamp() const {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) return {};
  return {static_cast<std::int64_t>(st.st_size),
          static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

void DirectoryWatcher::run() {
  name_this_thread("cg-directory");
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    const auto now = stamp();
    if (now == seen_) continue;
    seen_ = now;
    lock.unlock();
    reload();
    lock.lock();
  }
}

void DirectoryWatcher::reload() {
  try {
    auto table = std::make_shared<const core::DirectoryTable>(config::read_directory_file(path_));
    const auto rows = static_cast<std::int64_t>(table->size());
    directory_->replace(std::move(table));
    metrics_.inc("callgate_directory_reloads_total", {{"result", "loaded"}});
    metrics_.set("callgate_directory_rows", rows);
    spdlog::info("directory: read {} row(s) from {}", rows, path_);
  } catch (const yaml::ConfigError& e) {
    metrics_.inc("callgate_directory_reloads_total", {{"result", "refused"}});
    spdlog::error("directory: {}; the directory read before stays in force", e.what());
  }
}

}  // namespace callgate::app
