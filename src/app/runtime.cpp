#include <callgate/app/runtime.hpp>

namespace callgate::app {
Runtime::Runtime(const config::Config& config) : store_(store::open_store(config.store)) {
  const sinks::SinkContext context{*store_, metrics_, config.connector_id, config.owner_id};
  for (const auto& s : config.sinks)
    if (auto sink = s.create(s, context)) sinks_.push_back(std::move(sink));
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
