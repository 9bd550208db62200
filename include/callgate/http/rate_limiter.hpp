#pragma once

#include <callgate/time.hpp>
#include <chrono>
#include <cmath>
#include <mutex>

namespace callgate::http {

/**
 * A token bucket: `burst` requests at once, refilled at `per_second`. Thread-safe; time is passed
 * in so that tests need no clock.
 */
class TokenBucket {
 public:
  TokenBucket(double per_second, double burst) : rate_(per_second), burst_(burst), tokens_(burst) {}

  /** Takes one token if there is one; otherwise returns false and how long until there is. */
  bool take(TimePoint now, std::chrono::milliseconds& retry_after) {
    std::lock_guard lock(mutex_);
    refill(now);
    if (tokens_ >= 1.0) {
      tokens_ -= 1.0;
      return true;
    }
    retry_after = wait_for_token();
    return false;
  }

  /** Whether a token is there, without taking it; if not, how long until there is. */
  bool available(TimePoint now, std::chrono::milliseconds& retry_after) {
    std::lock_guard lock(mutex_);
    refill(now);
    if (tokens_ >= 1.0) return true;
    retry_after = wait_for_token();
    return false;
  }

 private:
  void refill(TimePoint now) {
    if (last_ != TimePoint{}) {
      const double elapsed = std::chrono::duration<double>(now - last_).count();
      tokens_ = std::min(burst_, tokens_ + std::max(elapsed, 0.0) * rate_);
    }
    last_ = now;
  }
  std::chrono::milliseconds wait_for_token() const {
    // Rounded up to whole milliseconds: with an empty bucket at 1/s that is exactly 1000 ms,
    // so Retry-After says 1 s, not 2.
    return std::chrono::milliseconds(
        static_cast<long long>(std::ceil((1.0 - tokens_) / rate_ * 1000)));
  }

  std::mutex mutex_;
  double rate_;
  double burst_;
  double tokens_;
  TimePoint last_{};
};

}  // namespace callgate::http
