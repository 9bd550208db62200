#pragma once

#include <callgate/adapters/source.hpp>
#include <string>
#include <vector>

namespace callgate::adapters {

/** One request to try: what a provider would send. */
struct TrialRequest {
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string query;  ///< without '?'
  bool get = false;
};

/** What became of one tried request. */
struct TrialVerdict {
  std::string verdict;     ///< accepted, duplicate, ignored, handshake or refused
  std::string reason;      ///< why it was refused
  std::string event_type;  ///< the provider's
  std::string answer;      ///< a handshake's answer body
  std::vector<core::Observation> observations;  ///< finished (numbers, identity, directory)
};

/** A sequence of requests through one source, and the unified events they give in order. */
struct Trial {
  std::vector<TrialVerdict> requests;
  std::vector<std::string> events;  ///< the event bodies, as a sink would get them
};

/**
 * Runs requests through a source as the webhook path would (verify unless `verify` is false,
 * parse, finish_observations, redeliveries recognised), then correlates what was accepted with
 * core::decide from no stored state: nothing is stored, nothing is sent. `callgate provider
 * test` and the console's playground both run it.
 */
Trial try_requests(const Source& source, const std::vector<TrialRequest>& requests, TimePoint at,
                   bool verify = true);

}  // namespace callgate::adapters
