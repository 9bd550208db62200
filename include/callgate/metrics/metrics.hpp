#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace callgate::metrics {

/** Label pairs in a fixed order, e.g. {{"source","webex"},{"status","200"}}. */
using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

/**
 * Process-wide counters, gauges and one latency histogram, rendered in the Prometheus text
 * format at GET /metrics. Thread-safe; incrementing an existing series takes a shared lock.
 */
class Metrics {
 public:
  Metrics();

  void inc(std::string_view name, const Labels& labels = {}, std::uint64_t n = 1);
  /** One series, resolved once: a hot path adds to it with fetch_add, without a lookup. Valid as
   * long as this Metrics lives. */
  std::atomic<std::int64_t>& counter(std::string_view name, const Labels& labels = {}) {
    return series(name, labels);
  }
  void set(std::string_view name, std::int64_t value, const Labels& labels = {});
  void observe_request_seconds(double seconds);
  /** The current value of a counter or gauge series (0 if never touched); for tests and admin. */
  std::int64_t value(std::string_view name, const Labels& labels = {}) const;

  /** One series of a family: its labels, kept as data, and its value when read. */
  struct Sample {
    std::vector<std::pair<std::string, std::string>> labels;
    std::int64_t value = 0;
    /** The value of label `key`, "" if the series has none. */
    std::string_view label(std::string_view key) const;
  };

  std::string render() const;
  /** Every series of one family, as it stands now. */
  std::vector<Sample> series_of(std::string_view name) const;

  /** The request latency histogram's upper bounds, in seconds. */
  static constexpr std::array<double, 12> kLatencyBounds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                         0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
  /** Requests per latency bucket so far (not cumulative); the last is above every bound. */
  using LatencyCounts = std::array<std::uint64_t, kLatencyBounds.size() + 1>;
  LatencyCounts latency_counts() const;

 private:
  struct Series {
    std::atomic<std::int64_t> value{0};
    std::vector<std::pair<std::string, std::string>> labels;  // set once, when it is made
  };
  struct Family {
    std::string type;
    std::string help;
    std::map<std::string, Series, std::less<>> series;  // key: the labels as rendered
  };
  static constexpr const auto& kBuckets = kLatencyBounds;

  std::atomic<std::int64_t>& series(std::string_view name, const Labels& labels);

  mutable std::shared_mutex mutex_;
  std::map<std::string, Family, std::less<>> families_;
  std::array<std::atomic<std::uint64_t>, kBuckets.size() + 1> buckets_{};
  std::atomic<std::uint64_t> latency_count_{0};
  std::atomic<std::uint64_t> latency_sum_us_{0};
};

}  // namespace callgate::metrics
