#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <callgate/sinks/file_sink.hpp>
#include <callgate/sinks/registry.hpp>
#include <cerrno>
#include <filesystem>
#include <nlohmann/json.hpp>

namespace callgate::sinks {
namespace {

boost::system::error_code last_errno() { return {errno, boost::system::system_category()}; }

/** A log: one global order, whole batches, and never give up on a line. */
constexpr outbox::DeliveryQueue::Policy kPolicy{.per_call = false,
                                                .max_in_flight = 1000,
                                                .max_attempts = 0,
                                                .backoff_base = std::chrono::milliseconds(200),
                                                .backoff_max = std::chrono::milliseconds(30'000)};

/** Each batch ends in fdatasync; on a busy gateway, gathering 20 ms of events per sync keeps the
 * syncs (which stall the whole machine's I/O for a moment) to at most 50 a second. */
constexpr std::chrono::milliseconds kLinger{20};

}  // namespace

FileSink::FileSink(std::string name, std::string path, store::Store& store,
                   metrics::Metrics& metrics, bool envelope)
    : Sink(std::move(name), store, metrics, kPolicy, kLinger),
      path_(std::move(path)),
      envelope_(envelope) {}

FileSink::~FileSink() {
  stop();  // the delivery thread must be gone before the descriptor closes
  if (fd_ >= 0) ::close(fd_);
}

result<store::SinkCursor> FileSink::recover_(const std::optional<store::SinkCursor>& saved) {
  const auto parent = std::filesystem::path(path_).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) return last_errno();
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return last_errno();
  const std::int64_t size = st.st_size;

  position_bytes_ = size;
  if (!saved) return store::SinkCursor{0, size};  // first start: keep what the file holds
  store::SinkCursor cursor = *saved;
  if (size > saved->position) {
    spdlog::warn(
        "sink {}: cutting {} bytes written after the last saved cursor; they are "
        "written again",
        name(), size - saved->position);
    if (::ftruncate(fd_, saved->position) != 0) return last_errno();
    position_bytes_ = saved->position;
  } else if (size < saved->position) {
    spdlog::warn("sink {}: {} is shorter than when last written (rotated?); appending from here",
                 name(), path_);
    cursor.position = size;
  }
  return cursor;
}

std::vector<outbox::Attempt> FileSink::deliver_(const std::vector<store::OutboxRow>& rows) {
  std::string lines;
  for (const auto& r : rows) {
    if (envelope_) {
      using nlohmann::json;
      lines.append(R"({"source":)").append(json(r.source).dump());
      lines.append(R"(,"connectorId":)").append(json(r.connector_id).dump());
      lines.append(R"(,"ownerId":)").append(json(r.owner_id).dump());
      lines.append(R"(,"event":)").append(r.body).push_back('}');
    } else {
      lines.append(r.body);
    }
    lines.push_back('\n');
  }
  auto failed = [&](const char* what) {
    const auto reason = std::string(what) + ": " + last_errno().message();
    // Leave no torn line behind; the whole batch is written again on the next attempt.
    if (::ftruncate(fd_, position_bytes_) != 0) spdlog::error("sink {}: cannot cut back", name());
    return std::vector<outbox::Attempt>(rows.size(),
                                        {outbox::Attempt::Result::retry, reason, std::nullopt});
  };
  std::size_t written = 0;
  while (written < lines.size()) {
    const auto n = ::write(fd_, lines.data() + written, lines.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failed("write");
    written += static_cast<std::size_t>(n);
  }
  if (::fdatasync(fd_) != 0) return failed("fdatasync");
  position_bytes_ += static_cast<std::int64_t>(lines.size());
  return std::vector<outbox::Attempt>(rows.size(), outbox::Attempt{});
}

}  // namespace callgate::sinks

namespace callgate::sinks {

SinkType file_sink_type() {
  return {"file",
          [](const yaml::Node& node, std::string& name, store::StoreConfig& store) -> SinkMaker {
            auto path = node.string("path");
            if (store.type == "redis" || store.type == "postgres")
              node.fail("type", "a file sink cannot share a " + store.type +
                                    " store: every replica would write its own file (use " +
                                    (store.type == "redis" ? "redis_stream, " : "") +
                                    "kafka or http)");
            const bool envelope = node.boolean("envelope", false);
            if (name.empty()) name = "file:" + path;
            return [name, path, envelope](const SinkContext& ctx) -> std::unique_ptr<Sink> {
              return std::make_unique<FileSink>(name, path, ctx.store, ctx.metrics, envelope);
            };
          }};
}

}  // namespace callgate::sinks
