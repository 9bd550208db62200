#include "memory_store.hpp"

#include <malloc.h>

#include <algorithm>
#include <limits>
#include <ranges>

namespace callgate::store {

result<void> MemoryStore::begin() {
  std::lock_guard lock(mutex_);
  undo_.emplace();
  undo_->outbox_size = outbox_.size();
  undo_->next_seq = next_seq_;
  return {};
}

result<void> MemoryStore::commit() {
  std::lock_guard lock(mutex_);
  if (undo_)
    for (const auto& id : undo_->logged)
      if (auto log = call_logs_.find(id); log != call_logs_.end())
        while (log->second.entries.size() > store::kCallLogSize) log->second.entries.pop_front();
  undo_.reset();
  return {};
}

void MemoryStore::rollback() {
  std::lock_guard lock(mutex_);
  if (!undo_) return;
  for (auto& [id, old] : undo_->calls) {
    if (auto it = calls_.find(id); it != calls_.end()) unindex(it->second.state);
    if (old) {
      index(old->state);
      calls_.insert_or_assign(id, *old);
    } else {
      calls_.erase(id);
    }
  }
  for (auto& [key, old] : undo_->deliveries) {
    if (old)
      deliveries_.insert_or_assign(key, *old);
    else
      deliveries_.erase(key);
  }
  outbox_.resize(undo_->outbox_size);
  next_seq_ = undo_->next_seq;
  // Newest first. NOLINTNEXTLINE(modernize-loop-convert): clang 14's ranges reject the view
  for (auto it = undo_->logged.rbegin(); it != undo_->logged.rend(); ++it)
    if (auto log = call_logs_.find(*it); log != call_logs_.end() && !log->second.entries.empty())
      log->second.entries.pop_back();
  undo_.reset();
}

result<void> MemoryStore::append_call_log(std::string_view call_id, const store::CallLogEntry& e,
                                          TimePoint expires_at) {
  std::lock_guard lock(mutex_);
  auto& log = call_logs_[std::string(call_id)];
  // Rollback takes entries back off the end, so the oldest is dropped only when nothing of this
  // transaction could still be taken back, and at most one entry over the bound is kept meanwhile.
  log.entries.push_back(e);
  if (log.entries.size() > store::kCallLogSize && !undo_) log.entries.pop_front();
  log.expires_at = std::max(log.expires_at, expires_at);
  if (undo_) undo_->logged.emplace_back(call_id);
  return {};
}

result<void> MemoryStore::record_attempts(
    const std::vector<std::pair<std::string, store::CallLogEntry>>& attempts,
    TimePoint expires_at) {
  std::lock_guard lock(mutex_);
  for (const auto& [call_id, e] : attempts) {
    auto& log = attempt_logs_[call_id];
    log.entries.push_back(e);
    if (log.entries.size() > store::kCallLogSize) log.entries.pop_front();
    log.expires_at = std::max(log.expires_at, expires_at);
  }
  return {};
}

result<std::vector<store::CallLogEntry>> MemoryStore::call_log(std::string_view call_id) {
  std::lock_guard lock(mutex_);
  std::vector<store::CallLogEntry> out;
  if (auto attempts = attempt_logs_.find(call_id); attempts != attempt_logs_.end())
    out.assign(attempts->second.entries.begin(), attempts->second.entries.end());
  auto it = call_logs_.find(call_id);
  if (it == call_logs_.end()) return out;
  const auto& entries = it->second.entries;
  // Entries of an open transaction are not committed yet.
  std::size_t open = 0;
  if (undo_) open = std::count(undo_->logged.begin(), undo_->logged.end(), call_id);
  const std::size_t committed = entries.size() - std::min(open, entries.size());
  const std::size_t first = committed > store::kCallLogSize ? committed - store::kCallLogSize : 0;
  out.insert(out.begin(), entries.begin() + static_cast<std::ptrdiff_t>(first),
             entries.begin() + static_cast<std::ptrdiff_t>(committed));
  // Attempts come after what they attempted: in time order, the log's own order kept on ties.
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.at < b.at; });
  if (out.size() > store::kCallLogSize)
    out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(store::kCallLogSize));
  return out;
}

result<bool> MemoryStore::remember_delivery(std::string_view key, TimePoint expires_at) {
  std::lock_guard lock(mutex_);
  auto it = deliveries_.find(key);
  if (it != deliveries_.end()) return false;
  if (undo_) undo_->deliveries.try_emplace(std::string(key), std::nullopt);
  deliveries_.emplace(std::string(key), expires_at);
  return true;
}

result<std::optional<core::CallState>> MemoryStore::load_call(std::string_view id) {
  std::lock_guard lock(mutex_);
  auto it = calls_.find(id);
  if (it == calls_.end()) return std::optional<core::CallState>{};
  return std::optional<core::CallState>{it->second.state};
}

result<std::optional<core::CallState>> MemoryStore::find_live_call(std::string_view source,
                                                                   std::string_view match_key) {
  std::lock_guard lock(mutex_);
  // The index holds only live calls, so this looks at the few that share the key, not at all.
  const core::CallState* newest = nullptr;
  if (auto ids = live_by_match_.find(match_index_key(source, match_key));
      ids != live_by_match_.end()) {
    for (const auto& id : ids->second) {
      const auto& s = calls_.at(id).state;
      if (!newest || s.created_at > newest->created_at) newest = &s;
    }
  }
  if (!newest) return std::optional<core::CallState>{};
  return std::optional<core::CallState>{*newest};
}

std::string MemoryStore::match_index_key(std::string_view source, std::string_view match_key) {
  return std::string(source).append(1, '\x1f').append(match_key);
}

void MemoryStore::index(const core::CallState& s) {
  if (s.ended() || s.match_key.empty()) return;
  live_by_match_[match_index_key(s.source, s.match_key)].push_back(s.id);
}

void MemoryStore::unindex(const core::CallState& s) {
  if (s.ended() || s.match_key.empty()) return;
  auto it = live_by_match_.find(match_index_key(s.source, s.match_key));
  if (it == live_by_match_.end()) return;
  std::erase(it->second, s.id);
  if (it->second.empty()) live_by_match_.erase(it);
}

result<void> MemoryStore::save_call(const core::CallState& s, TimePoint expires_at) {
  std::lock_guard lock(mutex_);
  auto it = calls_.find(s.id);
  if (undo_)
    undo_->calls.try_emplace(
        s.id, it == calls_.end() ? std::nullopt : std::optional<StoredCall>{it->second});
  if (it != calls_.end()) unindex(it->second.state);
  index(s);
  calls_.insert_or_assign(s.id, StoredCall{s, expires_at});
  return {};
}

result<std::int64_t> MemoryStore::append_outbox(const core::Emission& e, TimePoint now) {
  std::lock_guard lock(mutex_);
  const auto seq = next_seq_++;
  outbox_.push_back({seq, now, e.call_id, std::string(core::to_string(e.type)), e.idempotency_key,
                     e.body, "", e.source, e.identity.connector_id, e.identity.owner_id});
  return seq;
}

result<void> MemoryStore::purge(TimePoint now, TimePoint outbox_before) {
  std::lock_guard lock(mutex_);
  std::size_t dropped =
      std::erase_if(calls_, [now](const auto& kv) { return kv.second.expires_at < now; });
  dropped += std::erase_if(deliveries_, [now](const auto& kv) { return kv.second < now; });
  for (auto* logs : {&call_logs_, &attempt_logs_})
    dropped += std::erase_if(*logs, [now](const auto& kv) { return kv.second.expires_at < now; });
  std::int64_t taken = std::numeric_limits<std::int64_t>::max();  // no sink: age alone decides
  for (const auto& [name, c] : cursors_) taken = std::min(taken, c.seq);
  dropped += std::erase_if(outbox_, [&](const store::OutboxRow& r) {
    return r.seq <= taken && r.created_at < outbox_before;
  });
  if (dropped > 0) {
    outbox_.shrink_to_fit();
    // Give what was freed back to the system, so RSS follows what is kept, not the peak.
    ::malloc_trim(0);
  }
  return {};
}

result<std::int64_t> MemoryStore::count_live_calls() {
  std::lock_guard lock(mutex_);
  return static_cast<std::int64_t>(std::count_if(
      calls_.begin(), calls_.end(), [](const auto& kv) { return !kv.second.state.ended(); }));
}

result<std::vector<store::OutboxRow>> MemoryStore::read_outbox(std::int64_t after_seq,
                                                               std::size_t limit) {
  std::lock_guard lock(mutex_);
  std::vector<store::OutboxRow> rows;
  // Rows are appended in seq order, so the first row after the cursor is found by binary search.
  auto it =
      std::upper_bound(outbox_.begin(), outbox_.end(), after_seq,
                       [](std::int64_t seq, const store::OutboxRow& r) { return seq < r.seq; });
  const std::size_t visible = undo_ ? undo_->outbox_size : outbox_.size();  // hide uncommitted
  for (; it != outbox_.end() && rows.size() < limit &&
         static_cast<std::size_t>(it - outbox_.begin()) < visible;
       ++it)
    rows.push_back(*it);
  return rows;
}

result<std::optional<store::SinkCursor>> MemoryStore::load_cursor(std::string_view sink) {
  std::lock_guard lock(mutex_);
  auto it = cursors_.find(sink);
  if (it == cursors_.end()) return std::optional<store::SinkCursor>{};
  return std::optional<store::SinkCursor>{it->second};
}

result<void> MemoryStore::save_cursor(std::string_view sink, const store::SinkCursor& c) {
  std::lock_guard lock(mutex_);
  cursors_.insert_or_assign(std::string(sink), c);
  return {};
}

result<std::int64_t> MemoryStore::last_outbox_seq() {
  std::lock_guard lock(mutex_);
  return next_seq_ - 1;
}

result<std::vector<store::OutboxRow>> MemoryStore::outbox_before(std::int64_t before_seq,
                                                                 std::size_t n) {
  std::lock_guard lock(mutex_);
  const std::size_t visible = undo_ ? undo_->outbox_size : outbox_.size();  // hide uncommitted
  auto end = outbox_.begin() + static_cast<std::ptrdiff_t>(visible);
  if (before_seq != 0)
    end = std::lower_bound(outbox_.begin(), end, before_seq,
                           [](const store::OutboxRow& r, std::int64_t seq) { return r.seq < seq; });
  std::vector<store::OutboxRow> rows;
  for (auto it = end; it != outbox_.begin() && rows.size() < n;) rows.push_back(*--it);
  return rows;
}

result<std::vector<core::CallState>> MemoryStore::calls_before(const store::CallCursor& from,
                                                               std::size_t n, bool live_only) {
  std::lock_guard lock(mutex_);
  const auto key = [](const core::CallState& s) {
    return std::pair(to_unix_ms(s.created_at), s.id);
  };
  const std::pair<std::int64_t, std::string> after{from.created_ms, from.id};
  std::vector<core::CallState> out;
  for (const auto& [id, c] : calls_)
    if ((!live_only || !c.state.ended()) && (from.created_ms == 0 || key(c.state) < after))
      out.push_back(c.state);
  const auto newest = [&](const auto& a, const auto& b) { return key(a) > key(b); };
  if (out.size() > n) {
    std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n), out.end(), newest);
    out.resize(n);
  } else {
    std::sort(out.begin(), out.end(), newest);
  }
  return out;
}

result<void> MemoryStore::add_dead_letter(std::string_view sink, const store::DeadLetter& d) {
  std::lock_guard lock(mutex_);
  auto copy = d;
  copy.sink = std::string(sink);
  std::erase_if(dead_letters_,
                [&](const auto& x) { return x.sink == sink && x.row.seq == d.row.seq; });
  dead_letters_.push_back(std::move(copy));
  return {};
}

result<std::vector<store::DeadLetter>> MemoryStore::list_dead_letters(
    std::string_view sink, std::size_t limit, const store::DeadLetterCursor& from) {
  std::lock_guard lock(mutex_);
  std::vector<store::DeadLetter> out;
  for (const auto& d : dead_letters_)
    if ((sink.empty() || d.sink == sink) && from.passed(d)) out.push_back(d);
  store::sort_dead_letters(out, limit);
  return out;
}

result<std::size_t> MemoryStore::redeliver_dead_letters(std::string_view sink, std::int64_t seq,
                                                        TimePoint now) {
  std::lock_guard lock(mutex_);
  std::size_t moved = 0;
  std::erase_if(dead_letters_, [&](const store::DeadLetter& d) {
    if (d.sink != sink || (seq != 0 && d.row.seq != seq)) return false;
    auto row = d.row;
    row.seq = next_seq_++;
    row.created_at = now;
    row.sink = std::string(sink);
    outbox_.push_back(std::move(row));
    ++moved;
    return true;
  });
  return moved;
}

}  // namespace callgate::store
