#include <callgate/metrics/history.hpp>
#include <nlohmann/json.hpp>

namespace callgate::metrics {
namespace {

using json = nlohmann::ordered_json;
constexpr std::int64_t kMinuteMs = 60'000;

/** How much a counter series grew since the last sample, which then moves on. */
std::int64_t grew(std::map<std::string, std::int64_t>& last, const std::string& key,
                  std::int64_t value) {
  auto& before = last[key];
  const auto delta = value >= before ? value - before : value;  // a reset counts from zero
  before = value;
  return delta;
}

}  // namespace

double latency_quantile_ms(const Metrics::LatencyCounts& counts, double q) {
  std::uint64_t total = 0;
  for (auto c : counts) total += c;
  if (total == 0) return 0;
  const double rank = q * static_cast<double>(total);
  double seen = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const auto n = static_cast<double>(counts[i]);
    if (n > 0 && seen + n >= rank) {
      if (i == Metrics::kLatencyBounds.size()) return Metrics::kLatencyBounds.back() * 1000;
      const double low = i == 0 ? 0 : Metrics::kLatencyBounds[i - 1];
      const double high = Metrics::kLatencyBounds[i];
      return (low + (high - low) * (rank - seen) / n) * 1000;
    }
    seen += n;
  }
  return Metrics::kLatencyBounds.back() * 1000;
}

History::History(std::size_t keep) : keep_(keep) {}

Minute* History::find(std::int64_t at_ms) {
  for (auto i = minutes_.size(); i-- > 0;)  // from the newest, which are asked for most
    if (minutes_[i].at_ms == at_ms) return &minutes_[i];
  return nullptr;
}

Minute* History::minute_at(std::int64_t at_ms) {
  if (auto* m = find(at_ms)) return m;
  if (minutes_.size() >= keep_ && (keep_ == 0 || at_ms < minutes_.front().at_ms))
    return nullptr;  // older than all that is kept
  auto pos = minutes_.end();
  while (pos != minutes_.begin() && std::prev(pos)->at_ms > at_ms) --pos;
  minutes_.insert(pos, Minute{})->at_ms = at_ms;
  while (minutes_.size() > keep_) minutes_.pop_front();  // never the one just added
  return find(at_ms);
}

Minute History::measure(const Metrics& metrics, Baseline& last) {
  Minute m;
  std::map<std::string, std::int64_t> ok_by_source;
  for (const auto& s : metrics.series_of("callgate_requests_total")) {
    const auto source = std::string(s.label("source"));
    if (source.empty() || source == "(unknown)" || s.label("status") != "200") continue;
    ok_by_source[source] += grew(last.counters, "ok:" + source, s.value);
  }
  for (const auto& s : metrics.series_of("callgate_redeliveries_total")) {
    const auto source = std::string(s.label("source"));
    const auto n = grew(last.counters, "dup:" + source, s.value);
    m.sources[source].duplicates += n;
    ok_by_source[source] -= n;  // answered 200 too
  }
  for (const auto& [source, n] : ok_by_source)
    m.sources[source].accepted += std::max<std::int64_t>(n, 0);
  for (const auto& s : metrics.series_of("callgate_rejections_total")) {
    const auto source = std::string(s.label("source"));
    if (source.empty() || source == "(unknown)") continue;
    m.sources[source].refused +=
        grew(last.counters, "refused:" + source + ":" + std::string(s.label("reason")), s.value);
  }
  for (const auto& [family, field] :
       {std::pair{"callgate_sink_delivered_total", &SinkMinute::delivered},
        std::pair{"callgate_sink_failures_total", &SinkMinute::failed},
        std::pair{"callgate_sink_dead_letters_total", &SinkMinute::dead}})
    for (const auto& s : metrics.series_of(family)) {
      const auto sink = std::string(s.label("sink"));
      m.sinks[sink].*field += grew(last.counters, std::string(family) + ":" + sink, s.value);
    }
  for (const auto& s : metrics.series_of("callgate_sink_lag_events"))
    m.sinks[std::string(s.label("sink"))].lag = s.value;

  const auto counts = metrics.latency_counts();
  Metrics::LatencyCounts in_minute{};
  for (std::size_t i = 0; i < counts.size(); ++i) {
    in_minute[i] = counts[i] >= last.latency[i] ? counts[i] - last.latency[i] : counts[i];
    m.requests += static_cast<std::int64_t>(in_minute[i]);
  }
  last.latency = counts;
  m.p50_ms = latency_quantile_ms(in_minute, 0.50);
  m.p99_ms = latency_quantile_ms(in_minute, 0.99);
  return m;
}

void History::add(Minute& into, const Minute& m) {
  for (const auto& [name, s] : m.sources) {
    auto& t = into.sources[name];
    t.accepted += s.accepted, t.duplicates += s.duplicates, t.refused += s.refused;
  }
  for (const auto& [name, s] : m.sinks) {
    auto& t = into.sinks[name];
    t.delivered += s.delivered, t.failed += s.failed, t.dead += s.dead, t.lag = s.lag;
  }
  // A minute measured twice (a restart within it) keeps the quantiles of its larger part.
  if (m.requests > 0 && m.requests >= into.requests) into.p50_ms = m.p50_ms, into.p99_ms = m.p99_ms;
  into.requests += m.requests;
}

void History::sample(const Metrics& metrics, TimePoint now) {
  const auto at_ms = to_unix_ms(now) / kMinuteMs * kMinuteMs;
  std::lock_guard lock(mutex_);
  const auto grown = measure(metrics, last_);  // the baseline moves on either way
  if (auto* m = minute_at(at_ms)) add(*m, grown);
}

std::vector<Minute> History::since(TimePoint from) const {
  const auto from_ms = to_unix_ms(from);
  std::lock_guard lock(mutex_);
  std::vector<Minute> out;
  for (const auto& m : minutes_)
    if (m.at_ms + kMinuteMs > from_ms) out.push_back(m);
  return out;
}

json History::to_json(TimePoint from, const Metrics* live, TimePoint now) const {
  auto kept = since(from);
  if (live) {
    // The minute in progress, measured from a copy of the baseline: nothing moves on.
    Baseline last;
    {
      std::lock_guard lock(mutex_);
      last = last_;
    }
    const auto at_ms = to_unix_ms(now) / kMinuteMs * kMinuteMs;
    if (kept.empty() || kept.back().at_ms != at_ms) kept.emplace_back().at_ms = at_ms;
    add(kept.back(), measure(*live, last));
  }
  json minutes = json::array();
  for (const auto& m : kept) {
    json sources = json::object();
    for (const auto& [name, s] : m.sources)
      sources[name] = {
          {"accepted", s.accepted}, {"duplicates", s.duplicates}, {"refused", s.refused}};
    json sinks = json::object();
    for (const auto& [name, s] : m.sinks)
      sinks[name] = {
          {"delivered", s.delivered}, {"failed", s.failed}, {"dead", s.dead}, {"lag", s.lag}};
    minutes.push_back(
        {{"at", format_iso8601(from_unix_ms(m.at_ms))},
         {"sources", std::move(sources)},
         {"sinks", std::move(sinks)},
         {"latency", {{"requests", m.requests}, {"p50Ms", m.p50_ms}, {"p99Ms", m.p99_ms}}}});
  }
  return {{"minuteSeconds", 60}, {"minutes", std::move(minutes)}};
}

bool History::load(const nlohmann::json& saved) {
  std::vector<Minute> read;
  try {
    for (const auto& j : saved.at("minutes")) {
      Minute m;
      const auto at = parse_iso8601(j.at("at").get<std::string>());
      if (!at) return false;
      m.at_ms = to_unix_ms(*at);
      for (const auto& [name, s] : j.at("sources").items())
        m.sources[name] = {s.at("accepted").get<std::int64_t>(),
                           s.at("duplicates").get<std::int64_t>(),
                           s.at("refused").get<std::int64_t>()};
      for (const auto& [name, s] : j.at("sinks").items())
        m.sinks[name] = {s.at("delivered").get<std::int64_t>(), s.at("failed").get<std::int64_t>(),
                         s.at("dead").get<std::int64_t>(), s.at("lag").get<std::int64_t>()};
      const auto& l = j.at("latency");
      m.requests = l.at("requests").get<std::int64_t>();
      m.p50_ms = l.at("p50Ms").get<double>();
      m.p99_ms = l.at("p99Ms").get<double>();
      read.push_back(std::move(m));
    }
  } catch (const nlohmann::json::exception&) {
    return false;
  }
  std::lock_guard lock(mutex_);
  for (const auto& m : read)
    if (auto* into = minute_at(m.at_ms)) add(*into, m);
  return true;
}

}  // namespace callgate::metrics
