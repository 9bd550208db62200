// The SQLite store's per-call log: provider events received and unified events emitted (a
// call's timeline in the console).
#include <callgate/store/sqlite_store.hpp>

#include "sqlite_db.hpp"

namespace callgate::store {
namespace {

using sqlite::unavailable;
using sqlite::Use;

constexpr const char* kInsert =
    "INSERT INTO call_log(call_id, kind, at_ms, event_ms, source, event_type, key, out_seq, "
    "expires_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
// Keeps the newest kCallLogSize entries of the call (an index walk on call_log_by_call).
constexpr const char* kTrim =
    "DELETE FROM call_log WHERE call_id = ?1 AND seq <= (SELECT seq FROM call_log "
    "WHERE call_id = ?1 ORDER BY seq DESC LIMIT 1 OFFSET ?2)";
constexpr const char* kRead =
    "SELECT kind, at_ms, event_ms, source, event_type, key, out_seq FROM call_log "
    "WHERE call_id = ?1 ORDER BY seq";

}  // namespace

result<void> SqliteStore::append_call_log(std::string_view call_id, const store::CallLogEntry& e,
                                          TimePoint expires_at) {
  {
    Use s(writer_->prepare(kInsert));
    s->bind(1, call_id)
        .bind(2, static_cast<std::int64_t>(e.kind))
        .bind(3, to_unix_ms(e.at))
        .bind(4, to_unix_ms(e.event_time))
        .bind(5, e.source)
        .bind(6, e.event_type)
        .bind(7, e.key)
        .bind(8, e.seq)
        .bind(9, to_unix_ms(expires_at));
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
    out.push_back({static_cast<store::CallLogEntry::Kind>(s->int64(0)), from_unix_ms(s->int64(1)),
                   from_unix_ms(s->int64(2)), s->text(3), s->text(4), s->text(5), s->int64(6)});
  }
}

}  // namespace callgate::store
