#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <callgate/app/app.hpp>
#include <callgate/app/directory_watcher.hpp>
#include <callgate/app/history_keeper.hpp>
#include <callgate/app/runtime.hpp>
#include <callgate/http/admin_router.hpp>
#include <callgate/http/metrics_endpoint.hpp>
#include <callgate/http/router.hpp>
#include <callgate/http/server.hpp>
#include <callgate/thread_name.hpp>
#include <callgate/version.hpp>
#include <fstream>
#include <thread>

namespace callgate::app {
namespace {

namespace net = boost::asio;

/** Waits (polling) until every connection has closed or the deadline passes, then calls done. */
void when_drained(net::steady_timer& timer, http::Server& server,
                  std::chrono::steady_clock::time_point deadline, std::function<void()> done) {
  if (server.open_sessions() == 0 || std::chrono::steady_clock::now() >= deadline) return done();
  timer.expires_after(std::chrono::milliseconds(20));
  timer.async_wait([&timer, &server, deadline, done = std::move(done)](boost::system::error_code) {
    when_drained(timer, server, deadline, done);
  });
}

/** Descriptors kept back from connections: the store, the sinks' files and sockets, logs. */
constexpr std::size_t kReservedFds = 64;
/** Connections the admin listener takes at most. */
constexpr std::size_t kAdminConnections = 32;

/**
 * Raises the soft file-descriptor limit to the hard one, and returns how many webhook
 * connections fit under it. A max_connections above that would end in failed accepts (EMFILE)
 * instead of connections refused cleanly, so the listener is held to what fits, loudly.
 */
std::size_t fit_connections_to_fd_limit(std::size_t wanted) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return wanted;
  if (limit.rlim_cur < limit.rlim_max) {
    const auto before = limit.rlim_cur;
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) limit.rlim_cur = before;
  }
  const auto fds = static_cast<std::size_t>(limit.rlim_cur);
  const std::size_t fit =
      fds > kReservedFds + kAdminConnections + 16 ? fds - kReservedFds - kAdminConnections : 16;
  if (wanted <= fit) return wanted;
  spdlog::warn(
      "http.max_connections is {} but the file-descriptor limit is {}: at most {} connections "
      "fit ({} descriptors are kept for the store, sinks, logs and the admin API); more are "
      "refused at once. Raise the limit (ulimit -n, systemd LimitNOFILE=) or lower "
      "http.max_connections",
      wanted, fds, fit, kReservedFds + kAdminConnections);
  return fit;
}

/**
 * The admin API and the metrics listener. They listen apart from the webhooks, so they can stay
 * off the public network, and run on a thread of their own: their store reads and renders never
 * hold up a webhook's io thread.
 */
class SideListeners {
 public:
  SideListeners(const config::Config& config, Runtime& runtime, http::Router& router)
      : config_(config),
        metrics_endpoint_(runtime.metrics()),
        history_(runtime.metrics(), config.metrics.history_file) {
    auto& metrics = runtime.metrics();
    if (config.admin.enabled) {
      std::vector<std::string> sink_names;
      for (const auto& s : config.sinks) sink_names.push_back(s.name);
      http::AdminRouter::Hooks hooks{
          [&runtime] { runtime.notify_sinks(); },
          [&router](const store::RequestRecord& r, const net::any_io_executor& executor,
                    http::Reply reply) { router.replay(r, executor, std::move(reply)); },
          [&runtime] {
            if (auto* recorder = runtime.recorder()) recorder->flush();
          },
          [&runtime](std::string_view name) -> std::optional<outbox::DeliveryLog::Snapshot> {
            if (auto* sink = runtime.sink(name)) return sink->activity();
            return std::nullopt;
          },
          [&runtime](std::string_view name) {
            auto* sink = runtime.sink(name);
            if (sink) sink->retry_now();
            return sink != nullptr;
          },
          &history_.history()};
      admin_router_.emplace(runtime.store(), metrics, config.admin.tokens, std::move(sink_names),
                            std::move(hooks), config.sources);
      admin_.emplace(ioc_, listener(config.admin.host, config.admin.port), *admin_router_, metrics,
                     "admin");
      admin_->start();
      spdlog::info("admin API listening on {}:{}", config.admin.host, admin_->port());
    }
    if (config.metrics.listen) {
      metrics_.emplace(ioc_, listener(config.metrics.host, config.metrics.port), metrics_endpoint_,
                       metrics, "metrics");
      metrics_->start();
      spdlog::info("metrics listening on {}:{}", config.metrics.host, metrics_->port());
    }
  }

  std::uint16_t admin_port() const { return admin_ ? admin_->port() : 0; }
  std::uint16_t metrics_port() const { return metrics_ ? metrics_->port() : 0; }

  void start() {
    history_.start(ioc_.get_executor());
    thread_ = std::thread([this] {
      name_this_thread("cg-admin");
      ioc_.run();
    });
  }
  /** From any thread: the listeners stop taking connections (on their own thread). */
  void stop_accepting() {
    net::post(ioc_, [this] {
      if (admin_) admin_->stop_accepting();
      if (metrics_) metrics_->stop_accepting();
    });
  }
  void stop() {
    work_.reset();
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
    history_.stop();
  }

 private:
  /** The webhook listener's settings (TLS included) with this host and port, one thread. */
  http::ServerOptions listener(const std::string& host, std::uint16_t port) const {
    auto side = config_.http;
    side.host = host;
    side.port = port;
    side.threads = 1;
    side.max_connections = kAdminConnections;
    return side;
  }

  const config::Config& config_;
  net::io_context ioc_{1};
  net::executor_work_guard<net::io_context::executor_type> work_ = net::make_work_guard(ioc_);
  http::MetricsEndpoint metrics_endpoint_;
  HistoryKeeper history_;  // the console's charts; before the admin API, which reads it
  std::optional<http::AdminRouter> admin_router_;
  std::optional<http::Server> admin_;
  std::optional<http::Server> metrics_;
  std::thread thread_;
};

/** One port a line: webhooks, admin API, metrics (0 for a listener that is not configured). */
void write_ready_file(const std::string& path, std::uint16_t webhooks, const SideListeners& side) {
  if (path.empty()) return;
  std::ofstream ready(path);
  ready << webhooks << '\n' << side.admin_port() << '\n' << side.metrics_port() << '\n';
}

/** Runs ioc on `threads` threads (this one included) until it is stopped. */
void run_io(net::io_context& ioc, int threads) {
  std::vector<std::thread> others;
  for (int i = 1; i < threads; ++i)
    others.emplace_back([&ioc] {
      name_this_thread("cg-io");
      ioc.run();
    });
  ioc.run();
  for (auto& t : others) t.join();
}

}  // namespace

int serve(const config::Config& config, const RunOptions& options) {
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  for (const auto& w : config.warnings) spdlog::warn("{}: {}", config.file, w);
  Runtime runtime(config);
  runtime.start();
  std::optional<DirectoryWatcher> directory;
  if (config.directory)
    directory.emplace(config.directory_path, config.directory, runtime.metrics());

  auto http_options = config.http;
  http_options.max_connections = fit_connections_to_fd_limit(config.http.max_connections);
  net::io_context ioc(config.http.threads);
  auto work = net::make_work_guard(ioc);
  http::Router router(config.sources, runtime.committer(), runtime.metrics(),
                      config.metrics.on_webhook_listener, config.http.trusted_proxies,
                      runtime.recorder());
  http::Server server(ioc, http_options, router, runtime.metrics());
  server.start();
  spdlog::info("callgate {} listening on {}:{} ({} sources, store {}, {} sinks)", kVersion,
               config.http.host, server.port(), config.sources.size(), config.store.type,
               runtime.sinks().size());
  SideListeners side(config, runtime, router);
  write_ready_file(options.ready_file, server.port(), side);

  // A signal stops the listeners; in-flight requests are answered until every connection has
  // closed or http.shutdown_timeout has passed, which also bounds the sinks' last pass.
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  net::steady_timer drain_timer(ioc);
  auto deadline = std::chrono::steady_clock::time_point::max();
  signals.async_wait([&](boost::system::error_code ec, int signal) {
    if (ec) return;
    deadline = std::chrono::steady_clock::now() + config.http.shutdown_timeout;
    spdlog::info("signal {}: stopping; answering in-flight requests", signal);
    server.stop_accepting();
    side.stop_accepting();
    when_drained(drain_timer, server, deadline, [&] {
      work.reset();
      ioc.stop();
    });
  });
  side.start();
  run_io(ioc, config.http.threads);
  side.stop();

  // Finish commits, then a last delivery pass over what is committed, until the deadline.
  if (deadline == std::chrono::steady_clock::time_point::max())
    deadline = std::chrono::steady_clock::now() + config.http.shutdown_timeout;
  runtime.stop(deadline);
  spdlog::info("callgate stopped");
  return 0;
}

}  // namespace callgate::app
