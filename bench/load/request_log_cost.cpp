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

/** The median of `passes` passes after one to warm up (the per-thread number memory, the
 * allocator, the store's first pages): a pass that met the machine's other work stays out. */
double median_pass(const std::vector<std::string>& texts, http::Router& router,
                   outbox::RequestRecorder* recorder, int passes) {
  one_pass(texts, router, recorder);
  std::vector<double> us;
  for (int i = 0; i < passes; ++i) us.push_back(one_pass(texts, router, recorder));
  std::sort(us.begin(), us.end());
  return us[us.size() / 2];
}

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
  constexpr int kPasses = 5;

  InstantCommitter committer;
  metrics::Metrics metrics;
  double off = 0;
  {
    http::Router router(sources, committer, metrics);
    off = median_pass(texts, router, nullptr, kPasses);
  }
  double on[2] = {};
  std::size_t kept = 0;
  for (const bool bodies : {true, false}) {
    store::StoreConfig config;
    config.type = store_type;
    config.path = (std::filesystem::path(dir) / (bodies ? "bodies.db" : "metadata.db")).string();
    auto opened = store::open_store(config);
    store::RequestLogConfig log;
    log.bodies = bodies;
    log.max_requests = store::default_max_requests(store_type);
    outbox::RequestRecorder recorder(*opened.store, metrics, log);
    http::Router router(sources, committer, metrics, false, {}, &recorder);
    on[bodies ? 0 : 1] = median_pass(texts, router, &recorder, kPasses);
    recorder.stop();
    if (bodies) {
      auto page = opened.store->requests_before(0, 1u << 30);
      kept = page ? page->size() : 0;
    }
  }
  std::printf("%.1f %.1f %.1f %zu %zu\n", off, on[0], on[1], kept,
              store::default_max_requests(store_type));
}

}  // namespace callgate::bench
