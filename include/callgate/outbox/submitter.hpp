#pragma once

#include <callgate/core/observation.hpp>
#include <callgate/error.hpp>
#include <callgate/store/requests.hpp>
#include <functional>
#include <vector>

namespace callgate::outbox {

/** What happened to the observations of one request. */
struct Outcome {
  std::size_t emitted = 0;                 ///< events written to the outbox
  std::size_t redelivered = 0;             ///< observations recognised as repeats and skipped
  std::vector<store::CausedEvent> events;  ///< the events written, for the request log
};

/**
 * What the HTTP layer needs from the writer behind it: hand over a request's observations and
 * be told once they are durable, and ask whether the store can take writes. The Committer is
 * the real one; tests give the router a fake.
 */
class Submitter {
 public:
  using Done = std::function<void(result<Outcome>)>;
  virtual ~Submitter() = default;
  /** Queues one request's observations; done runs (on any thread) once they are committed. */
  virtual void submit(std::vector<core::Observation> observations, Done done) = 0;
  /** Answers whether a write transaction can be opened (GET /readyz). */
  virtual void probe(std::function<void(result<void>)> done) = 0;
};

}  // namespace callgate::outbox
