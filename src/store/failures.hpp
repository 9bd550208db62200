#pragma once
// What a store's network connection (Redis, PostgreSQL) remembers of its last failure: the
// error, for logs, and a wait before the next attempt. Internal to the store.

#include <callgate/error.hpp>
#include <callgate/log_limit.hpp>
#include <chrono>
#include <string>
#include <string_view>

namespace callgate::store {

/** A connection's last failure. Not thread-safe, like the connection that holds it. */
class Failures {
 public:
  explicit Failures(std::chrono::milliseconds wait) : wait_(wait) {}

  /** Logs what (at `level`, a few lines per window while it repeats, never a password), keeps
   * it, and starts the wait; returns store_unavailable, what the request is answered (503). */
  boost::system::error_code record(std::string_view engine, std::string what,
                                   spdlog::level::level_enum level = spdlog::level::err) {
    log_limited(level, "store " + std::string(engine) + ' ' + what, "store: {}: {}", engine, what);
    last_ = std::move(what);
    at_ = std::chrono::steady_clock::now();
    return make_error_code(errc::store_unavailable);
  }
  /** Whether the last failure is so recent that a new connection is not tried yet: requests are
   * answered at once rather than each waiting out a connect timeout. */
  bool waiting() const {
    return at_ != std::chrono::steady_clock::time_point{} &&
           std::chrono::steady_clock::now() - at_ < wait_;
  }
  /** Try again at once (a redirection, not a failure). */
  void forget() { at_ = {}; }
  void set_last(std::string error) { last_ = std::move(error); }
  const std::string& last() const { return last_; }

 private:
  std::chrono::milliseconds wait_;
  std::chrono::steady_clock::time_point at_{};
  std::string last_;
};

}  // namespace callgate::store
