#pragma once

#include <callgate/time.hpp>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace callgate::store {

/** One emitted event as stored in the outbox; seq orders all events, and so each call's. */
struct OutboxRow {
  std::int64_t seq = 0;
  TimePoint created_at{};
  std::string call_id;
  std::string event_type;       ///< "telephonyCall::created" etc.
  std::string idempotency_key;  ///< same on every retry of this event
  std::string body;             ///< the JSON body a sink delivers, byte for byte
  std::string sink;             ///< empty: for every sink; else a re-delivery for that sink only
  std::string
      source;  ///< the source whose request caused it (empty in rows stored before it was kept)
  std::string connector_id;  ///< that source's connector id when it was emitted
  std::string owner_id;      ///< and its owner id
};

/** An event a sink has given up on, kept until an operator re-delivers it. */
struct DeadLetter {
  OutboxRow row;
  std::string reason;
  int attempts = 0;
  TimePoint at{};
  std::string sink;  ///< filled in when listed from the store
};

/** Where a page of calls goes on: after this (created, id), newest first. created 0: from the
 * newest. */
struct CallCursor {
  std::int64_t created_ms = 0;
  std::string id;
};

/** Where a page of dead letters goes on: after this (seq, sink), in their order (seq descending,
 * then sink ascending). seq 0: from the first. */
struct DeadLetterCursor {
  std::int64_t seq = 0;
  std::string sink;
  /** Whether d comes after the cursor in that order. */
  bool passed(const DeadLetter& d) const {
    return seq == 0 || d.row.seq < seq || (d.row.seq == seq && d.sink > sink);
  }
};

/** Puts dead letters in the cursor's order and keeps the first `limit`. */
void sort_dead_letters(std::vector<DeadLetter>& d, std::size_t limit);

/** How far a sink has got: the last seq it has taken, plus a sink-specific position. */
struct SinkCursor {
  std::int64_t seq = 0;
  std::int64_t position = 0;  ///< e.g. the file sink's byte offset after that seq
};

/** One line of a call's story, for its timeline: a provider event received, a unified event
 * emitted, or one attempt of a sink to deliver it. */
struct CallLogEntry {
  enum class Kind { received = 0, duplicate = 1, emitted = 2, attempt = 3 };
  Kind kind = Kind::received;  ///< duplicate: a redelivery, acknowledged, changed nothing
  TimePoint at{};              ///< when callgate received (or emitted) it
  TimePoint event_time{};      ///< the provider's time for it (emitted: = at)
  std::string source;          ///< the source; for an attempt, the sink
  std::string event_type;  ///< the provider's name (NotifyStart), the unified one, or an attempt's
                           ///< outcome (delivered, failed)
  std::string key;         ///< emitted, attempt: the idempotency key
  std::int64_t seq = 0;    ///< emitted, attempt: the outbox seq
  std::string detail;      ///< attempt: why it failed
};

/** How many entries a call's log keeps: the newest, the oldest dropped first. */
inline constexpr std::size_t kCallLogSize = 100;

/** A row as the admin API and `callgate events` show it: seq, createdAt, source, connectorId,
 * ownerId, callId, eventType, idempotencyKey, sink (null: every sink; else a redelivery for that
 * sink only) and body, the event with its keys in the order they were written. */
nlohmann::ordered_json row_json(const OutboxRow& row);

}  // namespace callgate::store
