#pragma once

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace callgate {

/**
 * Keeps repeated log lines from following unauthenticated traffic or a receiver outage: each
 * kind of line (its key) is let through a few times per window, and the first line let through
 * after some were held back says how many ("and 8,959 more in the last 10 s"). Thread-safe.
 */
class LogLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  explicit LogLimiter(std::chrono::seconds window = std::chrono::seconds(10), int burst = 5)
      : window_(window), burst_(burst) {}

  /** Whether to log this line. When it says yes after holding lines of this key back, held is
   * how many (else 0). */
  bool allow(std::string_view key, Clock::time_point now, std::uint64_t& held);

  /** ", and N more in the last 10 s" for held > 0, else "". */
  std::string held_note(std::uint64_t held) const;

 private:
  struct Entry {
    Clock::time_point window_start;
    int logged = 0;
    std::uint64_t held = 0;
  };
  static constexpr std::size_t kMaxKeys = 1024;  // keys come from bounded sets; this is a guard

  std::chrono::seconds window_;
  int burst_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

/** The process's limiter for lines that outside traffic or outages can repeat. */
LogLimiter& repeated_lines();

/** Logs through repeated_lines(): at most a few lines of one key per window, then a count. */
template <class... Args>
void log_limited(spdlog::level::level_enum level, std::string_view key,
                 fmt::format_string<Args...> format, Args&&... args) {
  std::uint64_t held = 0;
  if (!repeated_lines().allow(key, LogLimiter::Clock::now(), held)) return;
  spdlog::log(level, "{}{}", fmt::format(format, std::forward<Args>(args)...),
              repeated_lines().held_note(held));
}

}  // namespace callgate
