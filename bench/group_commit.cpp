// What group commit buys: the committer on a real SQLite file (WAL, synchronous=FULL), with
// concurrent "providers" each waiting for their acknowledgement, once with one request per
// transaction and once with batching. Prints a Markdown table.
#include <algorithm>
#include <callgate/adapters/json_fields.hpp>
#include <callgate/adapters/voip/voip.hpp>
#include <callgate/outbox/committer.hpp>
#include <callgate/store/store.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <thread>
#include <vector>

namespace {

using namespace callgate;
using Clock = std::chrono::steady_clock;

struct Row {
  std::size_t max_batch;
  int senders;
  double seconds;
  std::size_t requests;
  std::int64_t commits;
  double p50_ms, p99_ms;
};

Row run(std::size_t max_batch, int senders, int per_sender) {
  const auto dir =
      std::filesystem::temp_directory_path() /
      ("callgate-bench-" + std::to_string(::getpid()) + "-" + std::to_string(max_batch));
  std::filesystem::remove_all(dir);
  store::StoreConfig config;
  config.path = (dir / "bench.db").string();
  auto opened = store::open_store(config);
  metrics::Metrics metrics;
  outbox::Committer committer(std::move(opened.writer), metrics, {.max_batch = max_batch},
                              [] { return now(); });
  committer.start();

  std::vector<std::vector<double>> latencies(senders);
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int s = 0; s < senders; ++s) {
    threads.emplace_back([&, s] {
      const boost::beast::http::fields no_headers;
      for (int i = 0; i < per_sender; ++i) {
        const std::string body =
            R"({"event":"NotifyStart","callId":"b-)" + std::to_string(s) + "-" + std::to_string(i) +
            R"(","direction":"In","disposition":"Unknown","srcPhone":"+15550001111","dstPhone":"100"})";
        auto parsed = adapters::voip::parse({no_headers, body, now()}, {"pbx", false});
        adapters::fill_redelivery_keys(parsed->observations, body);
        const auto t0 = Clock::now();
        std::promise<void> done;
        committer.submit(std::move(parsed->observations),
                         [&done](const result<outbox::Outcome>&) { done.set_value(); });
        done.get_future().wait();
        latencies[s].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      }
    });
  }
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  committer.stop();

  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  Row r{max_batch,
        senders,
        seconds,
        all.size(),
        metrics.value("callgate_commits_total"),
        all[all.size() / 2],
        all[all.size() * 99 / 100]};
  std::filesystem::remove_all(dir);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const int per_sender = argc > 1 ? std::atoi(argv[1]) : 250;
  std::printf(
      "| max batch | concurrent senders | requests | commits | avg batch | req/s | p50 ms | p99 ms "
      "|\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  for (int senders : {1, 16, 64}) {
    for (std::size_t batch : {std::size_t{1}, std::size_t{512}}) {
      const auto r = run(batch, senders, per_sender);
      std::printf("| %zu | %d | %zu | %lld | %.1f | %.0f | %.2f | %.2f |\n", r.max_batch, r.senders,
                  r.requests, static_cast<long long>(r.commits),
                  static_cast<double>(r.requests) / static_cast<double>(r.commits),
                  static_cast<double>(r.requests) / r.seconds, r.p50_ms, r.p99_ms);
      std::fflush(stdout);
    }
  }
}
