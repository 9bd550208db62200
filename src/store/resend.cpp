// An operator's "send this event to that sink again", made of what every store already does:
// the event becomes a dead letter of that sink and is redelivered at once.
#include <callgate/store/store.hpp>

namespace callgate::store {

result<bool> resend_event(Store& store, std::string_view sink, std::int64_t seq, TimePoint now) {
  if (seq <= 0) return false;
  auto rows = store.read_outbox(seq - 1, 1);
  if (!rows) return {boost::system::in_place_error, rows.error()};
  if (rows->empty() || rows->front().seq != seq) return false;
  // A dead letter of that sink for this event already: redelivering it resends the event, and
  // adding another would send it twice.
  auto dead = store.list_dead_letters(sink, 1, DeadLetterCursor{seq + 1, ""});
  if (!dead) return {boost::system::in_place_error, dead.error()};
  if (dead->empty() || dead->front().row.seq != seq) {
    if (auto added = store.add_dead_letter(
            sink, {rows->front(), "sent again by an operator", 0, now, std::string(sink)});
        !added)
      return {boost::system::in_place_error, added.error()};
  }
  auto moved = store.redeliver_dead_letters(sink, seq, now);
  if (!moved) return {boost::system::in_place_error, moved.error()};
  return *moved > 0;
}

}  // namespace callgate::store
