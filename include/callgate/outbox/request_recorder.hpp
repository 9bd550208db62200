#pragma once

#include <callgate/metrics/metrics.hpp>
#include <callgate/store/requests.hpp>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace callgate::outbox {

/**
 * Writes the request log off the request path. record() (any thread) turns a record into its
 * stored form there and queues it; the recorder's own thread writes what is queued in batches
 * (a full one, or what came in 200 ms) and, after each batch, trims the log to its cap (and, once a
 * minute, to its retention). A full queue (the store slow or down) drops the newest records,
 * counted in callgate_request_log_dropped_total: the log is for diagnosis and never holds up a
 * webhook.
 */
class RequestRecorder {
 public:
  RequestRecorder(store::RequestLog& log, metrics::Metrics& metrics,
                  store::RequestLogConfig config);
  ~RequestRecorder();
  RequestRecorder(const RequestRecorder&) = delete;
  RequestRecorder& operator=(const RequestRecorder&) = delete;

  /** Any thread: queues one record (never blocks on the store). */
  void record(const store::RequestRecord& r);
  /** Any thread: returns once everything queued before the call is written (or failed). */
  void flush();
  /** Writes what is queued and stops the thread; record() afterwards drops. */
  void stop();

  const store::RequestLogConfig& config() const { return config_; }

 private:
  void run();
  void write(std::vector<store::StoredRequest>& batch);
  void trim(bool by_age);

  store::RequestLog& log_;
  metrics::Metrics& metrics_;
  store::RequestLogConfig config_;
  std::mutex mutex_;
  std::condition_variable wake_, written_;
  std::deque<store::StoredRequest> queue_;
  std::size_t queued_bytes_ = 0;
  std::uint64_t taken_ = 0, done_ = 0;  // records handed to the writer, and written or failed
  std::uint64_t flush_until_ = 0;       // a flush() waits for the records before this
  bool stopping_ = false;
  std::chrono::steady_clock::time_point last_trim_{};  // by retention (the recorder's thread)
  std::thread thread_;
};

}  // namespace callgate::outbox
