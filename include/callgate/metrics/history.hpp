#pragma once

#include <callgate/metrics/metrics.hpp>
#include <callgate/time.hpp>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace callgate::metrics {

/** A source's webhook requests in one minute. */
struct SourceMinute {
  std::int64_t accepted = 0;    ///< answered 200 and new (duplicates apart)
  std::int64_t duplicates = 0;  ///< a provider's redelivery of what was taken already
  std::int64_t refused = 0;     ///< refused at any step, 503s included
};

/** A sink's deliveries in one minute, and its lag at the minute's end. */
struct SinkMinute {
  std::int64_t delivered = 0;
  std::int64_t failed = 0;  ///< failed attempts
  std::int64_t dead = 0;    ///< events given up on
  std::int64_t lag = 0;
};

/** One minute of what the console charts. */
struct Minute {
  std::int64_t at_ms = 0;  ///< the minute's start (unix ms, a whole minute)
  std::map<std::string, SourceMinute> sources;
  std::map<std::string, SinkMinute> sinks;
  std::int64_t requests = 0;  ///< requests timed (every listener's)
  double p50_ms = 0;          ///< their latency quantiles, from the histogram's buckets
  double p99_ms = 0;
};

/**
 * What the counters of Metrics grew by, minute by minute, for the last `keep` minutes (a day by
 * default): the console's charts. sample() closes a minute; the counters of a process start at
 * zero, so the first sample after a start counts from there, and a minute sampled twice (a
 * restart within it) adds up. Every member locks: any thread may call it.
 */
class History {
 public:
  explicit History(std::size_t keep = 24 * 60);

  /** Adds what the counters grew by since the last sample to the minute that `now` falls in,
   * after the minute before it if need be. */
  void sample(const Metrics& metrics, TimePoint now);
  /** The minutes from `since` on, oldest first. */
  std::vector<Minute> since(TimePoint since) const;

  /** The kept minutes from `since` on as JSON (the admin API's form), and back: a restart goes
   * on from them. With `live`, the minute in progress too, as its counters stand at `now`. */
  nlohmann::ordered_json to_json(TimePoint since = {}, const Metrics* live = nullptr,
                                 TimePoint now = {}) const;
  /** Adds minutes read from to_json's form; false (and nothing added) when it is not that. */
  bool load(const nlohmann::json& saved);

 private:
  /** The counters as the last sample saw them. */
  struct Baseline {
    std::map<std::string, std::int64_t> counters;  // name + labels
    Metrics::LatencyCounts latency{};
  };
  /** What the counters grew by since `last`, which moves on to them. */
  static Minute measure(const Metrics& metrics, Baseline& last);
  /** Adds m's counts to into's (the lag: m's). */
  static void add(Minute& into, const Minute& m);
  Minute* find(std::int64_t at_ms);
  /** The minute starting at at_ms, added in order if it is not kept yet; null when it is older
   * than every minute kept and there is no room. */
  Minute* minute_at(std::int64_t at_ms);

  std::size_t keep_;
  mutable std::mutex mutex_;
  std::deque<Minute> minutes_;  // oldest first
  Baseline last_;
};

/** The q-quantile (0..1) of requests counted per latency bucket, in ms, linear within a bucket;
 * 0 without requests. */
double latency_quantile_ms(const Metrics::LatencyCounts& counts, double q);

}  // namespace callgate::metrics
