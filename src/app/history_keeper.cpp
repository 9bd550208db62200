#include <spdlog/spdlog.h>

#include <callgate/app/history_keeper.hpp>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

namespace callgate::app {

HistoryKeeper::HistoryKeeper(const metrics::Metrics& metrics, std::string file)
    : metrics_(metrics), file_(std::move(file)) {
  if (file_.empty()) return;
  std::ifstream in(file_);
  if (!in) return;  // the first start
  const auto saved = nlohmann::json::parse(in, nullptr, false);
  if (saved.is_discarded() || !history_.load(saved))
    spdlog::warn("metrics: {} is not a history callgate wrote; the charts start empty", file_);
}

void HistoryKeeper::start(const boost::asio::any_io_executor& executor) {
  timer_.emplace(executor);
  schedule();
}

void HistoryKeeper::schedule() {
  // Just after the minute's end, so the sample falls in the next minute and closes this one.
  const auto ms = to_unix_ms(now());
  timer_->expires_after(std::chrono::milliseconds(60'000 - ms % 60'000 + 50));
  timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    close_minute();
    schedule();
  });
}

void HistoryKeeper::close_minute() {
  // Sampled a moment into the next minute: what was counted belongs to the one that ended.
  history_.sample(metrics_, now() - std::chrono::milliseconds(100));
  save();
}

void HistoryKeeper::stop() {
  timer_.reset();
  history_.sample(metrics_, now());
  save();
}

void HistoryKeeper::save() const {
  if (file_.empty()) return;
  const auto tmp = file_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << history_.to_json().dump();
    if (!out.flush()) {
      spdlog::warn("metrics: cannot write {}; the history goes on in memory", tmp);
      return;
    }
  }
  if (std::rename(tmp.c_str(), file_.c_str()) != 0)
    spdlog::warn("metrics: cannot replace {}; the history goes on in memory", file_);
}

}  // namespace callgate::app
