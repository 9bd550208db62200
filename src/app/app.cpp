#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <callgate/app/app.hpp>
#include <callgate/http/router.hpp>
#include <callgate/http/server.hpp>
#include <callgate/outbox/committer.hpp>
#include <callgate/sinks/file_sink.hpp>
#include <callgate/sinks/http_sink.hpp>
#include <callgate/version.hpp>
#include <fstream>
#include <thread>

namespace callgate::app {
namespace {

namespace net = boost::asio;

std::vector<std::unique_ptr<sinks::Sink>> make_sinks(const config::Config& config,
                                                     store::Store& store,
                                                     metrics::Metrics& metrics) {
  std::vector<std::unique_ptr<sinks::Sink>> out;
  for (const auto& s : config.sinks) {
    if (s.type == "file") {
      out.push_back(std::make_unique<sinks::FileSink>(s.name, s.path, store, metrics));
      continue;
    }
    sinks::HttpSinkOptions o{.url = s.url,
                             .secret = verify::StandardWebhooksSecret::parse(s.secret),
                             .timeout = s.timeout,
                             .max_attempts = s.max_attempts,
                             .concurrency = static_cast<std::size_t>(s.concurrency),
                             .retry_base = s.retry_base,
                             .retry_max = s.retry_max,
                             .connector_id = config.connector_id,
                             .owner_id = config.owner_id};
    if (s.secret.empty()) o.secret.reset();
    out.push_back(std::make_unique<sinks::HttpSink>(s.name, std::move(o), store, metrics));
  }
  return out;
}

/** Waits (polling) until every connection has closed or the deadline passes, then calls done. */
void when_drained(net::steady_timer& timer, http::Server& server,
                  std::chrono::steady_clock::time_point deadline, std::function<void()> done) {
  if (server.open_sessions() == 0 || std::chrono::steady_clock::now() >= deadline) return done();
  timer.expires_after(std::chrono::milliseconds(20));
  timer.async_wait([&timer, &server, deadline, done = std::move(done)](boost::system::error_code) {
    when_drained(timer, server, deadline, done);
  });
}

}  // namespace

int serve(const config::Config& config, const RunOptions& options) {
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  auto store = store::open_store(config.store);
  metrics::Metrics metrics;

  auto sinks = make_sinks(config, *store, metrics);
  for (auto& s : sinks) s->start();

  outbox::Committer committer(*store, metrics, {.retention = config.store.retention},
                              [] { return callgate::now(); });
  committer.on_commit([&sinks] {
    for (auto& s : sinks) s->notify();
  });
  committer.start();

  net::io_context ioc(config.http.threads);
  auto work = net::make_work_guard(ioc);
  http::Router router(config.sources, committer, metrics);
  http::Server server(ioc, config.http, router, metrics);
  server.start();
  spdlog::info("callgate {} listening on {}:{} ({} sources, store {}, {} sinks)", kVersion,
               config.http.host, server.port(), config.sources.size(), config.store.type,
               sinks.size());
  if (!options.ready_file.empty()) std::ofstream(options.ready_file) << server.port() << '\n';

  net::signal_set signals(ioc, SIGINT, SIGTERM);
  net::steady_timer drain_timer(ioc);
  signals.async_wait([&](boost::system::error_code ec, int signal) {
    if (ec) return;
    spdlog::info("signal {}: stopping; answering in-flight requests", signal);
    server.stop_accepting();
    when_drained(drain_timer, server,
                 std::chrono::steady_clock::now() + config.http.shutdown_timeout, [&] {
                   work.reset();
                   ioc.stop();
                 });
  });

  std::vector<std::thread> threads;
  for (int i = 1; i < config.http.threads; ++i) threads.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();

  committer.stop();
  for (auto& s : sinks) s->stop();  // a last delivery pass over everything committed
  spdlog::info("callgate stopped");
  return 0;
}

}  // namespace callgate::app
