#include <callgate/app/runtime.hpp>
#include <callgate/sinks/file_sink.hpp>
#include <callgate/sinks/http_sink.hpp>

namespace callgate::app {
namespace {

std::unique_ptr<sinks::Sink> make_sink(const config::SinkConfig& s, const config::Config& config,
                                       store::Store& store, metrics::Metrics& metrics) {
  if (s.type == "file") return std::make_unique<sinks::FileSink>(s.name, s.path, store, metrics);
  sinks::HttpSinkOptions o{.url = s.url,
                           .secret = verify::StandardWebhooksSecret::parse(s.secret),
                           .timeout = s.timeout,
                           .max_attempts = s.max_attempts,
                           .concurrency = static_cast<std::size_t>(s.concurrency),
                           .retry_base = s.retry_base,
                           .retry_max = s.retry_max,
                           .connector_id = config.connector_id,
                           .owner_id = config.owner_id};
  if (s.secret.empty()) o.secret.reset();
  return std::make_unique<sinks::HttpSink>(s.name, std::move(o), store, metrics);
}

}  // namespace

Runtime::Runtime(const config::Config& config) : store_(store::open_store(config.store)) {
  for (const auto& s : config.sinks) {
    if (s.type == "redis_stream") continue;  // written by the Redis store as it commits
    sinks_.push_back(make_sink(s, config, *store_, metrics_));
  }
  committer_ = std::make_unique<outbox::Committer>(
      *store_, metrics_, outbox::Committer::Options{.retention = config.store.retention},
      [] { return callgate::now(); });
  committer_->on_commit([this] { notify_sinks(); });
}

Runtime::~Runtime() { stop(); }

void Runtime::start() {
  for (auto& s : sinks_) s->start();
  committer_->start();
}

void Runtime::stop() {
  if (stopped_) return;
  stopped_ = true;
  committer_->stop();
  for (auto& s : sinks_) s->stop();
}

void Runtime::notify_sinks() {
  for (auto& s : sinks_) s->notify();
}

}  // namespace callgate::app
