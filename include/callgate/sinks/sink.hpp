#pragma once

#include <atomic>
#include <callgate/error.hpp>
#include <callgate/metrics/metrics.hpp>
#include <callgate/outbox/delivery_log.hpp>
#include <callgate/outbox/delivery_queue.hpp>
#include <callgate/store/rows.hpp>
#include <callgate/store/store.hpp>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace callgate::sinks {

/**
 * A destination for emitted events. Like spdlog's base_sink, the public methods are final and do
 * the shared work: one delivery thread per sink that reads the outbox (never memory), a
 * DeliveryQueue for ordering, retries and dead letters, the cursor saved in the store as rows
 * settle, wake-ups after commits, and metrics. Implementations override recover_ and deliver_.
 */
class Sink {
 public:
  /** linger: after a delivery, gather rows this long before the next one (a sink that syncs
   * to disk per batch syncs less often; events wait at most this much longer). */
  Sink(std::string name, store::Store& store, metrics::Metrics& metrics,
       outbox::DeliveryQueue::Policy policy, std::chrono::milliseconds linger = {});
  virtual ~Sink();
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  /** Reconciles with the destination (recover_), then starts delivering. Throws on failure. */
  void start();
  /** New events were committed: look at the outbox now rather than at the next poll. */
  void notify();
  using Deadline = std::chrono::steady_clock::time_point;
  /** Makes one last pass over what is ready to deliver, until deadline at the latest (an
   * attempt still in flight then is cut short), then stops. What is left stays in the outbox
   * for the next start. Idempotent. */
  void stop(Deadline deadline = Deadline::max());

  const std::string& name() const { return name_; }
  /** `start_from: oldest`: a sink's first start takes every event the outbox retains; by default
   * (`now`) only those after it. Set before start(). */
  void start_from_oldest(bool oldest) { from_oldest_ = oldest; }
  /** Every outbox seq up to this one is delivered or dead-lettered. */
  std::int64_t delivered_seq() const { return delivered_seq_.load(); }
  /** What this sink has lately done (admin API; any thread). */
  outbox::DeliveryLog::Snapshot activity() const { return log_.snapshot(); }
  /** Makes every event waiting for a retry due now, and wakes the sink (any thread). */
  void retry_now();

 protected:
  /** Makes the destination agree with the saved cursor (nullopt on the sink's first start) and
   * returns the cursor to continue from. Runs once, before delivering. */
  virtual result<store::SinkCursor> recover_(const std::optional<store::SinkCursor>& saved) {
    return saved.value_or(store::SinkCursor{});
  }
  /** Attempts rows (oldest first, at most max_in_flight) and returns one Attempt per row. */
  virtual std::vector<outbox::Attempt> deliver_(const std::vector<store::OutboxRow>& rows) = 0;
  /** Whether recover_ must run before any delivery (the file sink cuts its file back); a sink
   * that needs nothing of the kind may start while the store is still unreachable. */
  virtual bool recovers_destination_() const { return false; }
  /** The sink-specific position to save with the cursor after a delivery (file offset). */
  virtual std::int64_t position_() const { return 0; }
  /** Cuts short a deliver_ in progress (called from stop() at its deadline, on another thread);
   * the attempts it cut count as failed and are retried after the next start. */
  virtual void interrupt_() {}
  // A derived destructor must call stop() first, so no delivery runs on a half-destroyed object.

 private:
  void run();
  /** The cursor of a first start from now: the outbox's last seq (logged). */
  result<std::int64_t> first_cursor();
  /** One round: refill from the outbox, deliver what is ready, record results. */
  bool step(TimePoint now);
  /** Saves the cursor when the queue has settled further, and refreshes the lag. */
  void save_progress();
  /** Takes or renews this replica's lease on the sink; false while another replica holds it. */
  bool hold_lease();
  /** Keeps a round's attempts in the delivery log. */
  void log_attempts(const std::vector<store::OutboxRow>& rows,
                    const std::vector<outbox::Attempt>& attempts,
                    const std::vector<outbox::DeliveryQueue::Completion>& completions,
                    TimePoint at);
  /** Sets callgate_sink_lag_events: outbox events after the saved cursor. */
  void report_lag();
  /** Adds each failed attempt to its call's log, for the call's timeline (when the store keeps
   * one); a delivered event shows as delivered through the sink's cursor. */
  void record_attempts(const std::vector<store::OutboxRow>& rows,
                       const std::vector<outbox::Attempt>& attempts, TimePoint at);
  /** How long an attempt stays in its call's log (a call's own retention is the committer's). */
  static constexpr std::chrono::hours kAttemptLogLife{24};

  std::string name_;
  store::Store& store_;
  metrics::Metrics& metrics_;
  outbox::DeliveryQueue::Policy policy_;
  std::chrono::milliseconds linger_;
  std::string holder_;  // this process, in the store's lease
  bool from_oldest_ = false;
  bool leading_ = false;
  std::optional<outbox::DeliveryQueue> queue_;
  std::int64_t saved_seq_ = 0;
  std::atomic<std::int64_t> delivered_seq_{0};
  std::atomic<bool> retry_requested_{false};
  outbox::DeliveryLog log_;
  /** When callgate_sink_lag_events was last set (steady clock; at most once a second unless the
   * cursor moves, so a sink whose receiver is down still shows its lag growing). */
  std::chrono::steady_clock::time_point lag_set_at_{};

  std::mutex mutex_;
  std::condition_variable wake_;
  bool pending_ = false;
  bool stopping_ = false;
  Deadline deadline_ = Deadline::max();
  bool exited_ = false;  // the delivery thread has returned
  std::condition_variable exited_cv_;
  std::thread thread_;
};

}  // namespace callgate::sinks
