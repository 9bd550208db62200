// The SQLite store's per-call log of provider events (a call's timeline in the console).
#include <callgate/store/sqlite_store.hpp>

#include "sqlite_db.hpp"

namespace callgate::store {
namespace {

using sqlite::unavailable;
using sqlite::Use;

constexpr const char* kInsert =
    "INSERT INTO call_log(call_id, received_ms, event_ms, source, event_type, duplicate, "
    "expires_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)";
// Keeps the newest kCallLogSize entries of the call (an index walk on call_log_by_call).
constexpr const char* kTrim =
    "DELETE FROM call_log WHERE call_id = ?1 AND seq <= (SELECT seq FROM call_log "
    "WHERE call_id = ?1 ORDER BY seq DESC LIMIT 1 OFFSET ?2)";
constexpr const char* kRead =
    "SELECT received_ms, event_ms, source, event_type, duplicate FROM call_log "
    "WHERE call_id = ?1 ORDER BY seq";

}  // namespace

result<void> SqliteStore::log_provider_event(std::string_view call_id, const store::CallLogEntry& e,
                                             TimePoint expires_at) {
  {
    Use s(writer_->prepare(kInsert));
    s->bind(1, call_id)
        .bind(2, to_unix_ms(e.received_at))
        .bind(3, to_unix_ms(e.event_time))
        .bind(4, e.source)
        .bind(5, e.event_type)
        .bind(6, std::int64_t{e.duplicate ? 1 : 0})
        .bind(7, to_unix_ms(expires_at));
    if (s->step() != SQLITE_DONE) return unavailable(s->db());
  }
  Use s(writer_->prepare(kTrim));
  s->bind(1, call_id).bind(2, static_cast<std::int64_t>(store::kCallLogSize));
  if (s->step() != SQLITE_DONE) return unavailable(s->db());
  return {};
}

result<std::vector<store::CallLogEntry>> SqliteStore::call_log(std::string_view call_id) {
  std::lock_guard lock(reader_mutex_);
  Use s(reader_->prepare(kRead));
  s->bind(1, call_id);
  std::vector<store::CallLogEntry> out;
  for (;;) {
    const int rc = s->step();
    if (rc == SQLITE_DONE) return out;
    if (rc != SQLITE_ROW) return unavailable(s->db());
    out.push_back({from_unix_ms(s->int64(0)), from_unix_ms(s->int64(1)), s->text(2), s->text(3),
                   s->int64(4) != 0});
  }
}

}  // namespace callgate::store
