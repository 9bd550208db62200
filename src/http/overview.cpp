// GET /admin/overview: what the console's first screen shows.
#include <callgate/http/overview.hpp>

namespace callgate::http {
namespace {

using json = nlohmann::ordered_json;

constexpr auto kSampleEvery = std::chrono::seconds(5);
constexpr auto kHistory = std::chrono::minutes(10);
constexpr std::size_t kDeadLetters = 50;
constexpr std::int64_t kEvents = 20;

/** A request counted per source: "(unknown)" is a path that named no configured source. */
bool counted(std::string_view source) { return !source.empty() && source != "(unknown)"; }

}  // namespace

Overview::Overview(store::Reader& store, metrics::Metrics& metrics, std::vector<std::string> sinks)
    : store_(store), metrics_(metrics), sinks_(std::move(sinks)) {}

result<json> Overview::at(TimePoint now) {
  const auto current = snapshot(now);  // the numbers now; every kSampleEvery also the chart's
  auto sinks = this->sinks();
  if (!sinks) return sinks.error();
  auto events = this->events();
  if (!events) return events.error();
  auto live = store_.count_live_calls();
  if (!live) return live.error();
  std::lock_guard lock(mutex_);
  keep(current);
  return json{{"sources", sources(current)},
              {"sinks", std::move(*sinks)},
              {"events", std::move(*events)},
              {"liveCalls", *live}};
}

Overview::Sample Overview::snapshot(TimePoint now) const {
  Sample s{now, {}};
  for (const auto& series : metrics_.series_of("callgate_requests_total"))
    if (counted(series.label("source")) && series.label("status") == "200")
      s.by_source[std::string(series.label("source"))].accepted += series.value;
  for (const auto& series : metrics_.series_of("callgate_rejections_total")) {
    if (!counted(series.label("source"))) continue;
    auto& totals = s.by_source[std::string(series.label("source"))];
    totals.rejected += series.value;
    totals.rejected_by[std::string(series.label("reason"))] += series.value;
  }
  return s;
}

void Overview::keep(const Sample& now) {
  if (!samples_.empty() && now.at - samples_.back().at < kSampleEvery) return;
  samples_.push_back(now);
  while (samples_.size() > 1 && now.at - samples_.front().at > kHistory) samples_.pop_front();
}

json Overview::sources(const Sample& now) const {
  json out = json::array();
  for (const auto& [name, totals] : now.by_source) {
    json series = json::array();
    for (std::size_t i = 1; i < samples_.size(); ++i) {
      const auto& a = samples_[i - 1].by_source;
      const auto& b = samples_[i].by_source;
      const auto before = a.contains(name) ? a.at(name) : Totals{};
      const auto after = b.contains(name) ? b.at(name) : before;
      series.push_back({{"at", format_iso8601(samples_[i].at)},
                        {"accepted", after.accepted - before.accepted},
                        {"rejected", after.rejected - before.rejected}});
    }
    out.push_back({{"name", name},
                   {"accepted", totals.accepted},
                   {"rejected", totals.rejected},
                   {"rejectedBy", totals.rejected_by},
                   {"series", std::move(series)}});
  }
  return out;
}

result<json> Overview::sinks() {
  json out = json::array();
  for (const auto& name : sinks_) {
    auto dead = store_.list_dead_letters(name, kDeadLetters);
    if (!dead) return dead.error();
    json letters = json::array();
    for (const auto& d : *dead)
      letters.push_back({{"seq", d.row.seq},
                         {"callId", d.row.call_id},
                         {"source", d.row.source},
                         {"eventType", d.row.event_type},
                         {"idempotencyKey", d.row.idempotency_key},
                         {"error", d.reason},
                         {"attempts", d.attempts},
                         {"deadAt", format_iso8601(d.at)}});
    out.push_back({{"name", name},
                   {"lag", metrics_.value("callgate_sink_lag_events", {{"sink", name}})},
                   {"deadLetters", std::move(letters)}});
  }
  return out;
}

result<json> Overview::events() {
  auto last = store_.last_outbox_seq();
  if (!last) return last.error();
  auto rows = store_.read_outbox(std::max<std::int64_t>(*last - kEvents, 0), kEvents);
  if (!rows) return rows.error();
  json out = json::array();
  for (auto i = rows->size(); i-- > 0;)  // newest first
    out.push_back({{"seq", (*rows)[i].seq},
                   {"at", format_iso8601((*rows)[i].created_at)},
                   {"callId", (*rows)[i].call_id},
                   {"source", (*rows)[i].source},
                   {"eventType", (*rows)[i].event_type},
                   {"idempotencyKey", (*rows)[i].idempotency_key}});
  return out;
}

}  // namespace callgate::http
