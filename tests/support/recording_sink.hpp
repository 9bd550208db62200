#pragma once
// A sink test double in the manner of spdlog's test_sink: it records what the Sink base hands
// it, and answers each attempt as the test scripted (delivered once the script runs out).

#include <callgate/sinks/sink.hpp>
#include <deque>
#include <mutex>
#include <vector>

namespace callgate::testing {

class RecordingSink final : public sinks::Sink {
 public:
  RecordingSink(std::string name, store::Store& store, metrics::Metrics& metrics,
                outbox::DeliveryQueue::Policy policy)
      : Sink(std::move(name), store, metrics, policy) {
    start_from_oldest(true);  // tests append events first, then start the sink
  }
  ~RecordingSink() override { stop(); }

  /** The answers of the next attempts, in order. */
  void script(std::vector<outbox::Attempt::Result> results) {
    std::lock_guard lock(mutex_);
    script_.assign(results.begin(), results.end());
  }
  /** Every row attempted so far, in the order attempted (retries appear again). */
  std::vector<store::OutboxRow> attempted() const {
    std::lock_guard lock(mutex_);
    return attempted_;
  }
  /** The idempotency keys of the rows that were delivered, in order. */
  std::vector<std::string> delivered_keys() const {
    std::lock_guard lock(mutex_);
    return delivered_;
  }

 protected:
  std::vector<outbox::Attempt> deliver_(const std::vector<store::OutboxRow>& rows) override {
    std::lock_guard lock(mutex_);
    std::vector<outbox::Attempt> out;
    for (const auto& row : rows) {
      attempted_.push_back(row);
      auto result = outbox::Attempt::Result::delivered;
      if (!script_.empty()) {
        result = script_.front();
        script_.pop_front();
      }
      if (result == outbox::Attempt::Result::delivered) delivered_.push_back(row.idempotency_key);
      out.push_back(
          {result, result == outbox::Attempt::Result::delivered ? "" : "scripted", std::nullopt});
    }
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::deque<outbox::Attempt::Result> script_;
  std::vector<store::OutboxRow> attempted_;
  std::vector<std::string> delivered_;
};

}  // namespace callgate::testing
