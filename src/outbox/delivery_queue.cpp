#include <algorithm>
#include <callgate/outbox/delivery_queue.hpp>
#include <utility>

namespace callgate::outbox {

DeliveryQueue::DeliveryQueue(Policy policy, std::int64_t settled_seq, std::uint64_t seed)
    : policy_(policy), last_added_(settled_seq), random_(seed) {}

void DeliveryQueue::add(const std::vector<OutboxRow>& rows, std::string_view sink) {
  for (const auto& row : rows) {
    if (row.seq <= last_added_) continue;
    last_added_ = row.seq;
    if (!row.sink.empty() && row.sink != sink) continue;  // a re-delivery for another sink
    entries_.emplace(row.seq, Entry{row, 0, TimePoint{}, false, {}});
    calls_[row.call_id].push_back(row.seq);
  }
}

bool DeliveryQueue::is_head(const Entry& e) const {
  if (policy_.per_call) return calls_.at(e.row.call_id).front() == e.row.seq;
  return entries_.begin()->first == e.row.seq;
}

std::vector<OutboxRow> DeliveryQueue::take_ready(TimePoint now) {
  std::vector<OutboxRow> out;
  if (!policy_.per_call) {
    // A log: a run of consecutive rows from the oldest, and only when none is in flight.
    if (in_flight_ > 0) return out;
    for (auto& [seq, e] : entries_) {
      if (out.size() >= policy_.max_in_flight || e.ready_at > now) break;
      e.in_flight = true;
      out.push_back(e.row);
    }
    in_flight_ = out.size();
    return out;
  }
  for (auto& [call, seqs] : calls_) {
    if (in_flight_ >= policy_.max_in_flight) break;
    auto& e = entries_.at(seqs.front());
    if (e.in_flight || e.ready_at > now) continue;
    e.in_flight = true;
    ++in_flight_;
    out.push_back(e.row);
  }
  // Oldest first, so a backlog drains in the order it was decided.
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
  return out;
}

void DeliveryQueue::settle(std::map<std::int64_t, Entry>::iterator it) {
  auto calls = calls_.find(it->second.row.call_id);
  std::erase(calls->second, it->first);
  if (calls->second.empty()) calls_.erase(calls);
  if (!it->second.last_error.empty()) --failed_;
  entries_.erase(it);
}

DeliveryQueue::Completion DeliveryQueue::complete(std::int64_t seq, const Attempt& attempt,
                                                  TimePoint now) {
  auto it = entries_.find(seq);
  if (it == entries_.end() || !it->second.in_flight) return {};
  auto& e = it->second;
  e.in_flight = false;
  --in_flight_;
  const Completion done{++e.attempts, std::nullopt};
  switch (attempt.result) {
    case Attempt::Result::delivered:
      settle(it);
      return done;
    case Attempt::Result::dead:
      dead_.push_back({e.row, attempt.reason, e.attempts, now, ""});
      settle(it);
      return done;
    case Attempt::Result::retry:
      if (policy_.max_attempts > 0 && e.attempts >= policy_.max_attempts) {
        dead_.push_back(
            {e.row, "gave up after " + std::to_string(e.attempts) + " attempts: " + attempt.reason,
             e.attempts, now, ""});
        settle(it);
        return done;
      }
      if (e.last_error.empty()) ++failed_;
      e.last_error = attempt.reason.empty() ? "failed" : attempt.reason;
      e.ready_at = now + (attempt.retry_after ? std::min(*attempt.retry_after, policy_.backoff_max)
                                              : backoff(e.attempts));
      return {done.number, e.ready_at};
  }
  return done;
}

std::vector<DeliveryQueue::Waiting> DeliveryQueue::waiting(std::size_t n) const {
  std::vector<Waiting> out;
  if (failed_ == 0) return out;
  for (const auto& [seq, e] : entries_) {
    if (out.size() >= n) break;
    if (e.last_error.empty()) continue;
    out.push_back({seq, e.row.call_id, e.row.event_type, e.row.idempotency_key, e.attempts,
                   e.ready_at, e.last_error});
  }
  return out;
}

std::size_t DeliveryQueue::retry_now(TimePoint now) {
  std::size_t n = 0;
  if (failed_ == 0) return n;
  for (auto& [seq, e] : entries_)
    if (!e.in_flight && !e.last_error.empty() && e.ready_at > now) {
      e.ready_at = now;
      ++n;
    }
  return n;
}

std::chrono::milliseconds DeliveryQueue::backoff(int failures) {
  const auto shift = std::min(failures - 1, 30);
  const auto ceiling = std::min<std::int64_t>(policy_.backoff_max.count(),
                                              policy_.backoff_base.count() << std::max(shift, 0));
  std::uniform_int_distribution<std::int64_t> jitter(0, std::max<std::int64_t>(ceiling, 0));
  return std::chrono::milliseconds(jitter(random_));
}

std::int64_t DeliveryQueue::settled_seq() const {
  return entries_.empty() ? last_added_ : entries_.begin()->first - 1;
}

std::optional<TimePoint> DeliveryQueue::next_ready_at() const {
  std::optional<TimePoint> earliest;
  for (const auto& [seq, e] : entries_)
    if (!e.in_flight && is_head(e) && (!earliest || e.ready_at < *earliest)) earliest = e.ready_at;
  return earliest;
}

std::vector<DeadLetter> DeliveryQueue::take_dead_letters() { return std::exchange(dead_, {}); }

}  // namespace callgate::outbox
