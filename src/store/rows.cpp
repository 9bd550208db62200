#include <callgate/store/rows.hpp>
#include <nlohmann/json.hpp>

namespace callgate::store {

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
