#pragma once

#include <callgate/config/config.hpp>
#include <callgate/store/store.hpp>
#include <ostream>

namespace callgate::app {

/** `callgate events`: one page of the outbox, one JSON line a row (seq, createdAt, source,
 * connectorId, ownerId, callId, eventType, idempotencyKey, sink, body), newest first (oldest
 * first with --after); where the next page starts goes to `notes` (stderr). */
int print_events(const config::Config& config, const store::EventQuery& q, std::ostream& out,
                 std::ostream& notes);

/** `callgate requests`: one page of the request log, one JSON line a request, newest first;
 * with `id`, that one request whole (headers and body). */
int print_requests(const config::Config& config, const store::RequestQuery& q, std::int64_t id,
                   std::ostream& out, std::ostream& notes);

}  // namespace callgate::app
