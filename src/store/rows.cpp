#include <algorithm>
#include <callgate/store/rows.hpp>
#include <nlohmann/json.hpp>

namespace callgate::store {

void sort_dead_letters(std::vector<DeadLetter>& d, std::size_t limit) {
  std::sort(d.begin(), d.end(), [](const DeadLetter& a, const DeadLetter& b) {
    return a.row.seq != b.row.seq ? a.row.seq > b.row.seq : a.sink < b.sink;
  });
  if (d.size() > limit) d.resize(limit);
}

nlohmann::ordered_json row_json(const OutboxRow& r) {
  return {
      {"seq", r.seq},
      {"createdAt", format_iso8601(r.created_at)},
      {"source", r.source},
      {"connectorId", r.connector_id},
      {"ownerId", r.owner_id},
      {"callId", r.call_id},
      {"eventType", r.event_type},
      {"idempotencyKey", r.idempotency_key},
      {"sink", r.sink.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.sink)},
      {"body", nlohmann::ordered_json::parse(r.body, nullptr, false)}};
}

}  // namespace callgate::store
