#include <spdlog/spdlog.h>

#include <callgate/app/runtime.hpp>

namespace callgate::app {
Runtime::Runtime(const config::Config& config) : durable_(config.store.type != "memory") {
  auto opened = store::open_store(config.store);
  store_ = std::move(opened.store);
  const sinks::SinkContext context{*store_, metrics_, config.connector_id, config.owner_id};
  for (const auto& s : config.sinks)
    if (auto sink = s.create(context)) {
      sink->start_from_oldest(s.start_from_oldest);
      sinks_.push_back(std::move(sink));
    }
  committer_ = std::make_unique<outbox::Committer>(
      std::move(opened.writer), metrics_,
      outbox::Committer::Options{.retention = config.store.retention,
                                 .max_transcript_bytes = config.store.max_transcript_bytes},
      [] { return callgate::now(); });
  committer_->on_commit([this] { notify_sinks(); });
  if (config.request_log.enabled)
    recorder_ = std::make_unique<outbox::RequestRecorder>(*store_, metrics_, config.request_log);
}

Runtime::~Runtime() { stop(); }

void Runtime::start() {
  for (auto& s : sinks_) s->start();
  committer_->start();
}

void Runtime::stop(std::chrono::steady_clock::time_point deadline) {
  if (stopped_) return;
  stopped_ = true;
  committer_->stop();
  if (recorder_) recorder_->stop();
  for (auto& s : sinks_) s->stop(deadline);
  const auto last = store_->last_outbox_seq();
  if (!last) return;
  for (const auto& s : sinks_) {
    const auto left = *last - s->delivered_seq();
    if (left <= 0) continue;
    if (durable_)
      spdlog::warn(
          "sink {}: {} event(s) not delivered by the shutdown deadline; they stay in the "
          "outbox and are delivered after the next start",
          s->name(), left);
    else
      spdlog::error(
          "sink {}: {} event(s) not delivered by the shutdown deadline are lost: the "
          "memory store keeps nothing across a restart",
          s->name(), left);
  }
}

sinks::Sink* Runtime::sink(std::string_view name) const {
  for (const auto& s : sinks_)
    if (s->name() == name) return s.get();
  return nullptr;
}

void Runtime::notify_sinks() {
  for (auto& s : sinks_) s->notify();
}

}  // namespace callgate::app
