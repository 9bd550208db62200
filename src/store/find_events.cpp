// A page of the outbox, filtered, newest first (or oldest first after a cursor).
#include <callgate/store/store.hpp>

namespace callgate::store {
namespace {

bool matches(const OutboxRow& r, const EventQuery& q) {
  return (q.type.empty() || r.event_type == q.type) && (q.source.empty() || r.source == q.source) &&
         (q.call_id.empty() || r.call_id == q.call_id) && (!q.from || r.created_at >= *q.from) &&
         (!q.to || r.created_at < *q.to);
}

}  // namespace

result<EventPage> find_events(Reader& reader, const EventQuery& q, std::size_t scan) {
  constexpr std::size_t kChunk = 500;
  const bool forward = q.after_seq.has_value();
  EventPage page;
  std::int64_t cursor = forward ? *q.after_seq : q.before_seq;
  std::size_t looked = 0;
  while (page.events.size() < q.limit && looked < scan) {
    auto chunk =
        forward ? reader.read_outbox(cursor, kChunk) : reader.outbox_before(cursor, kChunk);
    if (!chunk) return chunk.error();
    for (auto& r : *chunk) {
      ++looked;
      cursor = r.seq;
      // Rows are in seq order, which is creation order: past the window, nothing more matches.
      if ((forward && q.to && r.created_at >= *q.to) ||
          (!forward && q.from && r.created_at < *q.from))
        return page;
      if (matches(r, q)) page.events.push_back(std::move(r));
      if (page.events.size() == q.limit || looked == scan) break;
    }
    if (chunk->size() < kChunk && page.events.size() < q.limit && looked < scan) return page;
  }
  page.next = cursor;
  return page;
}

}  // namespace callgate::store
