#pragma once

#include <callgate/metrics/metrics.hpp>
#include <callgate/store/store.hpp>
#include <callgate/time.hpp>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace callgate::http {

/**
 * GET /admin/overview: per source, requests accepted and refused (by reason) with a chart of the
 * last ten minutes; per sink, its lag and newest dead letters; the newest events; the number of
 * live calls. Any thread (it keeps its chart's samples behind a lock).
 */
class Overview {
 public:
  Overview(store::Reader& store, metrics::Metrics& metrics, std::vector<std::string> sinks);

  /** The overview now; store_unavailable when the store does not answer. */
  result<nlohmann::ordered_json> at(TimePoint now);

 private:
  struct Totals {
    std::int64_t accepted = 0;
    std::int64_t rejected = 0;
    std::map<std::string, std::int64_t> rejected_by;  // reason -> count
  };
  struct Sample {
    TimePoint at;
    std::map<std::string, Totals> by_source;
  };
  /** Accepted and refused requests per source, as the metrics count them now. */
  Sample snapshot(TimePoint now) const;
  /** Keeps a snapshot every kSampleEvery for the charts; mutex_ held. */
  void keep(const Sample& now);
  nlohmann::ordered_json sources(const Sample& now) const;
  result<nlohmann::ordered_json> sinks();
  result<nlohmann::ordered_json> events();

  store::Reader& store_;
  metrics::Metrics& metrics_;
  std::vector<std::string> sinks_;
  mutable std::mutex mutex_;
  std::deque<Sample> samples_;
};

}  // namespace callgate::http
