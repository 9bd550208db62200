#include <callgate/outbox/delivery_log.hpp>

namespace callgate::outbox {

void DeliveryLog::add(std::vector<AttemptRecord> attempts) {
  std::lock_guard lock(mutex_);
  for (auto& a : attempts) {
    if (a.attempt.result == Attempt::Result::delivered) {
      last_delivered_ = a.at;
      failing_since_.reset();
    } else {
      if (!failing_since_) failing_since_ = a.at;
      failures_.push_front(a);
      if (failures_.size() > kFailures) failures_.pop_back();
    }
    attempts_.push_front(std::move(a));
    if (attempts_.size() > kAttempts) attempts_.pop_back();
  }
}

void DeliveryLog::set_queue(std::vector<DeliveryQueue::Waiting> waiting, std::size_t pending,
                            std::optional<TimePoint> next_attempt_at) {
  std::lock_guard lock(mutex_);
  waiting_ = std::move(waiting);
  pending_ = pending;
  next_attempt_at_ = next_attempt_at;
}

DeliveryLog::Snapshot DeliveryLog::snapshot() const {
  std::lock_guard lock(mutex_);
  return {{attempts_.begin(), attempts_.end()},
          {failures_.begin(), failures_.end()},
          failing_since_,
          last_delivered_,
          next_attempt_at_,
          waiting_,
          pending_};
}

}  // namespace callgate::outbox
