#pragma once

#include <atomic>
#include <callgate/error.hpp>
#include <callgate/metrics/metrics.hpp>
#include <callgate/outbox/outbox.hpp>
#include <callgate/store/store.hpp>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace callgate::sinks {

/**
 * A destination for emitted events. Like spdlog's base_sink, the public methods are final and do
 * the shared work: one delivery thread per sink, the outbox cursor (saved in the store after every
 * delivered batch), wake-ups after commits, retry with backoff, and metrics. Implementations only
 * override recover_ and deliver_.
 */
class Sink {
 public:
  Sink(std::string name, store::Store& store, metrics::Metrics& metrics);
  virtual ~Sink();
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  /** Reconciles with the destination (recover_), then starts delivering. Throws on failure. */
  void start();
  /** New events were committed: deliver them now rather than at the next poll. */
  void notify();
  /** Delivers what is already in the outbox (unless delivery fails), then stops. */
  void stop();

  const std::string& name() const { return name_; }
  /** The last outbox seq this sink has delivered. */
  std::int64_t delivered_seq() const { return delivered_seq_.load(); }

 protected:
  /** Makes the destination agree with the saved cursor (e.g. drop a torn tail; nullopt on the
   * sink's first start) and returns the cursor to continue from. Runs once, before delivering. */
  virtual result<outbox::SinkCursor> recover_(const std::optional<outbox::SinkCursor>& saved) {
    return saved.value_or(outbox::SinkCursor{});
  }
  /** Delivers rows (in seq order, all after cursor) and returns the cursor after the last one. */
  virtual result<outbox::SinkCursor> deliver_(const std::vector<outbox::OutboxRow>& rows,
                                              const outbox::SinkCursor& cursor) = 0;

 private:
  void run();
  bool deliver_pending();

  std::string name_;
  store::Store& store_;
  metrics::Metrics& metrics_;
  outbox::SinkCursor cursor_;
  std::atomic<std::int64_t> delivered_seq_{0};

  std::mutex mutex_;
  std::condition_variable wake_;
  bool pending_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace callgate::sinks
