#include "request_log_cost.hpp"

#include <algorithm>
#include <boost/beast/http/parser.hpp>
#include <callgate/adapters/source.hpp>
#include <callgate/http/router.hpp>
#include <callgate/store/store.hpp>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <stdexcept>

namespace callgate::bench {
namespace {

/** A committer that answers at once, as if every observation made one event: the store's own
 * cost stays out of the comparison, which is about the log. */
class InstantCommitter final : public outbox::Submitter {
 public:
  void submit(std::vector<core::Observation> observations, Done done) override {
    outbox::Outcome outcome;
    outcome.emitted = observations.size();
    for (const auto& o : observations)
      outcome.events.push_back({o.call_key, "telephonyCall::updated", o.call_key + ":1"});
    done(std::move(outcome));
  }
  void probe(std::function<void(result<void>)> done) override { done({}); }
};

double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

/** Process CPU µs per request over one pass over the requests, the recorder's writes included;
 * recorder may be null. */
double one_pass(const std::vector<std::string>& texts, http::Router& router,
                outbox::RequestRecorder* recorder) {
  namespace bhttp = boost::beast::http;
  std::size_t ok = 0;
  const double t0 = cpu_seconds();
  for (const auto& text : texts) {
    bhttp::request_parser<bhttp::string_body> parser;  // as a session reads it
    parser.eager(true);
    parser.body_limit(1 << 20);
    boost::beast::error_code ec;
    parser.put(boost::asio::buffer(text), ec);
    if (ec) throw std::runtime_error("cannot read a generated request: " + ec.message());
    http::ConnectionState connection;
    connection.peer = boost::asio::ip::make_address("127.0.0.1");
    router.handle(parser.release(), connection,
                  [&](const http::Response& res) { ok += res.result_int() == 200; });
  }
  if (recorder) recorder->flush();
  const double took = cpu_seconds() - t0;
  if (ok != texts.size()) throw std::runtime_error("a generated request was not answered 200");
  return took * 1e6 / static_cast<double>(texts.size());
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

/** A router with the request log on, and what it records to. */
struct Logged {
  store::Opened opened;
  std::unique_ptr<outbox::RequestRecorder> recorder;
  std::unique_ptr<http::Router> router;
};

}  // namespace

void request_log_cost(const RequestSpec& spec, const std::string& store_type,
                      const std::string& dir) {
  adapters::Registry registry;
  adapters::register_builtin_providers(registry);
  const auto node = yaml::load_yaml_text(
      "provider: voip\nauth: {standard_webhooks_secret: \"" + spec.whsec + "\"}", "bench.yaml");
  adapters::SourceSettings settings{"bench", false};
  settings.numbers.region = "US";
  http::Sources sources;
  sources.emplace("bench", registry.find("voip")->create(node, settings));
  const auto texts = make_requests(spec, now());

  InstantCommitter committer;
  metrics::Metrics metrics;
  http::Router off(sources, committer, metrics);
  auto logged = [&](bool bodies) {
    Logged l;
    store::StoreConfig config;
    config.type = store_type;
    config.path = (std::filesystem::path(dir) / (bodies ? "bodies.db" : "metadata.db")).string();
    l.opened = store::open_store(config);
    store::RequestLogConfig log;
    log.bodies = bodies;
    log.max_requests = store::default_max_requests(store_type);
    l.recorder = std::make_unique<outbox::RequestRecorder>(*l.opened.store, metrics, log);
    l.router = std::make_unique<http::Router>(sources, committer, metrics, false, Networks{},
                                              l.recorder.get());
    return l;
  };
  Logged bodies = logged(true), metadata = logged(false);
  // Passes take turns (off, bodies, metadata, off, ...) after one each to warm up (the
  // allocator, the store's first pages), and each keeps its median: a stretch of the machine's
  // other work then weighs on all three alike rather than on whichever ran during it.
  constexpr int kPasses = 7;
  std::vector<double> us[3];
  for (int i = 0; i <= kPasses; ++i) {
    const double pass[3] = {one_pass(texts, off, nullptr),
                            one_pass(texts, *bodies.router, bodies.recorder.get()),
                            one_pass(texts, *metadata.router, metadata.recorder.get())};
    if (i > 0)
      for (int k = 0; k < 3; ++k) us[k].push_back(pass[k]);
  }
  bodies.recorder->stop();
  metadata.recorder->stop();
  auto page = bodies.opened.store->requests_before(0, 1u << 30);
  const std::size_t kept = page ? page->size() : 0;
  std::printf("%.1f %.1f %.1f %zu %zu\n", median(us[0]), median(us[1]), median(us[2]), kept,
              store::default_max_requests(store_type));
}

}  // namespace callgate::bench
