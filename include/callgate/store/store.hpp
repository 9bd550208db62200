#pragma once

#include <callgate/core/call_state.hpp>
#include <callgate/core/correlate.hpp>
#include <callgate/error.hpp>
#include <callgate/store/requests.hpp>
#include <callgate/store/rows.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace callgate::store {

/** How long things are kept. */
struct Retention {
  std::chrono::seconds ended_calls{24 * 3600};  ///< an ended call, for late events and enrichment
  std::chrono::seconds stale_calls{24 *
                                   3600};  ///< a live call that never ended, since its last event
  std::chrono::seconds deliveries{72 * 3600};  ///< redelivery keys (provider retry windows)
  std::chrono::seconds outbox{7 * 24 * 3600};  ///< events every sink has taken
};

/** store.key_prefix by default: one hash tag, so that on Redis Cluster every key callgate writes
 * is in one slot (the commit script touches many at once). */
inline constexpr std::string_view kDefaultKeyPrefix = "{callgate}:";
/** The prefix before the hash tag was added; a Redis holding it is not silently started afresh. */
inline constexpr std::string_view kOldDefaultKeyPrefix = "callgate:";

/** A key's hash tag as Redis Cluster reads it (what is between the first '{' and the next '}',
 * when not empty); empty when it has none. */
inline std::string_view hash_tag(std::string_view key) {
  const auto open = key.find('{');
  if (open == std::string_view::npos) return {};
  const auto close = key.find('}', open + 1);
  if (close == std::string_view::npos || close == open + 1) return {};
  return key.substr(open + 1, close - open - 1);
}

/** A redis_stream sink: the Redis store appends every event to `stream` as it commits it. */
struct StreamSink {
  std::string name;
  std::string stream;               ///< store.key_prefix + "events" by default
  std::int64_t maxlen = 1'000'000;  ///< approximate (MAXLEN ~)
};

/** Where the store lives; `type` is the YAML key store.type. */
struct StoreConfig {
  std::string type = "sqlite";  ///< sqlite | memory | redis | postgres
  std::string path = "var/callgate.db";
  int busy_timeout_ms = 2000;
  // redis, postgres (a libpq URI or conninfo, several hosts allowed)
  std::string url = "redis://127.0.0.1:6379/0";
  std::string key_prefix{kDefaultKeyPrefix};
  int pool_size = 4;
  int connect_timeout_ms = 1000;
  int command_timeout_ms = 1000;
  int reconnect_interval_ms = 500;
  /** host:port of Redis Sentinels: the primary is the one they name master_name, found again
   * after a failover. Empty: url names the server. */
  std::vector<std::string> sentinels;
  std::string master_name;
  /** After each commit, WAIT for this many replicas (0: none); fewer within the timeout is a 503
   * (errc::replicas_behind). */
  int min_replicas_acked = 0;
  int replicas_ack_timeout_ms = 1000;
  std::vector<StreamSink> streams;  ///< from `sinks:` entries of type redis_stream
  Retention retention;
  /** Keep each call's log of provider and unified events (the console's timeline). */
  bool call_log = true;
  /** A call's transcript text at most; beyond it text is dropped with a warning in the event. */
  std::size_t max_transcript_bytes = core::kDefaultMaxTranscriptBytes;
};

/** Reads of committed state. Any thread may call them: every store serves them on connections
 * of their own (SQLite: a pool of read connections; Redis: its pool; memory: its lock), never on
 * the committer's. */
class Reader {
 public:
  virtual ~Reader() = default;

  /** A call as last committed (admin API, console). */
  virtual result<std::optional<core::CallState>> load_call(std::string_view id) = 0;
  virtual result<std::int64_t> count_live_calls() = 0;
  /** Up to n calls kept (live ones only, or ended ones too), newest first (created, then id
   * descending), after `from` (admin API, console: live calls and history). */
  virtual result<std::vector<core::CallState>> calls_before(const store::CallCursor& from,
                                                            std::size_t n, bool live_only) = 0;
  virtual result<std::vector<store::OutboxRow>> read_outbox(std::int64_t after_seq,
                                                            std::size_t limit) = 0;
  virtual result<std::int64_t> last_outbox_seq() = 0;
  /** Up to n outbox rows with seq < before_seq (0: the newest), newest first (find_events). */
  virtual result<std::vector<store::OutboxRow>> outbox_before(std::int64_t before_seq,
                                                              std::size_t n) = 0;
  /** nullopt when this sink has never saved a cursor. */
  virtual result<std::optional<store::SinkCursor>> load_cursor(std::string_view sink) = 0;
  /** A call's log, oldest first (committed entries only). */
  virtual result<std::vector<store::CallLogEntry>> call_log(std::string_view call_id) = 0;
  /** Newest event first (seq descending, then sink), after `from`; an empty sink lists every
   * sink's. */
  virtual result<std::vector<store::DeadLetter>> list_dead_letters(
      std::string_view sink, std::size_t limit, const store::DeadLetterCursor& from = {}) = 0;
};

/** Which events a page shows; empty fields match everything. */
struct EventQuery {
  std::string type;  ///< "telephonyCall::created", ...
  std::string source;
  std::string call_id;
  std::optional<TimePoint> from, to;      ///< created within [from, to)
  std::int64_t before_seq = 0;            ///< newest first, from before this seq (0: the newest)
  std::optional<std::int64_t> after_seq;  ///< when set: oldest first, after this seq (0: all)
  std::size_t limit = 100;
};

/** A page of events, and the cursor of the next one (0: none): a before_seq for a newest-first
 * page, an after_seq for an oldest-first one. */
struct EventPage {
  std::vector<store::OutboxRow> events;
  std::int64_t next = 0;
};

/** The page q asks for, read in chunks and filtered, looking at no more than `scan` rows. */
result<EventPage> find_events(Reader& reader, const EventQuery& q, std::size_t scan = 50'000);

/** What sinks and operators write beside the committer's transactions: cursors, dead letters,
 * delivery attempts, leases. Any thread; each store serializes them on a connection that is not
 * the committer's. */
class Ledger {
 public:
  virtual ~Ledger() = default;

  virtual result<void> save_cursor(std::string_view sink, const store::SinkCursor& c) = 0;
  virtual result<void> add_dead_letter(std::string_view sink, const store::DeadLetter& d) = 0;
  /** Moves a sink's dead letters (seq 0: all of them) back into the outbox, addressed to that
   * sink only, with their original idempotency keys. Returns how many. */
  virtual result<std::size_t> redeliver_dead_letters(std::string_view sink, std::int64_t seq,
                                                     TimePoint now) = 0;
  /** Adds sinks' delivery attempts to their calls' logs, by call id. */
  virtual result<void> record_attempts(
      const std::vector<std::pair<std::string, store::CallLogEntry>>& attempts,
      TimePoint expires_at) = 0;
  /** Takes or renews a lease on `name` for `holder` (a sink's delivery, when several replicas
   * share the store); false while another holder has it. One process owns its store alone, so
   * the default always grants. */
  virtual result<bool> hold_lease(std::string_view name, std::string_view holder,
                                  std::chrono::milliseconds ttl) {
    (void)name, (void)holder, (void)ttl;
    return true;
  }
};

/** The shared side of a store: what every thread but the committer may use. It has no way to
 * reach the committer's transaction; that is the Writer, which open_store hands out once. */
class Store : public Reader, public Ledger, public RequestLog {
 public:
  /** Whether calls' logs are kept at all (`store.call_log`). */
  bool keeps_call_log() const { return call_log_; }
  void keep_call_log(bool on) { call_log_ = on; }

 private:
  bool call_log_ = true;
};

/**
 * The committer's write side: call state, redelivery keys and the outbox, inside
 * begin()/commit(). There is one per store, made by open_store and moved into the Committer,
 * whose thread alone calls it; it must not outlive its Store. Its reads (load_call,
 * find_live_call) see the open transaction's own writes.
 */
class Writer {
 public:
  virtual ~Writer() = default;

  virtual result<void> begin() = 0;
  virtual result<void> commit() = 0;
  virtual void rollback() = 0;
  /** Reads ahead, in one round trip, what this transaction is about to ask: the delivery keys
   * and the call ids of a batch. Answers stay exactly those of asking one by one; a store with
   * nothing to gain (SQLite, memory) does nothing. */
  virtual result<void> prefetch(const std::vector<std::string>& delivery_keys,
                                const std::vector<std::string>& call_ids) {
    (void)delivery_keys, (void)call_ids;
    return {};
  }
  /** Whether prefetch does anything: if not, the committer does not build its keys. */
  virtual bool reads_ahead() const { return false; }
  /** Whether others (replicas) write this store too: then nothing read may be cached. */
  virtual bool shared() const { return false; }
  /** Records a delivery key until expires_at; false when it was already recorded. */
  virtual result<bool> remember_delivery(std::string_view key, TimePoint expires_at) = 0;
  virtual result<std::optional<core::CallState>> load_call(std::string_view id) = 0;
  /** The newest live (not ended) call of source with this match_key. */
  virtual result<std::optional<core::CallState>> find_live_call(std::string_view source,
                                                                std::string_view match_key) = 0;
  /** Inserts or replaces; the call may be purged after expires_at. */
  virtual result<void> save_call(const core::CallState& s, TimePoint expires_at) = 0;
  virtual result<std::int64_t> append_outbox(const core::Emission& e, TimePoint now) = 0;
  /** Adds to the call's log (kept until expires_at, the newest kCallLogSize). An emitted entry
   * carries the seq append_outbox returned; where that was 0 (Redis numbers rows as it commits),
   * the store fills in the seq of the outbox row appended just before. */
  virtual result<void> append_call_log(std::string_view call_id, const store::CallLogEntry& e,
                                       TimePoint expires_at) = 0;
  /** Drops expired calls and delivery keys, and outbox rows every sink has taken. */
  virtual result<void> purge(TimePoint now, TimePoint outbox_before) = 0;
  /** Live calls now (after a purge, for the gauge). */
  virtual result<std::int64_t> count_live_calls() = 0;
  /** Proves that a write reaches durable storage (readiness, when no commit has lately): a
   * small write in its own transaction, which a full disk or a read-only file fails. */
  virtual result<void> probe_write(TimePoint now) = 0;
  /** Whether calls' logs are kept at all (`store.call_log`). */
  bool keeps_call_log() const { return call_log_; }
  void keep_call_log(bool on) { call_log_ = on; }

 private:
  bool call_log_ = true;
};

/** Queues one outbox event (by seq) again for one sink only, with its idempotency key (an
 * operator's "send again"; a receiver that dedupes by key takes it once). Returns false when
 * the outbox no longer has that event. Built on the dead-letter ledger, so every store has it. */
result<bool> resend_event(Store& store, std::string_view sink, std::int64_t seq, TimePoint now);

/** A store as open_store makes it: the shared side, and its one writer for the committer. */
struct Opened {
  std::unique_ptr<Store> store;
  std::unique_ptr<Writer> writer;
};

/** Opens the store the config names; throws std::runtime_error if it cannot (startup only). */
Opened open_store(const StoreConfig& config);

}  // namespace callgate::store
