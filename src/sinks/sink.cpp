#include <spdlog/spdlog.h>
#include <unistd.h>

#include <callgate/log_limit.hpp>
#include <callgate/sinks/sink.hpp>
#include <callgate/thread_name.hpp>
#include <random>
#include <stdexcept>

namespace callgate::sinks {
namespace {

/** Rows held in memory per sink; the rest wait in the outbox. */
constexpr std::size_t kWindow = 2000;
constexpr std::chrono::seconds kPollEvery{1};
/** How long a replica's claim on a sink lasts without renewal (renewed every round). */
constexpr std::chrono::milliseconds kLease{10'000};

std::string lease_holder() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + std::to_string(::getpid()) + ":" +
         std::to_string(std::random_device{}());
}

}  // namespace

Sink::Sink(std::string name, store::Store& store, metrics::Metrics& metrics,
           outbox::DeliveryQueue::Policy policy, std::chrono::milliseconds linger)
    : name_(std::move(name)),
      store_(store),
      metrics_(metrics),
      policy_(policy),
      linger_(linger),
      holder_(lease_holder()) {}

Sink::~Sink() { stop(); }

void Sink::start() {
  std::int64_t seq = 0;
  if (auto saved = store_.load_cursor(name_)) {
    auto cursor = recover_(*saved);
    if (!cursor) throw std::runtime_error("sink " + name_ + ": " + cursor.error().message());
    if (!*saved && !from_oldest_) {
      auto last = first_cursor();
      if (!last) throw std::runtime_error("sink " + name_ + ": cannot read the outbox");
      cursor->seq = *last;
    }
    // Saving the cursor at once also tells outbox purging that this sink exists.
    if (!store_.save_cursor(name_, *cursor))
      throw std::runtime_error("sink " + name_ + ": cannot save its cursor");
    seq = cursor->seq;
  } else if (recovers_destination_()) {
    throw std::runtime_error("sink " + name_ + ": cannot read its cursor");
  } else {
    // A shared store that is down at startup: start anyway and deliver once it answers (the
    // first round that gets the lease reads the cursor).
    spdlog::warn("sink {}: the store does not answer yet; delivering once it does", name_);
  }
  queue_.emplace(policy_, seq, std::random_device{}());
  saved_seq_ = seq;
  delivered_seq_ = seq;
  thread_ = std::thread([this] {
    name_this_thread("cg-sink");
    run();
  });
}

void Sink::notify() {
  {
    std::lock_guard lock(mutex_);
    // Told already: the sink reads the outbox before it sleeps again. Waking it on every commit
    // would cost a futex call per commit, and it is lingering most of that time anyway.
    if (pending_) return;
    pending_ = true;
  }
  wake_.notify_one();
}

void Sink::retry_now() {
  retry_requested_ = true;
  notify();
}

void Sink::stop(Deadline deadline) {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    deadline_ = std::min(deadline_, deadline);
  }
  wake_.notify_one();
  if (!thread_.joinable()) return;
  {
    // A receiver that hangs must not hold the process past its shutdown deadline.
    std::unique_lock lock(mutex_);
    if (!exited_cv_.wait_until(lock, deadline_, [this] { return exited_; })) {
      lock.unlock();
      spdlog::warn("sink {}: shutdown deadline reached; cutting the delivery in flight short",
                   name_);
      interrupt_();
    }
  }
  thread_.join();
}

result<std::int64_t> Sink::first_cursor() {
  auto last = store_.last_outbox_seq();
  if (last && *last > 0)
    spdlog::info(
        "sink {}: first start: delivering events from now on (seq {}); the {} retained before "
        "are not sent (start_from: oldest would send them)",
        name_, *last + 1, *last);
  return last;
}

bool Sink::hold_lease() {
  auto held = store_.hold_lease(name_, holder_, kLease);
  if (!held || !*held) {
    if (leading_) spdlog::warn("sink {}: another replica delivers now", name_);
    leading_ = false;
    return false;
  }
  if (leading_) return true;
  // Taking over (or starting): continue from the cursor the last holder saved.
  auto saved = store_.load_cursor(name_);
  if (!saved) return false;
  std::int64_t seq = saved_seq_;
  if (*saved) {
    seq = (*saved)->seq;
  } else if (!from_oldest_) {  // the sink's first start, while the store was down at startup
    auto last = first_cursor();
    if (!last || !store_.save_cursor(name_, {*last, position_()})) return false;
    seq = *last;
  }
  queue_.emplace(policy_, seq, std::random_device{}());
  saved_seq_ = seq;
  delivered_seq_ = seq;
  leading_ = true;
  report_lag();  // from the start, even for a sink that has delivered nothing yet
  return true;
}

void Sink::record_attempts(const std::vector<store::OutboxRow>& rows,
                           const std::vector<outbox::Attempt>& attempts, TimePoint at) {
  if (!store_.keeps_call_log()) return;
  std::vector<std::pair<std::string, store::CallLogEntry>> log;
  log.reserve(rows.size());
  // Failed attempts only: the one that succeeds is the sink's "delivered" on the emitted event
  // (its cursor), so the common case writes nothing more than the cursor already does.
  for (std::size_t i = 0; i < rows.size() && i < attempts.size(); ++i)
    if (attempts[i].result != outbox::Attempt::Result::delivered)
      log.push_back({rows[i].call_id,
                     {store::CallLogEntry::Kind::attempt, at, at, name_, "failed",
                      rows[i].idempotency_key, rows[i].seq, attempts[i].reason}});
  if (log.empty()) return;
  // A call's timeline is a help for people, not part of delivery: a failure here is logged only.
  if (!store_.record_attempts(log, at + kAttemptLogLife))
    log_limited(spdlog::level::warn, "sink " + name_ + " attempts",
                "sink {}: cannot record delivery attempts in the calls' logs", name_);
}

void Sink::log_attempts(const std::vector<store::OutboxRow>& rows,
                        const std::vector<outbox::Attempt>& attempts,
                        const std::vector<outbox::DeliveryQueue::Completion>& completions,
                        TimePoint at) {
  std::vector<outbox::AttemptRecord> records;
  records.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i)
    records.push_back({at, rows[i].seq, rows[i].call_id, rows[i].event_type,
                       rows[i].idempotency_key, completions[i].number, attempts[i],
                       completions[i].next_at});
  log_.add(std::move(records));
}

void Sink::report_lag() {
  if (auto last = store_.last_outbox_seq())
    metrics_.set("callgate_sink_lag_events", *last - saved_seq_, {{"sink", name_}});
  lag_set_at_ = std::chrono::steady_clock::now();
}

bool Sink::step(TimePoint now) {
  // Replicas sharing a store take turns: the one holding the sink's lease delivers.
  if (!hold_lease()) return false;
  auto& q = *queue_;
  if (retry_requested_.exchange(false)) {
    const auto n = q.retry_now(now);
    spdlog::info("sink {}: retrying {} waiting event(s) now, as asked", name_, n);
  }
  if (q.pending() < kWindow) {
    auto rows = store_.read_outbox(q.last_added_seq(), kWindow - q.pending());
    if (!rows) {
      log_limited(spdlog::level::warn, "sink " + name_ + " outbox",
                  "sink {}: cannot read the outbox: {}", name_, rows.error().message());
      return false;
    }
    q.add(*rows, name_);
  }
  auto ready = q.take_ready(now);
  if (ready.empty()) {
    // Nothing due: all waiting on a retry, caught up, or the rows read were another sink's
    // redeliveries, which this sink has settled by passing over them.
    save_progress();
    return false;
  }

  const auto attempts = deliver_(ready);
  const auto done = callgate::now();
  record_attempts(ready, attempts, done);
  std::vector<outbox::DeliveryQueue::Completion> completions(ready.size());
  for (std::size_t i = 0; i < ready.size(); ++i) {
    const auto& a = attempts.at(i);
    completions[i] = q.complete(ready[i].seq, a, done);
    if (a.result == outbox::Attempt::Result::delivered) {
      metrics_.inc("callgate_sink_delivered_total", {{"sink", name_}});
    } else {
      metrics_.inc("callgate_sink_failures_total", {{"sink", name_}});
      // A receiver that is down fails every attempt: a few lines per window, then a count.
      log_limited(spdlog::level::warn, "sink " + name_ + " " + a.reason,
                  "sink {}: event {} not delivered: {}", name_, ready[i].idempotency_key, a.reason);
    }
  }
  log_attempts(ready, attempts, completions, done);
  for (const auto& dead : q.take_dead_letters()) {
    metrics_.inc("callgate_sink_dead_letters_total", {{"sink", name_}});
    spdlog::error("sink {}: event {} dead-lettered: {}", name_, dead.row.idempotency_key,
                  dead.reason);
    if (!store_.add_dead_letter(name_, dead))
      spdlog::error("sink {}: cannot store dead letter {}", name_, dead.row.idempotency_key);
  }
  save_progress();
  return true;
}

void Sink::save_progress() {
  auto waiting = queue_->waiting(outbox::DeliveryLog::kWaiting);
  const auto next = waiting.empty() ? std::nullopt : queue_->next_ready_at();
  log_.set_queue(std::move(waiting), queue_->pending(), next);
  const auto settled = queue_->settled_seq();
  if (settled != saved_seq_ && store_.save_cursor(name_, {settled, position_()})) {
    saved_seq_ = settled;
    delivered_seq_ = saved_seq_;
    report_lag();
  } else if (std::chrono::steady_clock::now() - lag_set_at_ >= std::chrono::seconds(1)) {
    report_lag();  // the cursor is stuck (a receiver down): the lag still grows
  }
}

void Sink::run() {
  for (;;) {
    bool busy = step(callgate::now());
    std::unique_lock lock(mutex_);
    if (stopping_) {
      const auto deadline = deadline_;
      lock.unlock();
      // One last pass over what is ready now, within the shutdown deadline; retries that wait,
      // and whatever the deadline leaves, stay in the outbox for the next start.
      while (busy && std::chrono::steady_clock::now() < deadline) busy = step(callgate::now());
      lock.lock();
      exited_ = true;
      exited_cv_.notify_all();
      return;
    }
    if (busy) {
      if (linger_.count() > 0) wake_.wait_for(lock, linger_, [this] { return stopping_; });
      continue;
    }
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(kPollEvery);
    if (auto next = queue_->next_ready_at()) {
      const auto until =
          std::chrono::duration_cast<std::chrono::milliseconds>(*next - callgate::now());
      wait = std::clamp(until, std::chrono::milliseconds(1), wait);
    }
    wake_.wait_for(lock, wait, [this] { return stopping_ || pending_; });
    pending_ = false;
  }
}

}  // namespace callgate::sinks
