#include <spdlog/spdlog.h>

#include <callgate/sinks/sink.hpp>
#include <stdexcept>

namespace callgate::sinks {
namespace {

constexpr std::size_t kBatchRows = 1000;
constexpr std::chrono::seconds kPollEvery{1};
constexpr std::chrono::milliseconds kFirstBackoff{200};
constexpr std::chrono::milliseconds kMaxBackoff{30'000};

}  // namespace

Sink::Sink(std::string name, store::Store& store, metrics::Metrics& metrics)
    : name_(std::move(name)), store_(store), metrics_(metrics) {}

Sink::~Sink() { stop(); }

void Sink::start() {
  auto saved = store_.load_cursor(name_);
  if (!saved) throw std::runtime_error("sink " + name_ + ": cannot read its cursor");
  auto recovered = recover_(*saved);
  if (!recovered) throw std::runtime_error("sink " + name_ + ": " + recovered.error().message());
  cursor_ = *recovered;
  // Saving the cursor at once also tells outbox purging that this sink exists.
  if (!store_.save_cursor(name_, cursor_))
    throw std::runtime_error("sink " + name_ + ": cannot save its cursor");
  delivered_seq_ = cursor_.seq;
  thread_ = std::thread([this] { run(); });
}

void Sink::notify() {
  {
    std::lock_guard lock(mutex_);
    pending_ = true;
  }
  wake_.notify_one();
}

void Sink::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

// Delivers everything after the cursor; false when a delivery failed.
bool Sink::deliver_pending() {
  for (;;) {
    auto rows = store_.read_outbox(cursor_.seq, kBatchRows);
    if (!rows) return false;
    if (auto last = store_.last_outbox_seq())
      metrics_.set("callgate_sink_lag_events", *last - cursor_.seq, {{"sink", name_}});
    if (rows->empty()) return true;
    auto next = deliver_(*rows, cursor_);
    if (!next) {
      metrics_.inc("callgate_sink_failures_total", {{"sink", name_}});
      spdlog::warn("sink {}: delivery failed: {}", name_, next.error().message());
      return false;
    }
    if (!store_.save_cursor(name_, *next)) return false;
    cursor_ = *next;
    delivered_seq_ = cursor_.seq;
    metrics_.inc("callgate_sink_delivered_total", {{"sink", name_}}, rows->size());
  }
}

void Sink::run() {
  auto backoff = kFirstBackoff;
  for (;;) {
    const bool ok = deliver_pending();
    std::unique_lock lock(mutex_);
    if (stopping_) return;  // stop() asked after a full pass: nothing committed is left behind
    if (ok)
      wake_.wait_for(lock, kPollEvery, [this] { return stopping_ || pending_; });
    else
      wake_.wait_for(lock, backoff, [this] { return stopping_; });
    pending_ = false;
    backoff = ok ? kFirstBackoff : std::min(backoff * 2, kMaxBackoff);
  }
}

}  // namespace callgate::sinks
