#pragma once
// Sends pre-made requests over keep-alive connections and measures what comes back.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace callgate::bench {

/** How to send: as fast as the server answers (rate 0) or at a fixed rate, open loop. */
struct LoadOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 0;
  std::size_t connections = 32;
  double rate = 0;  // requests per second; 0 = closed loop, as fast as possible
  std::chrono::milliseconds max_duration{10000};
};

/** Counts and latencies of one run. At a fixed rate a latency counts from when the request was
 * due, not when it was sent, so a stalled server cannot hide its queue (coordinated omission). */
struct LoadResult {
  std::size_t ok = 0;       // 2xx
  std::size_t refused = 0;  // any other status
  std::size_t errors = 0;   // connection or parse errors
  double seconds = 0;
  std::vector<std::uint32_t> latencies_us;

  double per_second() const { return seconds > 0 ? double(ok + refused) / seconds : 0; }
  /** The q-quantile (0..1) of latency in milliseconds. */
  double quantile_ms(double q) const;
};

/** Sends requests in order (each connection takes the next unsent one) until all are answered or
 * max_duration passes. */
LoadResult run_load(const std::vector<std::string>& requests, const LoadOptions& options);

}  // namespace callgate::bench
