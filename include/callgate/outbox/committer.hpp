#pragma once

#include <array>
#include <callgate/core/observation.hpp>
#include <callgate/error.hpp>
#include <callgate/metrics/metrics.hpp>
#include <callgate/outbox/state_cache.hpp>
#include <callgate/outbox/submitter.hpp>
#include <callgate/store/store.hpp>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace callgate::outbox {

/**
 * The one writer. Requests hand it their observations; it decides each against the stored call
 * (core::decide), writes states and emitted events in one transaction per batch of concurrent
 * requests (group commit), and only then calls each request's completion. Because every decision
 * happens on this thread, a call's events are decided and numbered in one order.
 */
class Committer final : public Submitter {
 public:
  using Clock = std::function<TimePoint()>;

  struct Options {
    std::size_t max_batch = 512;
    /** Requests waiting for the committer at most; past it a webhook gets 503 with Retry-After
     * at once, and memory stays flat however far the load outruns the store. */
    std::size_t max_queue = 20'000;
    /** Committed call states kept in memory (not for a shared store); 0 turns it off. */
    std::size_t state_cache = 10'000;
    store::Retention retention;
    std::chrono::seconds purge_every{60};
    /** Readiness is the outcome of the last commit or probe; older than this, probe again. */
    std::chrono::milliseconds probe_every{1000};
    /** A call's transcript text at most (store.max_transcript_bytes); beyond, dropped with a
     * warning. */
    std::size_t max_transcript_bytes = core::kDefaultMaxTranscriptBytes;
  };

  /** Takes the store's one writer: from here on only this committer's thread calls it. */
  Committer(std::unique_ptr<store::Writer> writer, metrics::Metrics& metrics, Options options,
            Clock clock);
  ~Committer();
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  void start();
  /** Finishes everything already submitted, then stops the thread. */
  void stop();

  /** Queues one request's observations; done runs on the committer thread after the commit. */
  void submit(std::vector<core::Observation> observations, Done done) override;
  /** Whether commits succeed (GET /readyz): the outcome of the last commit, or, when there has
   * been none for probe_every, of one small write on the committer thread. At most one store
   * call per probe_every however often it is asked; the commit metrics are left alone. */
  void probe(std::function<void(result<void>)> done) override;
  /** Called on the committer thread after every successful commit that emitted events. */
  void on_commit(std::function<void()> listener);

 private:
  struct Job {
    std::vector<core::Observation> observations;
    Done done;
    std::function<void(result<void>)> probe;
  };

  struct Applied {
    std::size_t emitted = 0;
    bool redelivery = false;
  };
  using Counter = std::atomic<std::int64_t>;

  /** The counter `name`{source}, resolved on its first use. */
  Counter* per_source(std::unordered_map<std::string, Counter*>& resolved, std::string_view name,
                      const std::string& source);
  void run();
  void process(std::vector<Job>& batch);
  /** One attempt at the batch: answers the jobs and returns ok only if the store committed. */
  boost::system::error_code try_process(std::vector<Job>& batch);
  /** Decides one observation's call; the events it writes are added to `caused`. */
  result<Applied> apply(const core::Observation& obs, TimePoint now, std::int64_t& live_delta,
                        std::vector<store::CausedEvent>& caused);
  /** Lets the store read the batch's delivery keys and calls ahead in one round trip. */
  result<void> prefetch(const std::vector<Job>& batch);
  static std::string delivery_key(const core::Observation& obs);
  /** What the call's log keeps of one provider event. */
  static store::CallLogEntry log_entry(const core::Observation& obs, TimePoint now, bool duplicate);
  result<std::string> resolve_call_id(const core::Observation& obs);
  void maybe_purge(TimePoint now);
  /** Whether the last write's outcome is recent enough to answer a probe; mutex_ held. */
  bool health_fresh(TimePoint now) const;
  /** Remembers how the last write to the store went, for probe(). */
  void record_health(TimePoint at, boost::system::error_code ec);
  /** Answers the probes of a batch: from a commit that just happened, else one probe write. */
  void answer_probes(std::vector<std::function<void(result<void>)>>& probes);

  std::unique_ptr<store::Writer> writer_;  // the committer thread's alone
  metrics::Metrics& metrics_;
  Options options_;
  Clock clock_;
  std::vector<std::function<void()>> listeners_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::thread thread_;
  std::int64_t live_calls_ = 0;
  // The last write's outcome and when (clock_ time); guarded by mutex_.
  TimePoint health_at_{};
  boost::system::error_code health_;
  TimePoint last_purge_{};
  /** Counters to increment once the attempt that found them commits, resolved once each. */
  std::vector<Counter*> counts_;
  std::array<Counter*, std::size(core::kEventTypes)> emitted_by_type_{};
  Counter* commits_ = nullptr;
  std::unordered_map<std::string, Counter*> redeliveries_by_source_, observations_by_source_;
  StateCache cache_;
  bool caching_;
  /** States this attempt wrote, by id: read back by its later events, cached once it commits. */
  std::unordered_map<std::string, core::CallState> written_;
};

}  // namespace callgate::outbox
