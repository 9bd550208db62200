// The request log's record in its stored and shown forms, and the one way a page of it is found.
#include <callgate/store/requests.hpp>
#include <charconv>
#include <nlohmann/json.hpp>

namespace callgate::store {
namespace {

using ojson = nlohmann::ordered_json;

bool matches(const RequestRecord& r, const RequestQuery& q) {
  return (q.source.empty() || r.source == q.source) &&
         (q.verdict.empty() || r.verdict == q.verdict) && (q.status == 0 || r.status == q.status) &&
         (!q.from || r.at >= *q.from) && (!q.to || r.at < *q.to) &&
         (q.text.empty() || r.body.find(q.text) != std::string::npos);
}

}  // namespace

result<RequestPage> find_requests(RequestLog& log, const RequestQuery& q, std::size_t scan) {
  RequestPage page;
  std::int64_t before = q.before_id;
  std::size_t looked = 0;
  constexpr std::size_t kChunk = 500;
  while (page.requests.size() < q.limit && looked < scan) {
    auto chunk = log.requests_before(before, kChunk);
    if (!chunk) return chunk.error();
    for (auto& r : *chunk) {
      ++looked;
      before = r.id;
      if (matches(r, q)) page.requests.push_back(std::move(r));
      if (page.requests.size() == q.limit || looked == scan) break;
    }
    if (chunk->size() < kChunk && page.requests.size() < q.limit && looked < scan)
      return page;  // read to the oldest: there is no next page
  }
  page.next_before = before;
  return page;
}

// The stored form is netstrings ("<length>:<bytes>,"), one field after another in a fixed
// order: binary safe and copied, never escaped. JSON would cost the recorder's thread more than
// the rest of a request's logging (measured: ~25 µs a request for a 1 KB body).
namespace {

constexpr std::string_view kStoredVersion = "R1";

void put(std::string& out, std::string_view field) {
  out.append(std::to_string(field.size())).append(":").append(field).append(",");
}
void put(std::string& out, std::int64_t n) { put(out, std::to_string(n)); }
void put(std::string& out, const HeaderList& headers) {
  put(out, static_cast<std::int64_t>(headers.size()));
  for (const auto& [name, value] : headers) put(out, name), put(out, value);
}

/** Reads netstrings back in order; any malformation makes ok() false. */
class Fields {
 public:
  explicit Fields(std::string_view text) : rest_(text) {}
  bool ok() const { return ok_; }
  std::string_view rest() const { return rest_; }
  std::string_view text() {
    const auto colon = rest_.find(':');
    std::size_t n = 0;
    const auto [end, ec] = std::from_chars(rest_.data(), rest_.data() + colon, n);
    if (colon == std::string_view::npos || ec != std::errc{} || end != rest_.data() + colon ||
        rest_.size() < colon + n + 2 || rest_[colon + 1 + n] != ',') {
      ok_ = false;
      rest_ = {};
      return {};
    }
    const auto field = rest_.substr(colon + 1, n);
    rest_.remove_prefix(colon + n + 2);
    return field;
  }
  std::int64_t number() {
    const auto t = text();
    std::int64_t n = 0;
    if (std::from_chars(t.data(), t.data() + t.size(), n).ec != std::errc{}) ok_ = false;
    return n;
  }
  HeaderList headers() {
    HeaderList out;
    for (auto n = number(); ok_ && n > 0; --n) {
      auto name = std::string(text());
      out.emplace_back(std::move(name), std::string(text()));
    }
    return out;
  }

 private:
  std::string_view rest_;
  bool ok_ = true;
};

}  // namespace

std::string to_stored(const RequestRecord& r) {
  std::string out;
  out.reserve(256 + r.body.size() + r.sealed_body.size() + 64 * r.headers.size());
  put(out, kStoredVersion);
  put(out, r.id), put(out, to_unix_ms(r.at)), put(out, r.source), put(out, r.method);
  put(out, r.target), put(out, r.remote), put(out, r.status), put(out, r.verdict);
  put(out, r.reason), put(out, r.event_type), put(out, r.latency_us), put(out, r.headers);
  put(out, r.body), put(out, r.body_size), put(out, r.diagnosis);
  put(out, static_cast<std::int64_t>(r.events.size()));
  for (const auto& e : r.events)
    put(out, e.call_id), put(out, e.event_type), put(out, e.idempotency_key);
  put(out, r.replay_of), put(out, r.replayable ? 1 : 0), put(out, r.sealed_headers);
  put(out, r.sealed_query), put(out, r.sealed_body);
  return out;
}

StoredRequest stored(const RequestRecord& r) { return {r.id, r.at, to_stored(r)}; }

std::string with_id(std::string_view text, std::int64_t id) {
  Fields f(text);
  f.text(), f.number();  // the version, the id
  if (!f.ok()) return std::string(text);
  std::string out;
  put(out, kStoredVersion);
  put(out, id);
  return out.append(f.rest());
}

std::optional<RequestRecord> from_stored(std::string_view text) {
  Fields f(text);
  if (f.text() != kStoredVersion) return std::nullopt;
  RequestRecord r;
  r.id = f.number();
  r.at = from_unix_ms(f.number());
  r.source = f.text(), r.method = f.text(), r.target = f.text(), r.remote = f.text();
  r.status = static_cast<int>(f.number());
  r.verdict = f.text(), r.reason = f.text(), r.event_type = f.text();
  r.latency_us = f.number();
  r.headers = f.headers();
  r.body = f.text();
  r.body_size = f.number();
  r.diagnosis = f.text();
  for (auto n = f.number(); f.ok() && n > 0; --n) {
    CausedEvent e;
    e.call_id = f.text(), e.event_type = f.text(), e.idempotency_key = f.text();
    r.events.push_back(std::move(e));
  }
  r.replay_of = f.number();
  r.replayable = f.number() == 1;
  r.sealed_headers = f.headers();
  r.sealed_query = f.text(), r.sealed_body = f.text();
  if (!f.ok()) return std::nullopt;
  return r;
}

ojson request_json(const RequestRecord& r, bool body) {
  ojson headers = ojson::array();
  for (const auto& [name, value] : r.headers) headers.push_back({{"name", name}, {"value", value}});
  ojson events = ojson::array();
  for (const auto& e : r.events)
    events.push_back({{"callId", e.call_id},
                      {"eventType", e.event_type},
                      {"idempotencyKey", e.idempotency_key}});
  ojson out{{"id", r.id},
            {"at", format_iso8601(r.at)},
            {"source", r.source},
            {"method", r.method},
            {"target", r.target},
            {"remote", r.remote},
            {"status", r.status},
            {"verdict", r.verdict},
            {"reason", r.reason.empty() ? ojson(nullptr) : ojson(r.reason)},
            {"eventType", r.event_type.empty() ? ojson(nullptr) : ojson(r.event_type)},
            {"latencyMs", static_cast<double>(r.latency_us) / 1000.0},
            {"bodySize", r.body_size},
            {"replayOf", r.replay_of == 0 ? ojson(nullptr) : ojson(r.replay_of)},
            {"events", events}};
  if (!r.diagnosis.empty()) out["diagnosis"] = ojson::parse(r.diagnosis, nullptr, false);
  if (!body) return out;
  out["headers"] = headers;
  out["body"] = r.body;
  out["bodyTruncated"] = static_cast<std::int64_t>(r.body.size()) < r.body_size;
  out["replayable"] = r.replayable;
  return out;
}

}  // namespace callgate::store
