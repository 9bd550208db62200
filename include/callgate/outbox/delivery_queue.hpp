#pragma once

#include <callgate/store/rows.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace callgate::outbox {

using store::DeadLetter;
using store::OutboxRow;

/** What became of one delivery attempt. */
struct Attempt {
  enum class Result { delivered, retry, dead };
  Result result = Result::delivered;
  std::string reason{};  ///< why it failed, for logs and dead letters (never a secret)
  /** The receiver's Retry-After, which replaces the computed backoff. */
  std::optional<std::chrono::milliseconds> retry_after{};
  int status = 0;                       ///< the receiver's HTTP status (0: none, or not HTTP)
  std::chrono::milliseconds latency{};  ///< from sending to the answer (or the failure)
  std::string response{};               ///< the start of a failed answer's body, printable
};

/**
 * Decides, for one sink, which outbox rows to attempt and when: the ordering rule, retries with
 * exponential backoff and full jitter, and dead-lettering. Pure: no I/O, time is passed in and
 * randomness comes from a seeded generator, so every schedule is testable.
 *
 * Ordering: per call (a call's next event waits until its previous one is delivered or dead,
 * while other calls go on), or one global order (a log: nothing passes a failed row).
 */
class DeliveryQueue {
 public:
  struct Policy {
    bool per_call = true;
    std::size_t max_in_flight = 8;  ///< rows handed out at once
    int max_attempts = 12;          ///< then dead-letter; 0 retries forever
    std::chrono::milliseconds backoff_base{1000};
    std::chrono::milliseconds backoff_max{3'600'000};
  };

  /** settled_seq: every row up to it was already delivered or dead-lettered (the saved cursor). */
  DeliveryQueue(Policy policy, std::int64_t settled_seq, std::uint64_t seed);

  /** Adds rows that follow last_added_seq(); rows addressed to another sink are passed over. */
  void add(const std::vector<OutboxRow>& rows, std::string_view sink);
  std::int64_t last_added_seq() const { return last_added_; }
  /** Rows added and not yet delivered or dead. */
  std::size_t pending() const { return entries_.size(); }

  /** The rows to attempt now (marked in flight until complete()). */
  std::vector<OutboxRow> take_ready(TimePoint now);
  /** What complete() made of an attempt: which attempt of its row it was, and when the next
   * one is due (a retry; nullopt once the row is delivered or dead). */
  struct Completion {
    int number = 0;
    std::optional<TimePoint> next_at;
  };
  /** Records one attempt's result for an in-flight row. */
  Completion complete(std::int64_t seq, const Attempt& attempt, TimePoint now);

  /** A row that failed and waits for its next attempt. */
  struct Waiting {
    std::int64_t seq = 0;
    std::string call_id;
    std::string event_type;
    std::string idempotency_key;
    int attempts = 0;     ///< failed so far
    TimePoint next_at{};  ///< when it may be attempted again
    std::string last_error;
  };
  /** Up to n rows waiting for a retry, oldest first. */
  std::vector<Waiting> waiting(std::size_t n) const;
  /** Makes every waiting retry due now (an operator's "retry now"); returns how many. */
  std::size_t retry_now(TimePoint now);

  /** Every seq up to this one is delivered or dead: the cursor to save. */
  std::int64_t settled_seq() const;
  /** When the earliest waiting retry becomes ready (nullopt when none waits). */
  std::optional<TimePoint> next_ready_at() const;
  /** Dead letters since the last call. */
  std::vector<DeadLetter> take_dead_letters();
  /** The wait before attempt n+1 after n failures: uniform in [0, min(max, base * 2^(n-1))]. */
  std::chrono::milliseconds backoff(int failures);

 private:
  struct Entry {
    OutboxRow row;
    int attempts = 0;
    TimePoint ready_at{};
    bool in_flight = false;
    std::string last_error;
  };
  bool is_head(const Entry& e) const;
  void settle(std::map<std::int64_t, Entry>::iterator it);

  Policy policy_;
  std::int64_t last_added_;
  std::map<std::int64_t, Entry> entries_;                  // unsettled rows by seq
  std::map<std::string, std::deque<std::int64_t>> calls_;  // per call: unsettled seqs in order
  std::size_t in_flight_ = 0;
  std::size_t failed_ = 0;  // entries with a failed attempt (waiting() skips the scan at 0)
  std::vector<DeadLetter> dead_;
  std::mt19937_64 random_;
};

}  // namespace callgate::outbox
