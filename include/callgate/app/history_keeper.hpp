#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <callgate/metrics/history.hpp>
#include <string>

namespace callgate::app {

/**
 * Closes a minute of the per-minute history as each minute ends (a timer on the admin
 * listener's thread) and keeps it in `file` across restarts: read at start, written after each
 * minute and once more at stop. A file that cannot be read or written is logged and the history
 * goes on in memory.
 */
class HistoryKeeper {
 public:
  HistoryKeeper(const metrics::Metrics& metrics, std::string file);
  /** Schedules the first minute's end on executor's thread; every other call is made there. */
  void start(const boost::asio::any_io_executor& executor);
  /** After that thread has stopped: the minute so far, then the file. */
  void stop();
  const metrics::History& history() const { return history_; }

 private:
  void schedule();
  void close_minute();
  void save() const;

  const metrics::Metrics& metrics_;
  std::string file_;
  metrics::History history_;
  std::optional<boost::asio::steady_timer> timer_;
};

}  // namespace callgate::app
