#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <callgate/app/app.hpp>
#include <callgate/app/runtime.hpp>
#include <callgate/http/admin_router.hpp>
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

}  // namespace

int serve(const config::Config& config, const RunOptions& options) {
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  for (const auto& w : config.warnings) spdlog::warn("{}: {}", config.file, w);
  Runtime runtime(config);
  runtime.start();
  auto& metrics = runtime.metrics();

  auto http_options = config.http;
  http_options.max_connections = fit_connections_to_fd_limit(config.http.max_connections);
  net::io_context ioc(config.http.threads);
  auto work = net::make_work_guard(ioc);
  http::Router router(config.sources, runtime.committer(), metrics);
  http::Server server(ioc, http_options, router, metrics);
  server.start();
  spdlog::info("callgate {} listening on {}:{} ({} sources, store {}, {} sinks)", kVersion,
               config.http.host, server.port(), config.sources.size(), config.store.type,
               runtime.sinks().size());
  // The admin API listens apart from the webhooks, so it can stay off the public network, and
  // runs on its own thread: its store reads never hold up a webhook's io thread.
  net::io_context admin_ioc(1);
  auto admin_work = net::make_work_guard(admin_ioc);
  std::optional<http::AdminRouter> admin_router;
  std::optional<http::Server> admin_server;
  if (config.admin.enabled) {
    auto admin_http = config.http;
    admin_http.host = config.admin.host;
    admin_http.port = config.admin.port;
    admin_http.threads = 1;
    admin_http.max_connections = kAdminConnections;
    std::vector<std::string> sink_names;
    for (const auto& s : config.sinks) sink_names.push_back(s.name);
    admin_router.emplace(runtime.store(), config.admin.tokens, std::move(sink_names),
                         [&runtime] { runtime.notify_sinks(); });
    admin_server.emplace(admin_ioc, admin_http, *admin_router, metrics, "admin");
    admin_server->start();
    spdlog::info("admin API listening on {}:{}", admin_http.host, admin_server->port());
  }
  if (!options.ready_file.empty()) {
    std::ofstream ready(options.ready_file);
    ready << server.port() << '\n';
    if (admin_server) ready << admin_server->port() << '\n';
  }

  net::signal_set signals(ioc, SIGINT, SIGTERM);
  net::steady_timer drain_timer(ioc);
  // http.shutdown_timeout bounds the whole shutdown: in-flight requests, then the sinks' last pass.
  auto deadline = std::chrono::steady_clock::time_point::max();
  signals.async_wait([&](boost::system::error_code ec, int signal) {
    if (ec) return;
    deadline = std::chrono::steady_clock::now() + config.http.shutdown_timeout;
    spdlog::info("signal {}: stopping; answering in-flight requests", signal);
    server.stop_accepting();
    if (admin_server) net::post(admin_ioc, [&] { admin_server->stop_accepting(); });
    when_drained(drain_timer, server, deadline, [&] {
      work.reset();
      ioc.stop();
    });
  });

  std::thread admin_thread([&admin_ioc] {
    name_this_thread("cg-admin");
    admin_ioc.run();
  });
  std::vector<std::thread> threads;
  for (int i = 1; i < config.http.threads; ++i)
    threads.emplace_back([&ioc] {
      name_this_thread("cg-io");
      ioc.run();
    });
  ioc.run();
  for (auto& t : threads) t.join();
  admin_work.reset();
  admin_ioc.stop();
  admin_thread.join();

  // Finish commits, then a last delivery pass over what is committed, until the deadline.
  if (deadline == std::chrono::steady_clock::time_point::max())
    deadline = std::chrono::steady_clock::now() + config.http.shutdown_timeout;
  runtime.stop(deadline);
  spdlog::info("callgate stopped");
  return 0;
}

}  // namespace callgate::app
