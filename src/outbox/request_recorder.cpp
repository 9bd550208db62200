#include <spdlog/spdlog.h>

#include <callgate/log_limit.hpp>
#include <callgate/outbox/request_recorder.hpp>
#include <callgate/thread_name.hpp>
#include <limits>

namespace callgate::outbox {
namespace {

/** A queue this long (or this large) means the store is not keeping up: drop, do not grow. */
constexpr std::size_t kMaxQueued = 10'000;
constexpr std::size_t kMaxQueuedBytes = 64u << 20;
constexpr std::size_t kBatch = 512;
constexpr auto kTrimEvery = std::chrono::minutes(1);

std::size_t size_of(const store::RequestRecord& r) {
  std::size_t n = sizeof r + r.body.size() + r.target.size() + r.diagnosis.size();
  for (const auto& [name, value] : r.headers) n += name.size() + value.size();
  for (const auto& [name, value] : r.sealed_headers) n += name.size() + value.size();
  return n;
}

}  // namespace

RequestRecorder::RequestRecorder(store::RequestLog& log, metrics::Metrics& metrics,
                                 store::RequestLogConfig config)
    : log_(log), metrics_(metrics), config_(config) {
  thread_ = std::thread([this] {
    name_this_thread("cg-requests");
    run();
  });
}

RequestRecorder::~RequestRecorder() { stop(); }

void RequestRecorder::record(store::RequestRecord r) {
  const auto bytes = size_of(r);
  {
    std::lock_guard lock(mutex_);
    if (!stopping_ && queue_.size() < kMaxQueued && queued_bytes_ + bytes <= kMaxQueuedBytes) {
      queued_bytes_ += bytes;
      queue_.push_back(std::move(r));
      ++taken_;
      // The writer wakes by itself every 200 ms; woken per record, it would cost a context
      // switch a request. A full batch wakes it at once.
      if (queue_.size() == kBatch) wake_.notify_one();
      return;
    }
  }
  metrics_.inc("callgate_request_log_dropped_total");
}

void RequestRecorder::flush() {
  std::unique_lock lock(mutex_);
  const auto until = taken_;
  wake_.notify_one();
  written_.wait(lock, [&] { return done_ >= until; });
}

void RequestRecorder::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void RequestRecorder::run() {
  std::vector<store::RequestRecord> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, std::chrono::milliseconds(200),
                     [&] { return stopping_ || !queue_.empty(); });
      while (!queue_.empty() && batch.size() < kBatch) {
        queued_bytes_ -= size_of(queue_.front());
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      if (batch.empty() && stopping_) return;
    }
    write(batch);
    {
      std::lock_guard lock(mutex_);
      done_ += batch.size();
    }
    written_.notify_all();
    batch.clear();
    // Once a minute, or sooner under load: the log stays within a tenth of its cap.
    if (since_trim_ >= std::max<std::size_t>(1000, config_.max_requests / 10) ||
        std::chrono::steady_clock::now() - last_trim_ >= kTrimEvery)
      trim();
  }
}

void RequestRecorder::write(std::vector<store::RequestRecord>& batch) {
  if (batch.empty()) return;
  if (auto ok = log_.append_requests(batch); !ok) {
    metrics_.inc("callgate_request_log_dropped_total", {}, batch.size());
    log_limited(spdlog::level::warn, "request log write",
                "request log: {} request(s) not recorded: {}", batch.size(), ok.error().message());
    return;
  }
  metrics_.inc("callgate_request_log_written_total", {}, batch.size());
  since_trim_ += batch.size();
}

void RequestRecorder::trim() {
  last_trim_ = std::chrono::steady_clock::now();
  since_trim_ = 0;
  const auto keep =
      config_.max_requests == 0 ? std::numeric_limits<std::size_t>::max() : config_.max_requests;
  auto dropped = log_.trim_requests(now() - config_.retention, keep);
  if (!dropped)
    log_limited(spdlog::level::warn, "request log trim", "request log: trim failed: {}",
                dropped.error().message());
}

}  // namespace callgate::outbox
