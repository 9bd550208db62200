// callgate_load: the benchmark's load generator and crypto baseline (bench/run.sh drives it).
//   load     make distinct signed requests, send them, print "rps p50 p99 p999 ok refused errors"
//   pubkey   print the Telnyx public key for a seed, for the server's config
//   ed25519  libsodium Ed25519 verifications per second on N threads
//   request-log  the request log's CPU per request, in process, off and on
//   kafka-mock   host librdkafka's mock cluster (3 brokers) until killed; prints its brokers
//   fsync    how long this disk takes to make 4 KB durable (write + fdatasync): p50 p99 ms
#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <iostream>
#include <support/kafka_mock.hpp>
#include <thread>

#include "adapter_cost.hpp"
#include "driver.hpp"
#include "request_log_cost.hpp"
#include "requests.hpp"

namespace {

using namespace callgate::bench;

double ed25519_rate(unsigned threads, double seconds, std::size_t body_bytes) {
  unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(pk, sk);
  const std::string message = "1700000000|" + std::string(body_bytes, 'x');
  const auto* m = reinterpret_cast<const unsigned char*>(message.data());
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, m, message.size(), sk);

  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> total{0};
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      std::uint64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        if (crypto_sign_verify_detached(sig, m, message.size(), pk) != 0) std::abort();
        ++n;
      }
      total += n;
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& w : workers) w.join();
  return double(total.load()) / seconds;
}

void fsync_latency(const std::string& path, double seconds) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot open " + path);
  const std::string block(4096, 'x');
  LoadResult r;
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < std::chrono::duration<double>(seconds)) {
    const auto t0 = std::chrono::steady_clock::now();
    if (::write(fd, block.data(), block.size()) < 0 || ::fdatasync(fd) != 0) break;
    r.latencies_us.push_back(static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
            .count()));
  }
  ::close(fd);
  ::unlink(path.c_str());
  std::printf("%.2f %.2f\n", r.quantile_ms(0.5), r.quantile_ms(0.99));
}

}  // namespace

int main(int argc, char** argv) try {
  if (sodium_init() < 0) return 1;
  CLI::App app{"callgate benchmark load generator"};
  app.require_subcommand(1);

  RequestSpec spec;
  LoadOptions options;
  double seconds = 10;
  auto* load = app.add_subcommand("load", "send signed webhook requests and measure");
  load->add_option("--port", options.port, "callgate (or peer) port on 127.0.0.1")->required();
  load->add_option("--path", spec.path, "request path, e.g. /webhooks/pbx")->required();
  load->add_option("--provider", spec.provider,
                   "voip | webex | telnyx | zoom | ringcentral | telnyx-transcript")
      ->required();
  load->add_option("--whsec", spec.whsec, "voip: Standard Webhooks secret");
  load->add_option("--webex-secret", spec.webex_secret, "webex: HMAC secret");
  load->add_option("--telnyx-seed", spec.telnyx_seed, "telnyx: Ed25519 seed, 64 hex digits");
  load->add_option("--zoom-secret", spec.zoom_secret, "zoom: the secret token");
  load->add_option("--rc-token", spec.rc_token, "ringcentral: the verification token");
  load->add_option("--run-id", spec.run_id, "distinguishes ids between runs")->required();
  load->add_option("--calls", spec.calls, "calls to make");
  load->add_option("--first-call", spec.first_call, "number of the first call");
  load->add_option("--events", spec.events_per_call, "events per call (1..3)");
  load->add_option("--first-event", spec.first_event, "skip the events before this one");
  load->add_option("--live", spec.live, "calls started before the oldest ends");
  load->add_option("--connections", options.connections, "keep-alive connections");
  load->add_option("--rate", options.rate, "requests per second (0 = as fast as possible)");
  load->add_option("--seconds", seconds, "stop after this long");

  std::string source_yaml;
  auto* cost = app.add_subcommand("adapter", "in-process verify + parse µs per request");
  cost->add_option("--provider", spec.provider,
                   "voip | webex | telnyx | zoom | ringcentral | telnyx-transcript")
      ->required();
  cost->add_option("--source", source_yaml, "the source's YAML, e.g. 'provider: voip ...'")
      ->required();
  cost->add_option("--whsec", spec.whsec);
  cost->add_option("--webex-secret", spec.webex_secret);
  cost->add_option("--telnyx-seed", spec.telnyx_seed);
  cost->add_option("--zoom-secret", spec.zoom_secret);
  cost->add_option("--rc-token", spec.rc_token);
  cost->add_option("--calls", spec.calls);

  std::string store_type = "memory", dir = "/tmp";
  auto* log_cost =
      app.add_subcommand("request-log", "in-process CPU µs per request, request log off and on");
  log_cost->add_option("--store", store_type, "memory | sqlite");
  log_cost->add_option("--dir", dir, "where a SQLite store's files go");
  log_cost->add_option("--whsec", spec.whsec)->required();
  log_cost->add_option("--calls", spec.calls);

  std::string seed;
  auto* pubkey = app.add_subcommand("pubkey", "print the Telnyx public key for a seed");
  pubkey->add_option("--telnyx-seed", seed)->required();

  unsigned threads = 1;
  auto* ed = app.add_subcommand("ed25519", "raw Ed25519 verifications per second");
  ed->add_option("--threads", threads);
  ed->add_option("--seconds", seconds);

  std::string topic = "events";
  auto* kafka = app.add_subcommand("kafka-mock", "serve librdkafka's mock cluster until killed");
  kafka->add_option("--topic", topic, "the topic to create (3 partitions)");

  std::string fsync_path;
  auto* fs = app.add_subcommand("fsync", "write + fdatasync latency of 4 KB blocks");
  fs->add_option("--file", fsync_path)->required();
  fs->add_option("--seconds", seconds);

  CLI11_PARSE(app, argc, argv);

  if (*cost) {
    spec.run_id = "adapter";
    spec.path = "/webhooks/bench";
    adapter_cost(spec, source_yaml);
  } else if (*log_cost) {
    spec.provider = "voip";
    spec.run_id = "request-log";
    spec.path = "/webhooks/bench";
    request_log_cost(spec, store_type, dir);
  } else if (*kafka) {
    const callgate::testing::KafkaMock mock(topic);
    std::printf("%s\n", mock.brokers().c_str());
    std::fflush(stdout);
    for (;;) std::this_thread::sleep_for(std::chrono::hours(1));  // served by its own threads
  } else if (*pubkey) {
    std::cout << telnyx_public_key(seed) << "\n";
  } else if (*fs) {
    fsync_latency(fsync_path, seconds);
  } else if (*ed) {
    std::printf("%.0f\n", ed25519_rate(threads, seconds, 2048));
  } else {
    options.max_duration = std::chrono::milliseconds(static_cast<long>(seconds * 1000));
    const auto requests = make_requests(spec, callgate::now());
    const auto r = run_load(requests, options);
    std::fprintf(stderr, "load: %zu requests made, %zu ok, %zu refused, %zu errors in %.2f s\n",
                 requests.size(), r.ok, r.refused, r.errors, r.seconds);
    std::printf("%.0f %.2f %.2f %.2f %zu %zu %zu\n", r.per_second(), r.quantile_ms(0.5),
                r.quantile_ms(0.99), r.quantile_ms(0.999), r.ok, r.refused, r.errors);
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << "callgate_load: " << e.what() << '\n';
  return 1;
}
