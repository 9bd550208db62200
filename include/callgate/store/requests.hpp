#pragma once

#include <callgate/error.hpp>
#include <callgate/time.hpp>
#include <chrono>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace callgate::store {

/** A header as the request log keeps it: its name and its value (redacted where it says so). */
using HeaderList = std::vector<std::pair<std::string, std::string>>;

/** `request_log:` in the config: what the request log keeps, and for how long. */
struct RequestLogConfig {
  bool enabled = true;
  bool bodies = true;                  ///< false: metadata only (no body, no replay)
  std::size_t max_body_bytes = 65536;  ///< a longer body keeps its first bytes (and its size)
  std::chrono::seconds retention{24 * 3600};
  /** The newest kept; the config gives 0 the store's default (default_max_requests), and a
   * recorder given 0 keeps any number. */
  std::size_t max_requests = 0;
};

/** request_log.max_requests by store type: SQLite keeps it on disk; Redis and memory in RAM,
 * where every record costs memory (and, the first time, page faults). */
inline std::size_t default_max_requests(std::string_view store_type) {
  return store_type == "sqlite" || store_type == "postgres" ? 100'000
         : store_type == "redis"                            ? 20'000
                                                            : 1'000;
}

/** One unified event a request caused. */
struct CausedEvent {
  std::string call_id;
  std::string event_type;
  std::string idempotency_key;
};

/** One webhook request as the request log keeps it: what came, what callgate answered, why. */
struct RequestRecord {
  std::int64_t id = 0;  ///< given by the store, increasing; the cursor of every page
  TimePoint at{};
  std::string source;  ///< the path's source name (as sent, for an unknown one)
  std::string method;
  std::string target;  ///< path and query; query values with secret-like names redacted
  std::string remote;  ///< the client, after trusted_proxies
  int status = 0;
  /** accepted | duplicate | ignored | handshake | refused | unavailable */
  std::string verdict;
  std::string reason;      ///< why it was refused (the error's message); empty otherwise
  std::string event_type;  ///< the provider's name for what it sent, when it was read
  std::int64_t latency_us = 0;
  HeaderList headers;          ///< secret-bearing values redacted (redact_header)
  std::string body;            ///< the first request_log.max_body_bytes (none with bodies: false)
  std::int64_t body_size = 0;  ///< the whole body's size, always
  /** A refused signature: what was checked (scheme, headers read, timestamp and skew, the URL
   * that was signed, how many secrets were tried), as JSON text; empty otherwise. */
  std::string diagnosis;
  std::vector<CausedEvent> events;
  std::int64_t replay_of = 0;  ///< the request this one replayed
  /** Whether it can be replayed: the whole body and the sealed fields were kept. */
  bool replayable = false;
  /** What a replay needs that the redacted copy hides: the verification headers' values and the
   * query, in full. No API returns it; it is kept only with bodies. */
  HeaderList sealed_headers;
  std::string sealed_query;
  std::string sealed_body;  ///< the body as sent, when the shown one had a token redacted
};

/** Which requests a page shows; empty fields match everything. */
struct RequestQuery {
  std::string source;
  std::string verdict;  ///< one verdict exactly
  int status = 0;
  std::optional<TimePoint> from, to;  ///< at within [from, to)
  std::string text;                   ///< a substring of the body (case-sensitive)
  std::int64_t before_id = 0;         ///< 0: from the newest
  std::size_t limit = 50;
};

/** A page of requests, newest first, and where the next one starts (0: there is none). */
struct RequestPage {
  std::vector<RequestRecord> requests;
  std::int64_t next_before = 0;
};

/** A record in its stored form, as the recorder hands it to a store. It is made on the thread
 * that recorded the request, so the record's many parts are freed there and one string crosses
 * to the recorder's thread (freeing another thread's memory contends for its allocator). */
struct StoredRequest {
  std::int64_t id = 0;  ///< given by the store on append
  TimePoint at{};
  std::string text;  ///< to_stored(record), made before the store gave it an id
};

/**
 * Where the request log lives: every store keeps one. Any thread may call it; each store serves
 * it apart from the committer's transaction (SQLite: a file of its own, so a burst of logging
 * never holds the committer's write lock).
 */
class RequestLog {
 public:
  virtual ~RequestLog() = default;

  /** Appends, giving each record its id (a store may move its text away). */
  virtual result<void> append_requests(std::vector<StoredRequest>& records) = 0;
  /** Up to n records with id < before_id (0: the newest), newest first. */
  virtual result<std::vector<RequestRecord>> requests_before(std::int64_t before_id,
                                                             std::size_t n) = 0;
  virtual result<std::optional<RequestRecord>> load_request(std::int64_t id) = 0;
  /** Drops records older than `before` (none for TimePoint{}) and all but the newest `keep`;
   * returns how many. */
  virtual result<std::size_t> trim_requests(TimePoint before, std::size_t keep) = 0;
};

/** The page q asks for: reads back from q.before_id in chunks and filters, looking at no more
 * than `scan` records, so a rare match in a large log still answers quickly (next_before then
 * says where to go on). */
result<RequestPage> find_requests(RequestLog& log, const RequestQuery& q,
                                  std::size_t scan = 20'000);

/** The stored form (sealed fields included), netstrings: every store keeps a record so. */
std::string to_stored(const RequestRecord& r);
/** nullopt for text that is not a stored record. */
std::optional<RequestRecord> from_stored(std::string_view text);
/** r in the form the recorder hands to a store. */
StoredRequest stored(const RequestRecord& r);
/** The stored text with its id field set to id (Redis keeps the id in the member, so that equal
 * records stay apart). */
std::string with_id(std::string_view text, std::int64_t id);

/** The admin API's view: every field but the sealed ones; without the body when `body` is
 * false (lists). */
nlohmann::ordered_json request_json(const RequestRecord& r, bool body);

}  // namespace callgate::store
