#include <spdlog/spdlog.h>

#include <algorithm>
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
constexpr auto kGather = std::chrono::milliseconds(200);  // the longest a record waits
constexpr auto kTrimOldEvery = std::chrono::minutes(1);

/** What a queued record counts against kMaxQueuedBytes. */
std::size_t bytes_of(const store::StoredRequest& s) { return sizeof s + s.text.size(); }

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

void RequestRecorder::record(const store::RequestRecord& r) {
  auto s = store::stored(r);
  const auto bytes = bytes_of(s);
  {
    std::lock_guard lock(mutex_);
    if (!stopping_ && queue_.size() < kMaxQueued && queued_bytes_ + bytes <= kMaxQueuedBytes) {
      queued_bytes_ += bytes;
      queue_.push_back(std::move(s));
      ++taken_;
      // The writer waits for a full batch, or 200 ms: woken per record, it would cost a context
      // switch a request, and a store's commit per handful of records (measured: 17 µs a
      // record in batches of 26 on SQLite).
      if (queue_.size() == kBatch) wake_.notify_one();
      return;
    }
  }
  metrics_.inc("callgate_request_log_dropped_total");
}

void RequestRecorder::flush() {
  std::unique_lock lock(mutex_);
  const auto until = taken_;
  flush_until_ = std::max(flush_until_, until);
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
  std::vector<store::StoredRequest> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, kGather, [&] {
        return stopping_ || queue_.size() >= kBatch || (flush_until_ > done_ && !queue_.empty());
      });
      while (!queue_.empty() && batch.size() < kBatch) {
        queued_bytes_ -= bytes_of(queue_.front());
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      if (batch.empty() && stopping_) return;
    }
    write(batch);
    // To its cap after every batch, so the log never holds more once a batch is in; to its
    // retention once a minute.
    const bool by_age = std::chrono::steady_clock::now() - last_trim_ >= kTrimOldEvery;
    if (!batch.empty() || by_age) trim(by_age);
    {
      std::lock_guard lock(mutex_);
      done_ += batch.size();
    }
    written_.notify_all();
    batch.clear();
  }
}

void RequestRecorder::write(std::vector<store::StoredRequest>& batch) {
  if (batch.empty()) return;
  if (auto ok = log_.append_requests(batch); !ok) {
    metrics_.inc("callgate_request_log_dropped_total", {}, batch.size());
    log_limited(spdlog::level::warn, "request log write",
                "request log: {} request(s) not recorded: {}", batch.size(), ok.error().message());
    return;
  }
  metrics_.inc("callgate_request_log_written_total", {}, batch.size());
}

void RequestRecorder::trim(bool by_age) {
  if (by_age) last_trim_ = std::chrono::steady_clock::now();
  const auto keep =
      config_.max_requests == 0 ? std::numeric_limits<std::size_t>::max() : config_.max_requests;
  auto dropped = log_.trim_requests(by_age ? now() - config_.retention : TimePoint{}, keep);
  if (!dropped)
    log_limited(spdlog::level::warn, "request log trim", "request log: trim failed: {}",
                dropped.error().message());
}

}  // namespace callgate::outbox
