#pragma once
// A store Writer that passes every call on to a real one: tests derive from it to count calls,
// fail them (a full disk, a lost connection) or claim to be shared.
#include <callgate/store/store.hpp>
#include <memory>

namespace callgate::testing {

class ForwardingWriter : public store::Writer {
 public:
  explicit ForwardingWriter(std::unique_ptr<store::Writer> inner) : inner_(std::move(inner)) {
    keep_call_log(inner_->keeps_call_log());
  }

  result<void> begin() override { return inner_->begin(); }
  result<void> commit() override { return inner_->commit(); }
  void rollback() override { inner_->rollback(); }
  result<void> prefetch(const std::vector<std::string>& delivery_keys,
                        const std::vector<std::string>& call_ids) override {
    return inner_->prefetch(delivery_keys, call_ids);
  }
  bool reads_ahead() const override { return inner_->reads_ahead(); }
  bool shared() const override { return inner_->shared(); }
  result<bool> remember_delivery(std::string_view key, TimePoint expires_at) override {
    return inner_->remember_delivery(key, expires_at);
  }
  result<std::optional<core::CallState>> load_call(std::string_view id) override {
    return inner_->load_call(id);
  }
  result<std::optional<core::CallState>> find_live_call(std::string_view source,
                                                        std::string_view match_key) override {
    return inner_->find_live_call(source, match_key);
  }
  result<void> save_call(const core::CallState& s, TimePoint expires_at) override {
    return inner_->save_call(s, expires_at);
  }
  result<std::int64_t> append_outbox(const core::Emission& e, TimePoint now) override {
    return inner_->append_outbox(e, now);
  }
  result<void> append_call_log(std::string_view call_id, const store::CallLogEntry& e,
                               TimePoint expires_at) override {
    return inner_->append_call_log(call_id, e, expires_at);
  }
  result<void> purge(TimePoint now, TimePoint outbox_before) override {
    return inner_->purge(now, outbox_before);
  }
  result<std::int64_t> count_live_calls() override { return inner_->count_live_calls(); }
  result<void> probe_write(TimePoint now) override { return inner_->probe_write(now); }

 private:
  std::unique_ptr<store::Writer> inner_;
};

}  // namespace callgate::testing
