#include <callgate/log_limit.hpp>

namespace callgate {

bool LogLimiter::allow(std::string_view key, Clock::time_point now, std::uint64_t& held) {
  held = 0;
  std::lock_guard lock(mutex_);
  auto it = entries_.find(std::string(key));
  if (it == entries_.end()) {
    if (entries_.size() >= kMaxKeys) entries_.clear();
    it = entries_.emplace(std::string(key), Entry{now, 0, 0}).first;
  }
  auto& e = it->second;
  if (now - e.window_start >= window_) {
    e.window_start = now;
    e.logged = 0;
  }
  if (e.logged >= burst_) {
    ++e.held;
    return false;
  }
  ++e.logged;
  held = e.held;
  e.held = 0;
  return true;
}

std::string LogLimiter::held_note(std::uint64_t held) const {
  if (held == 0) return {};
  return ", and " + std::to_string(held) + " more in the last " + std::to_string(window_.count()) +
         " s";
}

LogLimiter& repeated_lines() {
  static LogLimiter limiter;
  return limiter;
}

}  // namespace callgate
