#pragma once

#include <callgate/outbox/delivery_queue.hpp>
#include <callgate/time.hpp>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace callgate::outbox {

/** One finished delivery attempt, as an operator reads it. */
struct AttemptRecord {
  TimePoint at{};
  std::int64_t seq = 0;
  std::string call_id;
  std::string event_type;
  std::string idempotency_key;
  int number = 1;  ///< this event's first, second, ... attempt
  Attempt attempt;
  std::optional<TimePoint> next_at;  ///< a retry: when it is due
};

/**
 * What one sink has lately done, for the admin API: its last attempts and failures, since when
 * it fails, and the rows that wait for a retry. Held in memory by the process that delivers (a
 * replica that does not hold the sink's lease has nothing to show). Its sink's delivery thread
 * writes it and the admin API reads it: every member takes the lock, so any thread may call it.
 */
class DeliveryLog {
 public:
  static constexpr std::size_t kAttempts = 50;  ///< the newest attempts kept
  static constexpr std::size_t kFailures = 50;  ///< and, apart, the newest failed ones
  static constexpr std::size_t kWaiting = 50;   ///< rows waiting for a retry shown

  struct Snapshot {
    std::vector<AttemptRecord> attempts;      ///< newest first
    std::vector<AttemptRecord> failures;      ///< newest first
    std::optional<TimePoint> failing_since;   ///< the first failure after the last delivery
    std::optional<TimePoint> last_delivered;  ///< the last delivered attempt
    std::optional<TimePoint> next_attempt_at;
    std::vector<DeliveryQueue::Waiting> waiting;  ///< oldest first
    std::size_t pending = 0;                      ///< rows read and not settled
  };

  /** A round's attempts, in the order they finished. */
  void add(std::vector<AttemptRecord> attempts);
  /** The queue as it stands after a round. */
  void set_queue(std::vector<DeliveryQueue::Waiting> waiting, std::size_t pending,
                 std::optional<TimePoint> next_attempt_at);
  Snapshot snapshot() const;

 private:
  mutable std::mutex mutex_;
  std::deque<AttemptRecord> attempts_;
  std::deque<AttemptRecord> failures_;
  std::optional<TimePoint> failing_since_;
  std::optional<TimePoint> last_delivered_;
  std::optional<TimePoint> next_attempt_at_;
  std::vector<DeliveryQueue::Waiting> waiting_;
  std::size_t pending_ = 0;
};

}  // namespace callgate::outbox
