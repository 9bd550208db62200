// The request recorder: records reach the log in order once flushed, a failing log drops them
// (counted) without holding anyone up, and stop() writes what was queued.
#include <gtest/gtest.h>

#include <callgate/outbox/request_recorder.hpp>
#include <callgate/store/store.hpp>

namespace callgate {
namespace {

/** A log that fails every write, as a store that is down does. */
class DownLog final : public store::RequestLog {
 public:
  result<void> append_requests(std::vector<store::StoredRequest>&) override {
    return make_error_code(errc::store_unavailable);
  }
  result<std::vector<store::RequestRecord>> requests_before(std::int64_t, std::size_t) override {
    return std::vector<store::RequestRecord>{};
  }
  result<std::optional<store::RequestRecord>> load_request(std::int64_t) override {
    return std::optional<store::RequestRecord>{};
  }
  result<std::size_t> trim_requests(TimePoint, std::size_t) override { return std::size_t{0}; }
};

store::Opened memory_store() {
  store::StoreConfig c;
  c.type = "memory";
  return store::open_store(c);
}

store::RequestRecord record(int n) {
  store::RequestRecord r;
  r.at = now();
  r.source = "pbx";
  r.body = "body " + std::to_string(n);
  return r;
}

TEST(RequestRecorder, RecordsReachTheLogInOrderOnceFlushed) {
  auto opened = memory_store();
  metrics::Metrics metrics;
  outbox::RequestRecorder recorder(*opened.store, metrics, {});
  for (int n = 1; n <= 700; ++n) recorder.record(record(n));  // more than one batch
  recorder.flush();
  const auto stored = *opened.store->requests_before(0, 1000);
  ASSERT_EQ(stored.size(), 700u);
  EXPECT_EQ(stored.front().body, "body 700");
  EXPECT_EQ(stored.back().body, "body 1");
  EXPECT_EQ(metrics.value("callgate_request_log_written_total"), 700);
  EXPECT_EQ(metrics.value("callgate_request_log_dropped_total"), 0);
}

TEST(RequestRecorder, TheLogIsWithinItsCapOnceFlushed) {
  auto opened = memory_store();
  metrics::Metrics metrics;
  store::RequestLogConfig config;
  config.max_requests = 100;
  outbox::RequestRecorder recorder(*opened.store, metrics, config);
  for (int n = 1; n <= 250; ++n) recorder.record(record(n));
  recorder.flush();
  const auto stored = *opened.store->requests_before(0, 1000);
  ASSERT_EQ(stored.size(), 100u);
  EXPECT_EQ(stored.front().body, "body 250");
  EXPECT_EQ(stored.back().body, "body 151");
}

TEST(RequestRecorder, AFailingLogDropsAndCountsAndStopWritesWhatIsQueued) {
  DownLog down;
  metrics::Metrics metrics;
  {
    outbox::RequestRecorder recorder(down, metrics, {});
    for (int n = 1; n <= 3; ++n) recorder.record(record(n));
    recorder.flush();
    EXPECT_EQ(metrics.value("callgate_request_log_dropped_total"), 3);
  }
  auto opened = memory_store();
  outbox::RequestRecorder recorder(*opened.store, metrics, {});
  recorder.record(record(1));
  recorder.stop();
  EXPECT_EQ(opened.store->requests_before(0, 10)->size(), 1u);
  recorder.record(record(2));  // after stop: dropped, counted
  EXPECT_EQ(metrics.value("callgate_request_log_dropped_total"), 4);
}

}  // namespace
}  // namespace callgate
