#pragma once

#include <callgate/metrics/metrics.hpp>
#include <callgate/store/requests.hpp>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace callgate::outbox {

/**
 * Writes the request log off the request path. record() (any thread) only queues; the
 * recorder's own thread writes what is queued in batches and trims the log to its retention and
 * cap once a minute, or whenever a tenth of the cap (at least 1,000) was written since. A full
 * queue (the store slow or down) drops the newest records, counted in
 * callgate_request_log_dropped_total: the log is for diagnosis and never holds up a webhook.
 */
class RequestRecorder {
 public:
  RequestRecorder(store::RequestLog& log, metrics::Metrics& metrics,
                  store::RequestLogConfig config);
  ~RequestRecorder();
  RequestRecorder(const RequestRecorder&) = delete;
  RequestRecorder& operator=(const RequestRecorder&) = delete;

  /** Any thread: queues one record (never blocks on the store). */
  void record(store::RequestRecord r);
  /** Any thread: returns once everything queued before the call is written (or failed). */
  void flush();
  /** Writes what is queued and stops the thread; record() afterwards drops. */
  void stop();

  const store::RequestLogConfig& config() const { return config_; }

 private:
  void run();
  void write(std::vector<store::RequestRecord>& batch);
  void trim();

  store::RequestLog& log_;
  metrics::Metrics& metrics_;
  store::RequestLogConfig config_;
  std::mutex mutex_;
  std::condition_variable wake_, written_;
  std::deque<store::RequestRecord> queue_;
  std::size_t queued_bytes_ = 0;
  std::uint64_t taken_ = 0, done_ = 0;  // records handed to the writer, and written or failed
  bool stopping_ = false;
  std::chrono::steady_clock::time_point last_trim_{};
  std::size_t since_trim_ = 0;  // written since the last trim (the recorder's thread only)
  std::thread thread_;
};

}  // namespace callgate::outbox
