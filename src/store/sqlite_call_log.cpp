// The SQLite store's per-call log: provider events received and unified events emitted (a
// call's timeline in the console).
#include "pool.hpp"
#include "sqlite_db.hpp"
#include "sqlite_store.hpp"
#include "sqlite_writer.hpp"

namespace callgate::store {
namespace {

using sqlite::unavailable;
using sqlite::Use;

constexpr const char* kInsert =
    "INSERT INTO call_log(call_id, kind, at_ms, event_ms, source, event_type, key, out_seq, "
    "expires_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
// Keeps the newest kCallLogSize entries of the call (an index walk on call_log_by_call). Run
// for one insert in kTrimEvery, so a call's log may briefly hold a few dozen more; readers take
// the newest kCallLogSize only.
constexpr const char* kTrim =
    "DELETE FROM call_log WHERE call_id = ?1 AND seq <= (SELECT seq FROM call_log "
    "WHERE call_id = ?1 ORDER BY seq DESC LIMIT 1 OFFSET ?2)";
constexpr std::int64_t kTrimEvery = 32;
constexpr const char* kRead =
    "SELECT kind, at_ms, event_ms, source, event_type, key, out_seq, emitted, detail FROM (SELECT "
    "* FROM call_log WHERE call_id = ?1 ORDER BY seq DESC LIMIT ?2) ORDER BY seq";
constexpr const char* kInsertAttempt =
    "INSERT INTO call_log(call_id, kind, at_ms, event_ms, source, event_type, key, out_seq, "
    "expires_ms, detail) VALUES(?1, ?2, ?3, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

/** The emitted entries packed into one row's `emitted` column, one line each:
 * type \t key \t seq \t at_ms \n. */
void unpack_emitted(std::string_view text, const std::string& source,
                    std::vector<store::CallLogEntry>& out) {
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    std::string_view parts[4];
    for (auto& part : parts) {
      const auto tab = line.find('\t');
      part = line.substr(0, tab);
      line = tab == std::string_view::npos ? std::string_view{} : line.substr(tab + 1);
    }
    const auto number = [](std::string_view v) {
      std::int64_t n = 0;
      for (char c : v)
        if (c >= '0' && c <= '9') n = n * 10 + (c - '0');
      return n;
    };
    const auto at = from_unix_ms(number(parts[3]));
    out.push_back({store::CallLogEntry::Kind::emitted,
                   at,
                   at,
                   source,
                   std::string(parts[0]),
                   std::string(parts[1]),
                   number(parts[2]),
                   {}});
  }
}

}  // namespace

result<void> SqliteWriter::append_call_log(std::string_view call_id, const store::CallLogEntry& e,
                                           TimePoint expires_at) {
  {
    Use s(db_->prepare(kInsert));
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
  last_log_row_ = db_->last_insert_rowid();
  last_log_call_ = std::string(call_id);
  if (last_log_row_ % kTrimEvery != 0) return {};
  Use s(db_->prepare(kTrim));
  s->bind(1, call_id).bind(2, static_cast<std::int64_t>(store::kCallLogSize));
  if (s->step() != SQLITE_DONE) return unavailable(s->db());
  return {};
}

result<std::vector<store::CallLogEntry>> SqliteStore::call_log(std::string_view call_id) {
  auto db = readers_->acquire();
  Use s(db->prepare(kRead));
  s->bind(1, call_id).bind(2, static_cast<std::int64_t>(store::kCallLogSize));
  std::vector<store::CallLogEntry> out;
  for (;;) {
    const int rc = s->step();
    if (rc == SQLITE_DONE) {
      if (out.size() > store::kCallLogSize)
        out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(store::kCallLogSize));
      return out;
    }
    if (rc != SQLITE_ROW) return unavailable(s->db());
    out.push_back({static_cast<store::CallLogEntry::Kind>(s->int64(0)), from_unix_ms(s->int64(1)),
                   from_unix_ms(s->int64(2)), s->text(3), s->text(4), s->text(5), s->int64(6),
                   s->text(8)});
    const auto source = out.back().source;  // out may grow (and move) below
    unpack_emitted(s->text(7), source, out);
  }
}

// A sink's attempts, in one transaction of the connection the sinks write their cursors with.
result<void> SqliteStore::record_attempts(
    const std::vector<std::pair<std::string, store::CallLogEntry>>& attempts,
    TimePoint expires_at) {
  if (attempts.empty()) return {};
  std::lock_guard lock(ledger_mutex_);
  if (ledger_->exec("BEGIN IMMEDIATE") != SQLITE_OK) return unavailable(ledger_->handle());
  for (const auto& [call_id, e] : attempts) {
    Use s(ledger_->prepare(kInsertAttempt));
    s->bind(1, call_id)
        .bind(2, static_cast<std::int64_t>(e.kind))
        .bind(3, to_unix_ms(e.at))
        .bind(4, e.source)
        .bind(5, e.event_type)
        .bind(6, e.key)
        .bind(7, e.seq)
        .bind(8, to_unix_ms(expires_at))
        .bind(9, e.detail);
    if (s->step() != SQLITE_DONE) {
      const auto ec = unavailable(s->db());
      ledger_->exec("ROLLBACK");
      return ec;
    }
  }
  if (auto ec = sqlite::commit_or_rollback(*ledger_)) return ec;
  return {};
}

}  // namespace callgate::store
