#pragma once

#include <callgate/sinks/sink.hpp>

namespace callgate::sinks {

/**
 * Appends each event as one JSON line (the exact body an HTTP sink would POST) and fdatasyncs
 * before moving its cursor. The cursor holds the file size after the last delivered line, so a
 * crash between writing and saving the cursor is repaired at start by cutting the file back to
 * that size and writing those lines again: no line is lost or repeated.
 * With `envelope`, each line is {"source","connectorId","ownerId","event"}: the event wrapped with
 * whose it is, for one file that several sources share.
 */
class FileSink final : public Sink {
 public:
  FileSink(std::string name, std::string path, store::Store& store, metrics::Metrics& metrics,
           bool envelope = false);
  ~FileSink() override;

 private:
  result<store::SinkCursor> recover_(const std::optional<store::SinkCursor>& saved) override;
  std::vector<outbox::Attempt> deliver_(const std::vector<store::OutboxRow>& rows) override;
  std::int64_t position_() const override { return position_bytes_; }
  bool recovers_destination_() const override { return true; }

  std::string path_;
  bool envelope_;
  int fd_ = -1;
  std::int64_t position_bytes_ = 0;  ///< file size after the last delivered line
};

}  // namespace callgate::sinks
