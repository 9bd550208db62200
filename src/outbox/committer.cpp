#include <spdlog/spdlog.h>

#include <callgate/core/correlate.hpp>
#include <callgate/log_limit.hpp>
#include <callgate/outbox/committer.hpp>
#include <callgate/thread_name.hpp>

namespace callgate::outbox {

Committer::Committer(std::unique_ptr<store::Writer> writer, metrics::Metrics& metrics,
                     Options options, Clock clock)
    : writer_(std::move(writer)),
      metrics_(metrics),
      options_(options),
      clock_(std::move(clock)),
      cache_(options_.state_cache),
      caching_(!writer_->shared() && options_.state_cache > 0) {
  for (auto type : core::kEventTypes)
    emitted_by_type_[static_cast<std::size_t>(type)] =
        &metrics_.counter("callgate_events_emitted_total", {{"type", core::to_string(type)}});
  commits_ = &metrics_.counter("callgate_commits_total");
}

Committer::~Committer() { stop(); }

Committer::Counter* Committer::per_source(std::unordered_map<std::string, Counter*>& resolved,
                                          std::string_view name, const std::string& source) {
  auto& counter = resolved[source];
  if (!counter) counter = &metrics_.counter(name, {{"source", source}});
  return counter;
}

void Committer::start() {
  if (auto live = writer_->count_live_calls()) live_calls_ = *live;
  metrics_.set("callgate_live_calls", live_calls_);
  last_purge_ = clock_();
  thread_ = std::thread([this] {
    name_this_thread("cg-committer");
    run();
  });
}

void Committer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Committer::submit(std::vector<core::Observation> observations, Done done) {
  errc refused = errc::shutting_down;
  {
    std::lock_guard lock(mutex_);
    if (!stopping_ && queue_.size() < options_.max_queue) {
      queue_.push_back({std::move(observations), std::move(done), {}});
      wake_.notify_one();
      return;
    }
    if (!stopping_) refused = errc::overloaded;
  }
  if (refused == errc::overloaded) metrics_.inc("callgate_overloaded_total");
  done(make_error_code(refused));
}

void Committer::probe(std::function<void(result<void>)> done) {
  boost::system::error_code known;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      known = make_error_code(errc::shutting_down);
    } else if (health_fresh(clock_())) {
      known = health_;  // fresh enough: no store call at all
    } else {
      queue_.push_back({{}, {}, std::move(done)});
      wake_.notify_one();
      return;
    }
  }
  done(known ? result<void>(known) : result<void>{});
}

bool Committer::health_fresh(TimePoint now) const {
  return health_at_ != TimePoint{} && now - health_at_ < options_.probe_every;
}

void Committer::record_health(TimePoint at, boost::system::error_code ec) {
  std::lock_guard lock(mutex_);
  health_at_ = at;
  health_ = ec;
}

void Committer::answer_probes(std::vector<std::function<void(result<void>)>>& probes) {
  if (probes.empty()) return;
  const auto now = clock_();
  boost::system::error_code ec;
  bool fresh = false;
  {
    std::lock_guard lock(mutex_);
    fresh = health_fresh(now);
    ec = health_;
  }
  if (!fresh) {
    // One small write proves what an empty transaction would not: that the disk takes it.
    auto ok = writer_->probe_write(now);
    ec = ok ? boost::system::error_code{} : ok.error();
    record_health(now, ec);
  }
  for (auto& p : probes) p(ec ? result<void>(ec) : result<void>{});
  probes.clear();
}

void Committer::on_commit(std::function<void()> listener) {
  listeners_.push_back(std::move(listener));
}

void Committer::run() {
  std::vector<Job> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, options_.purge_every, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      // Everything that queued while the last commit was syncing goes into this one.
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    // Readiness probes are answered apart, after the batch's commit has told how the store is.
    std::vector<std::function<void(result<void>)>> probes;
    std::erase_if(batch, [&](Job& job) {
      if (!job.probe) return false;
      probes.push_back(std::move(job.probe));
      return true;
    });
    if (!batch.empty()) process(batch);
    batch.clear();
    answer_probes(probes);
    maybe_purge(clock_());
  }
}

void Committer::process(std::vector<Job>& batch) {
  // A shared store (Redis) refuses a commit when another replica changed a call this batch read;
  // deciding again on the fresh state is then the right answer, a few times before giving up.
  constexpr int kMaxConflicts = 20;
  for (int conflicts = 0;; ++conflicts) {
    const auto ec = try_process(batch);
    if (!ec) return;
    writer_->rollback();
    if (ec == errc::store_conflict && conflicts < kMaxConflicts) {
      metrics_.inc("callgate_commit_conflicts_total");
      continue;
    }
    // A failure that is not the whole store's (a corrupt stored call, say) belongs to one request:
    // decide the requests one by one, so that only the culprit gets the error and a provider
    // retrying it for hours does not knock out its neighbours.
    if (batch.size() > 1 && ec != errc::store_unavailable && ec != errc::store_conflict &&
        ec != errc::replicas_behind) {
      for (auto& job : batch) {
        std::vector<Job> one;
        one.push_back(std::move(job));
        process(one);
      }
      return;
    }
    metrics_.inc("callgate_commit_failures_total");
    if (ec == errc::replicas_behind) metrics_.inc("callgate_commit_replicas_behind_total");
    if (ec == errc::store_unavailable) record_health(clock_(), ec);
    if (ec == errc::corrupt_state)
      metrics_.inc("callgate_corrupt_calls_total");
    else
      log_limited(spdlog::level::err, "commit " + ec.message(),
                  "store: transaction failed ({}); {} request(s) answered 503", ec.message(),
                  batch.size());
    for (auto& job : batch) job.done(ec);
    return;
  }
}

boost::system::error_code Committer::try_process(std::vector<Job>& batch) {
  const TimePoint now = clock_();
  std::vector<result<Outcome>> outcomes(batch.size(), Outcome{});
  std::int64_t live_delta = 0;
  std::size_t emitted = 0;
  counts_.clear();  // metrics of this attempt, counted only once it commits
  written_.clear();
  if (auto ok = writer_->begin(); !ok) return ok.error();
  if (auto ok = prefetch(batch); !ok) return ok.error();
  for (std::size_t i = 0; i < batch.size(); ++i) {
    for (const auto& obs : batch[i].observations) {
      auto n = apply(obs, now, live_delta, outcomes[i]->events);
      if (!n) return n.error();
      if (n->redelivery) {
        ++outcomes[i]->redelivered;
        counts_.push_back(
            per_source(redeliveries_by_source_, "callgate_redeliveries_total", obs.source));
      }
      outcomes[i]->emitted += n->emitted;
      emitted += n->emitted;
    }
  }
  if (auto ok = writer_->commit(); !ok) return ok.error();
  record_health(now, {});
  if (caching_)  // durable now: the next events of these calls need no read
    for (const auto& [id, state] : written_) cache_.put(state);

  for (auto* c : counts_) c->fetch_add(1, std::memory_order_relaxed);
  commits_->fetch_add(1, std::memory_order_relaxed);
  live_calls_ += live_delta;
  metrics_.set("callgate_live_calls", live_calls_);
  if (emitted > 0)
    for (auto& listener : listeners_) listener();
  for (std::size_t i = 0; i < batch.size(); ++i) batch[i].done(outcomes[i]);
  return {};
}

result<void> Committer::prefetch(const std::vector<Job>& batch) {
  // Hashing call ids and building keys is request-path work: only for a store that uses them.
  if (!writer_->reads_ahead()) return {};
  std::vector<std::string> delivery_keys, call_ids;
  for (const auto& job : batch) {
    for (const auto& obs : job.observations) {
      delivery_keys.push_back(delivery_key(obs));
      if (!obs.call_key.empty()) call_ids.push_back(core::derive_call_id(obs.source, obs.call_key));
    }
  }
  return writer_->prefetch(delivery_keys, call_ids);
}

store::CallLogEntry Committer::log_entry(const core::Observation& obs, TimePoint now,
                                         bool duplicate) {
  using Kind = store::CallLogEntry::Kind;
  return {duplicate ? Kind::duplicate : Kind::received,
          now,
          obs.event_time,
          obs.source,
          obs.event_type,
          obs.dedup_key,
          0,
          {}};
}

std::string Committer::delivery_key(const core::Observation& obs) {
  return obs.source + '\x1f' + obs.dedup_key;
}

result<Committer::Applied> Committer::apply(const core::Observation& obs, TimePoint now,
                                            std::int64_t& live_delta,
                                            std::vector<store::CausedEvent>& caused) {
  const auto window = obs.dedup_window.value_or(options_.retention.deliveries);
  auto fresh = writer_->remember_delivery(delivery_key(obs), now + window);
  if (!fresh) return fresh.error();
  const auto& r = options_.retention;
  if (!*fresh) {
    // A redelivery goes into its call's log too, when the call is named (not matched).
    if (writer_->keeps_call_log() && !obs.call_key.empty())
      if (auto ok = writer_->append_call_log(core::derive_call_id(obs.source, obs.call_key),
                                             log_entry(obs, now, true), now + r.stale_calls);
          !ok)
        return ok.error();
    return Applied{0, true};
  }

  auto id = resolve_call_id(obs);
  if (!id) return id.error();
  // A call this attempt already wrote is taken from there; one whose last commit is cached
  // needs no read; any other is read from the store.
  const core::CallState* known = nullptr;
  if (caching_) {
    auto here = written_.find(*id);
    known = here != written_.end() ? &here->second : cache_.find(*id);
  }
  auto previous = known ? result<std::optional<core::CallState>>(std::optional(*known))
                        : writer_->load_call(*id);
  // What the store returns for a call this attempt did not write is committed: cache it.
  if (caching_ && !known && previous && *previous) cache_.put(**previous);
  if (!previous) {
    if (previous.error() == errc::corrupt_state)
      log_limited(spdlog::level::err, "corrupt " + *id,
                  "store: call {} (source {}) has an unreadable stored state; its events are "
                  "answered 500 until it is repaired, deleted or expires",
                  *id, obs.source);
    return previous.error();
  }

  auto decision = core::decide(*previous, obs, *id, now, options_.max_transcript_bytes);
  counts_.push_back(per_source(observations_by_source_, "callgate_observations_total", obs.source));
  const bool is_live = !decision.state.ended();
  const auto expires = is_live ? now + r.stale_calls : now + r.ended_calls;
  if (writer_->keeps_call_log())
    if (auto ok = writer_->append_call_log(*id, log_entry(obs, now, false), expires); !ok)
      return ok.error();
  if (!decision.state_changed) return Applied{};

  const bool was_live = *previous && !(*previous)->ended();
  live_delta += (is_live ? 1 : 0) - (was_live ? 1 : 0);

  if (auto ok = writer_->save_call(decision.state, expires); !ok) return ok.error();
  if (caching_) written_.insert_or_assign(decision.state.id, decision.state);
  for (const auto& e : decision.events) {
    auto seq = writer_->append_outbox(e, now);
    if (!seq) return seq.error();
    const store::CallLogEntry emitted{store::CallLogEntry::Kind::emitted,
                                      now,
                                      now,
                                      obs.source,
                                      std::string(core::to_string(e.type)),
                                      e.idempotency_key,
                                      *seq,
                                      {}};
    if (writer_->keeps_call_log())
      if (auto ok = writer_->append_call_log(e.call_id, emitted, expires); !ok) return ok.error();
    counts_.push_back(emitted_by_type_[static_cast<std::size_t>(e.type)]);
    caused.push_back({e.call_id, std::string(core::to_string(e.type)), e.idempotency_key});
  }
  return Applied{decision.events.size(), false};
}

// A provider call key gives the id directly. Without one (a PBX that sends no callId), the call is
// the newest live call with the same match key; an event that starts a call never joins a call
// that already started, and one that matches nothing starts a new call whose id derives from it.
result<std::string> Committer::resolve_call_id(const core::Observation& obs) {
  if (!obs.call_key.empty()) return core::derive_call_id(obs.source, obs.call_key);
  auto live = writer_->find_live_call(obs.source, obs.match_key);
  if (!live) return live.error();
  if (*live && !(obs.started_at && (*live)->started_at)) return (*live)->id;
  return core::derive_call_id(obs.source, "match:" + obs.match_key + "|" + obs.dedup_key);
}

void Committer::maybe_purge(TimePoint now) {
  if (now - last_purge_ < options_.purge_every) return;
  last_purge_ = now;
  if (!writer_->begin()) return;
  cache_.clear();  // the purge may drop calls the cache still holds
  if (!writer_->purge(now, now - options_.retention.outbox) || !writer_->commit()) {
    writer_->rollback();
    return;
  }
  if (auto live = writer_->count_live_calls()) {
    live_calls_ = *live;
    metrics_.set("callgate_live_calls", live_calls_);
  }
}

}  // namespace callgate::outbox
