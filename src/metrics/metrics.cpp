#include <callgate/metrics/metrics.hpp>
#include <mutex>
#include <sstream>

namespace callgate::metrics {
namespace {

struct Description {
  const char* name;
  const char* type;
  const char* help;
};

// Every series callgate exports; an unknown name is a programming error caught by tests.
constexpr Description kDescriptions[] = {
    {"callgate_requests_total", "counter", "HTTP requests by source and status code"},
    {"callgate_rejections_total", "counter", "Requests refused, by source and reason"},
    {"callgate_verification_failures_total", "counter", "Signature/token/timestamp failures"},
    {"callgate_events_emitted_total", "counter", "Unified events emitted, by type"},
    {"callgate_events_ignored_total", "counter", "Provider events accepted that change no call"},
    {"callgate_handshakes_total", "counter",
     "Validation handshakes answered (after their signature verified)"},
    {"callgate_redeliveries_total", "counter", "Provider deliveries recognised as repeats"},
    {"callgate_observations_total", "counter", "Provider events applied to calls, by source"},
    {"callgate_commits_total", "counter", "Store transactions committed (group commits)"},
    {"callgate_commit_failures_total", "counter", "Store transactions that failed"},
    {"callgate_commit_replicas_behind_total", "counter",
     "Commits answered 503: fewer Redis replicas than store.min_replicas_acked acknowledged"},
    {"callgate_commit_conflicts_total", "counter",
     "Transactions decided again because another replica changed a call (Redis)"},
    {"callgate_overloaded_total", "counter",
     "Requests answered 503 at once because the committer's queue was full"},
    {"callgate_corrupt_calls_total", "counter",
     "Requests answered 500 because their call's stored state is unreadable"},
    {"callgate_live_calls", "gauge", "Calls seen that have not ended"},
    {"callgate_sink_delivered_total", "counter", "Events a sink has delivered"},
    {"callgate_sink_failures_total", "counter", "Sink delivery attempts that failed"},
    {"callgate_sink_dead_letters_total", "counter", "Events a sink gave up on"},
    {"callgate_sink_lag_events", "gauge", "Events in the outbox a sink has not delivered yet"},
    {"callgate_directory_rows", "gauge", "Rows of the directory in force"},
    {"callgate_request_log_written_total", "counter",
     "Webhook requests written to the request log"},
    {"callgate_request_log_dropped_total", "counter",
     "Webhook requests not recorded: the request log's queue was full or its store failed"},
    {"callgate_directory_reloads_total", "counter",
     "Directory file changes read (loaded) or refused, keeping the one in force"},
    {"callgate_connections_active", "gauge", "Open HTTP connections"},
    {"callgate_connections_refused_total", "counter", "Connections closed at once: over the limit"},
    {"callgate_accept_failures_total", "counter",
     "Failed accepts (out of file descriptors, say), each followed by a pause"},
};

void render_labels(const Labels& labels, std::string& out) {
  out.clear();
  for (const auto& [k, v] : labels) {
    out += out.empty() ? "{" : ",";
    out.append(k).append("=\"");
    for (char c : v) {
      if (c == '"' || c == '\\') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    out += '"';
  }
  if (!out.empty()) out += '}';
}

std::string render_labels(const Labels& labels) {
  std::string out;
  render_labels(labels, out);
  return out;
}

}  // namespace

Metrics::Metrics() {
  for (const auto& d : kDescriptions) {
    auto& f = families_[d.name];
    f.type = d.type;
    f.help = d.help;
  }
}

std::atomic<std::int64_t>& Metrics::series(std::string_view name, const Labels& labels) {
  // Counting happens on every request: render the key into a reused buffer, allocate nothing.
  thread_local std::string key;
  render_labels(labels, key);
  {
    std::shared_lock lock(mutex_);
    auto f = families_.find(name);
    if (f == families_.end()) throw std::logic_error("unknown metric " + std::string(name));
    auto s = f->second.series.find(key);
    if (s != f->second.series.end()) return s->second.value;
  }
  std::unique_lock lock(mutex_);
  auto& s = families_.find(name)->second.series[key];
  if (s.labels.size() != labels.size())
    for (const auto& [k, v] : labels) s.labels.emplace_back(k, v);
  return s.value;
}

void Metrics::inc(std::string_view name, const Labels& labels, std::uint64_t n) {
  series(name, labels).fetch_add(static_cast<std::int64_t>(n), std::memory_order_relaxed);
}

void Metrics::set(std::string_view name, std::int64_t value, const Labels& labels) {
  series(name, labels).store(value, std::memory_order_relaxed);
}

std::int64_t Metrics::value(std::string_view name, const Labels& labels) const {
  std::shared_lock lock(mutex_);
  auto f = families_.find(name);
  if (f == families_.end()) return 0;
  auto s = f->second.series.find(render_labels(labels));
  return s == f->second.series.end() ? 0 : s->second.value.load();
}

void Metrics::observe_request_seconds(double seconds) {
  std::size_t i = 0;
  while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  latency_count_.fetch_add(1, std::memory_order_relaxed);
  latency_sum_us_.fetch_add(static_cast<std::uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

std::string_view Metrics::Sample::label(std::string_view key) const {
  for (const auto& [k, v] : labels)
    if (k == key) return v;
  return {};
}

std::vector<Metrics::Sample> Metrics::series_of(std::string_view name) const {
  std::shared_lock lock(mutex_);
  std::vector<Sample> out;
  if (auto f = families_.find(name); f != families_.end())
    for (const auto& [key, series] : f->second.series)
      out.push_back({series.labels, series.value.load()});
  return out;
}

Metrics::LatencyCounts Metrics::latency_counts() const {
  LatencyCounts out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = buckets_[i].load();
  return out;
}

std::string Metrics::render() const {
  std::ostringstream out;
  {
    std::shared_lock lock(mutex_);
    for (const auto& [name, f] : families_) {
      out << "# HELP " << name << ' ' << f.help << "\n# TYPE " << name << ' ' << f.type << '\n';
      for (const auto& [labels, v] : f.series)
        out << name << labels << ' ' << v.value.load() << '\n';
    }
  }
  const char* h = "callgate_request_duration_seconds";
  out << "# HELP " << h << " Time from a complete request to its response\n# TYPE " << h
      << " histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    cumulative += buckets_[i].load();
    out << h << "_bucket{le=\"" << kBuckets[i] << "\"} " << cumulative << '\n';
  }
  cumulative += buckets_[kBuckets.size()].load();
  out << h << "_bucket{le=\"+Inf\"} " << cumulative << '\n';
  out << h << "_sum " << static_cast<double>(latency_sum_us_.load()) / 1e6 << '\n';
  out << h << "_count " << latency_count_.load() << '\n';
  return out.str();
}

}  // namespace callgate::metrics
