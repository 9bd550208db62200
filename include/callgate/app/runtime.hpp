#pragma once

#include <callgate/config/config.hpp>
#include <callgate/metrics/metrics.hpp>
#include <callgate/outbox/committer.hpp>
#include <callgate/outbox/request_recorder.hpp>
#include <callgate/sinks/sink.hpp>
#include <callgate/store/store.hpp>
#include <memory>
#include <vector>

namespace callgate::app {

/**
 * The parts behind the HTTP layer, built from the configuration: the store, the committer and
 * the sinks, wired so that every commit wakes the sinks. `serve` and `replay` both run one.
 */
class Runtime {
 public:
  /** Opens the store and creates the sinks; throws std::runtime_error if it cannot. */
  explicit Runtime(const config::Config& config);
  ~Runtime();

  /** Recovers and starts the sinks, then the committer. */
  void start();
  /** Stops the committer (finishing what was submitted), then the sinks: a last delivery pass
   * until deadline at the latest. Logs how many events each sink leaves in the outbox. */
  void stop(std::chrono::steady_clock::time_point deadline =
                std::chrono::steady_clock::time_point::max());
  /** Wakes every sink (after events were added to the outbox outside a commit). */
  void notify_sinks();

  store::Store& store() { return *store_; }
  metrics::Metrics& metrics() { return metrics_; }
  outbox::Committer& committer() { return *committer_; }
  /** Null when request_log.enabled is false. */
  outbox::RequestRecorder* recorder() { return recorder_.get(); }
  const std::vector<std::unique_ptr<sinks::Sink>>& sinks() const { return sinks_; }
  /** The sink of that name, or null. */
  sinks::Sink* sink(std::string_view name) const;

 private:
  std::unique_ptr<store::Store> store_;
  metrics::Metrics metrics_;
  std::vector<std::unique_ptr<sinks::Sink>> sinks_;
  std::unique_ptr<outbox::Committer> committer_;
  std::unique_ptr<outbox::RequestRecorder> recorder_;
  bool stopped_ = false;
  bool durable_ = true;  // false for the memory store: what is left at shutdown is lost
};

}  // namespace callgate::app
