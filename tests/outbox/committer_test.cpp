#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <callgate/adapters/json_fields.hpp>
#include <callgate/adapters/voip/voip.hpp>
#include <callgate/adapters/webex/webex.hpp>
#include <callgate/outbox/committer.hpp>
#include <callgate/store/store.hpp>
#include <future>
#include <support/fixtures.hpp>
#include <support/forwarding_writer.hpp>

namespace callgate {
namespace {

const TimePoint kNow = *parse_iso8601("2025-08-14T18:53:05.000Z");
const boost::beast::http::fields kNoHeaders;

std::vector<core::Observation> webex(const std::string& body) {
  auto p = adapters::webex::parse({kNoHeaders, body, kNow}, {"webex", false});
  EXPECT_TRUE(p);
  return p->observations;
}

std::vector<core::Observation> pbx(const std::string& body) {
  auto p = adapters::voip::parse({kNoHeaders, body, kNow}, {"pbx", false});
  EXPECT_TRUE(p);
  auto obs = p->observations;
  for (auto& o : obs)
    if (o.dedup_key.empty()) o.dedup_key = adapters::body_digest(body);
  return obs;
}

struct Harness {
  explicit Harness(store::Opened opened)
      : Harness(std::move(opened.store), std::move(opened.writer)) {}
  /** A store with a writer of the test's own (one that counts or fails its calls). */
  Harness(std::unique_ptr<store::Store> s, std::unique_ptr<store::Writer> w)
      : owned(std::move(s)),
        store(*owned),
        committer(std::move(w), metrics, {}, [] { return kNow; }) {}
  result<outbox::Outcome> submit(std::vector<core::Observation> obs) {
    std::promise<result<outbox::Outcome>> p;
    auto f = p.get_future();
    committer.submit(std::move(obs),
                     [&p](result<outbox::Outcome> r) { p.set_value(std::move(r)); });
    return f.get();
  }
  std::vector<store::OutboxRow> outbox() { return *store.read_outbox(0, 1000); }

  std::unique_ptr<store::Store> owned;
  store::Store& store;
  metrics::Metrics metrics;
  outbox::Committer committer;
};

TEST(Committer, LogsEachCallsProviderEventsAndEmittedEventsUnlessTurnedOff) {
  const auto bodies = testing::webex_seed_bodies();
  for (const bool on : {true, false}) {
    Harness h(testing::open_memory_store(on));
    h.committer.start();
    for (const auto& b : bodies) ASSERT_TRUE(h.submit(webex(b)));
    ASSERT_TRUE(h.submit(webex(bodies[0])));  // a redelivery
    const auto rows = h.outbox();
    ASSERT_EQ(rows.size(), 2u);
    const auto log = *h.store.call_log(rows[0].call_id);
    if (!on) {
      EXPECT_TRUE(log.empty());
      continue;
    }
    using Kind = store::CallLogEntry::Kind;
    std::vector<Kind> kinds;
    for (const auto& e : log) kinds.push_back(e.kind);
    // Three provider events, the two events they caused (each right after its cause), the repeat.
    EXPECT_EQ(std::count(kinds.begin(), kinds.end(), Kind::received), 3);
    EXPECT_EQ(std::count(kinds.begin(), kinds.end(), Kind::emitted), 2);
    EXPECT_EQ(kinds.back(), Kind::duplicate);
    EXPECT_EQ(log[1].kind, Kind::emitted);
    EXPECT_EQ(log[1].key, rows[0].idempotency_key);
    EXPECT_EQ(log[1].seq, rows[0].seq);
    h.committer.stop();
  }
}

TEST(Committer, TheWebexSeedBecomesCreatedAndDeletedInTheOutbox) {
  Harness h(testing::open_memory_store());
  h.committer.start();
  const auto bodies = testing::webex_seed_bodies();
  EXPECT_EQ(h.submit(webex(bodies[0]))->emitted, 1u);
  EXPECT_EQ(h.submit(webex(bodies[1]))->emitted, 0u);  // older, same information
  EXPECT_EQ(h.submit(webex(bodies[2]))->emitted, 1u);
  const auto rows = h.outbox();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].event_type, "telephonyCall::created");
  EXPECT_EQ(rows[1].event_type, "telephonyCall::deleted");
  EXPECT_EQ(
      rows[0].call_id,
      core::derive_call_id("webex", "Y2lzY29zcGFyazovL3VzL0NBTEwvY2FsbGhhbGYtOTgyNzEzMjM3MDow"));
  EXPECT_EQ(rows[1].idempotency_key, rows[1].call_id + ":2");
  EXPECT_EQ(h.metrics.value("callgate_live_calls"), 0);
}

TEST(Committer, ARedeliveryEmitsNothingAndIsCounted) {
  Harness h(testing::open_memory_store());
  h.committer.start();
  const auto body = testing::webex_seed_bodies()[0];
  EXPECT_EQ(h.submit(webex(body))->emitted, 1u);
  const auto again = h.submit(webex(body));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->emitted, 0u);
  EXPECT_EQ(again->redelivered, 1u);
  EXPECT_EQ(h.metrics.value("callgate_redeliveries_total", {{"source", "webex"}}), 1);
  EXPECT_EQ(h.outbox().size(), 1u);
  EXPECT_EQ(h.metrics.value("callgate_live_calls"), 1);
}

TEST(Committer, ConcurrentRequestsShareOneCommit) {
  Harness h(testing::open_memory_store());
  // Queue before starting, so the first batch holds all of them.
  std::vector<std::future<result<outbox::Outcome>>> futures;
  std::vector<std::promise<result<outbox::Outcome>>> promises(50);
  for (int i = 0; i < 50; ++i) {
    futures.push_back(promises[i].get_future());
    h.committer.submit(
        pbx(R"({"event":"NotifyStart","callId":"c)" + std::to_string(i) +
            R"(","direction":"In","srcPhone":"1","dstPhone":"2"})"),
        [&promises, i](result<outbox::Outcome> r) { promises[i].set_value(std::move(r)); });
  }
  h.committer.start();
  for (auto& f : futures) EXPECT_EQ(f.get()->emitted, 1u);
  EXPECT_EQ(h.metrics.value("callgate_commits_total"), 1);
  EXPECT_EQ(h.outbox().size(), 50u);
  EXPECT_EQ(h.metrics.value("callgate_live_calls"), 50);
}

TEST(Committer, APbxCallWithoutCallIdIsMatchedFromStartToEnd) {
  Harness h(testing::open_memory_store());
  h.committer.start();
  const std::string tuple =
      R"("direction":"In","srcPhone":"+1555","srcPhoneExt":"7","dstPhone":"100")";
  EXPECT_EQ(h.submit(pbx(R"({"event":"NotifyStart",)" + tuple + "}"))->emitted, 1u);
  // Another caller at the same time is a different call.
  EXPECT_EQ(
      h.submit(
           pbx(R"({"event":"NotifyStart","direction":"In","srcPhone":"+1666","dstPhone":"100"})"))
          ->emitted,
      1u);
  EXPECT_EQ(h.submit(pbx(R"({"event":"NotifyAnswer",)" + tuple + "}"))->emitted, 1u);
  EXPECT_EQ(
      h.submit(pbx(R"({"event":"NotifyEnd","disposition":"Answered",)" + tuple + "}"))->emitted,
      1u);
  const auto rows = h.outbox();
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].call_id, rows[2].call_id);
  EXPECT_EQ(rows[0].call_id, rows[3].call_id);
  EXPECT_NE(rows[0].call_id, rows[1].call_id);
  EXPECT_EQ(rows[3].event_type, "telephonyCall::deleted");
  const auto last = nlohmann::json::parse(rows[3].body);
  EXPECT_EQ(last["data"]["fields"]["status"], "completed");
  EXPECT_EQ(last["data"]["fields"]["externalNumber"], "+1555");

  // The same numbers again after the end: a new call, not the ended one.
  EXPECT_EQ(
      h.submit(pbx(R"({"event":"NotifyStart","timestamp":1700000000,)" + tuple + "}"))->emitted,
      1u);
  EXPECT_NE(h.outbox().back().call_id, rows[0].call_id);
}

TEST(Committer, AStartNeverJoinsACallThatAlreadyStarted) {
  Harness h(testing::open_memory_store());
  h.committer.start();
  const std::string tuple =
      R"("direction":"Out","srcPhone":"100","dstPhone":"+1777","dstPhoneExt":"100")";
  EXPECT_EQ(h.submit(pbx(R"({"event":"NotifyStart","timestamp":1,)" + tuple + "}"))->emitted, 1u);
  EXPECT_EQ(h.submit(pbx(R"({"event":"NotifyStart","timestamp":2,)" + tuple + "}"))->emitted, 1u);
  const auto rows = h.outbox();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_NE(rows[0].call_id, rows[1].call_id);
}

TEST(Committer, AStoreThatCannotCommitAnswersUnavailableAndKeepsNothing) {
  testing::TempDir dir;
  store::StoreConfig c;
  c.path = (dir / "callgate.db").string();
  c.busy_timeout_ms = 50;
  Harness h(store::open_store(c));
  h.committer.start();

  // Another connection holds the write lock, as a stuck process or a full disk would.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(c.path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  const auto body = testing::webex_seed_bodies()[0];
  auto r = h.submit(webex(body));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(errc::store_unavailable));
  std::promise<result<void>> probed;
  h.committer.probe([&](result<void> ok) { probed.set_value(ok); });
  EXPECT_FALSE(probed.get_future().get());  // answered from the failed commit
  EXPECT_EQ(h.metrics.value("callgate_commit_failures_total"), 1) << "a probe is no commit";
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);

  // Once the store answers again, the provider's retry goes through as if new.
  EXPECT_TRUE(h.outbox().empty());
  auto retry = h.submit(webex(body));
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->emitted, 1u);
  EXPECT_EQ(retry->redelivered, 0u);
}

/** A memory store's writer whose probe writes are counted and can be made to fail (a full
 * disk). */
class ProbedWriter final : public testing::ForwardingWriter {
 public:
  using ForwardingWriter::ForwardingWriter;
  result<void> probe_write(TimePoint) override {
    ++probes;
    if (full) return make_error_code(errc::store_unavailable);
    return {};
  }
  std::atomic<int> probes{0};
  std::atomic<bool> full{false};
};

TEST(Committer, ReadinessCostsAtMostOneStoreCallPerIntervalAndLeavesCommitMetricsAlone) {
  auto opened = testing::open_memory_store();
  auto probed = std::make_unique<ProbedWriter>(std::move(opened.writer));
  auto& s = *probed;
  metrics::Metrics metrics;
  std::atomic<std::int64_t> ms{1'700'000'000'000};
  outbox::Committer::Options options;
  options.probe_every = std::chrono::milliseconds(1000);
  outbox::Committer committer(std::move(probed), metrics, options,
                              [&] { return from_unix_ms(ms.load()); });
  committer.start();
  auto probe = [&] {
    std::promise<result<void>> p;
    committer.probe([&](result<void> r) { p.set_value(r); });
    return static_cast<bool>(p.get_future().get());
  };
  EXPECT_TRUE(probe());  // nothing known yet: one write
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(probe());
  EXPECT_EQ(s.probes, 1) << "a hundred probes within the interval cost one store call";
  EXPECT_EQ(metrics.value("callgate_commits_total"), 0);

  // A full disk: the next probe after the interval writes, fails, and says so.
  s.full = true;
  ms += 1000;
  EXPECT_FALSE(probe());
  EXPECT_FALSE(probe());
  EXPECT_EQ(s.probes, 2);

  // A commit that succeeds answers readiness by itself, without a probe write.
  s.full = false;
  ms += 1000;
  std::promise<result<outbox::Outcome>> done;
  committer.submit(webex(testing::webex_seed_bodies()[0]),
                   [&](result<outbox::Outcome> r) { done.set_value(std::move(r)); });
  ASSERT_TRUE(done.get_future().get());
  EXPECT_TRUE(probe());
  EXPECT_EQ(s.probes, 2);
  EXPECT_EQ(metrics.value("callgate_commits_total"), 1);
  committer.stop();
}

// Back-pressure: past max_queue waiting requests, a submit is refused at once (503 with
// Retry-After at the HTTP layer) instead of queueing without bound.
TEST(Committer, AFullQueueRefusesAtOnceAndTakesAgainOnceItDrains) {
  metrics::Metrics metrics;
  outbox::Committer::Options options;
  options.max_queue = 3;
  auto opened = testing::open_memory_store();  // the store must outlive its writer
  outbox::Committer committer(std::move(opened.writer), metrics, options, [] { return kNow; });
  std::vector<std::promise<result<outbox::Outcome>>> answers(4);
  const auto bodies = testing::webex_seed_bodies();
  for (std::size_t i = 0; i < answers.size(); ++i)  // not started yet: nothing drains
    committer.submit(webex(bodies[i % bodies.size()]), [&answers, i](result<outbox::Outcome> r) {
      answers[i].set_value(std::move(r));
    });
  auto fourth = answers[3].get_future().get();
  ASSERT_FALSE(fourth);
  EXPECT_EQ(fourth.error(), make_error_code(errc::overloaded));
  EXPECT_EQ(metrics.value("callgate_overloaded_total"), 1);
  committer.start();
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(answers[i].get_future().get()) << i;
  std::promise<result<outbox::Outcome>> later;
  committer.submit(webex(bodies[0]),
                   [&](result<outbox::Outcome> r) { later.set_value(std::move(r)); });
  EXPECT_TRUE(later.get_future().get()) << "a drained queue takes requests again";
  committer.stop();
}

/** A memory store's writer that counts call reads, can fail its next commits, and can say it is
 * shared. */
class CountingWriter final : public testing::ForwardingWriter {
 public:
  CountingWriter(std::unique_ptr<store::Writer> inner, bool shared)
      : ForwardingWriter(std::move(inner)), shared_(shared) {}
  result<std::optional<core::CallState>> load_call(std::string_view id) override {
    ++loads;
    return ForwardingWriter::load_call(id);
  }
  result<void> commit() override {
    if (fail_commits > 0) {
      --fail_commits;
      rollback();
      return make_error_code(errc::store_unavailable);
    }
    return ForwardingWriter::commit();
  }
  bool shared() const override { return shared_; }
  std::atomic<int> loads = 0;
  std::atomic<int> fail_commits = 0;

 private:
  bool shared_;
};

std::vector<core::Observation> pbx_event(const std::string& event) {
  return pbx(R"({"event":")" + event +
             R"(","callId":"cache-1","direction":"In","srcPhone":"+1555","dstPhone":"100"})");
}

// The committer is the only writer of SQLite and memory: a call's next events need no read.
TEST(Committer, ACallsNextEventsComeFromTheStateCache) {
  auto opened = testing::open_memory_store();
  auto counting = std::make_unique<CountingWriter>(std::move(opened.writer), /*shared=*/false);
  auto& s = *counting;
  Harness h(std::move(opened.store), std::move(counting));
  h.committer.start();
  EXPECT_EQ(h.submit(pbx_event("NotifyStart"))->emitted, 1u);
  EXPECT_EQ(h.submit(pbx_event("NotifyAnswer"))->emitted, 1u);
  EXPECT_EQ(h.submit(pbx_event("NotifyEnd"))->emitted, 1u);
  EXPECT_EQ(s.loads, 1) << "only the first event read the store";
}

// Another replica may change a call in a shared store (Redis): every event reads it.
TEST(Committer, ASharedStoreIsNeverCached) {
  auto opened = testing::open_memory_store();
  auto counting = std::make_unique<CountingWriter>(std::move(opened.writer), /*shared=*/true);
  auto& s = *counting;
  Harness h(std::move(opened.store), std::move(counting));
  h.committer.start();
  for (const char* e : {"NotifyStart", "NotifyAnswer", "NotifyEnd"})
    EXPECT_EQ(h.submit(pbx_event(e))->emitted, 1u) << e;
  EXPECT_EQ(s.loads, 3);
}

// A state whose commit failed must not stay cached: the provider's retry decides again on what
// the store really holds, so it emits its event then.
TEST(Committer, AFailedCommitLeavesNothingInTheCache) {
  auto opened = testing::open_memory_store();
  auto counting = std::make_unique<CountingWriter>(std::move(opened.writer), /*shared=*/false);
  auto& s = *counting;
  Harness h(std::move(opened.store), std::move(counting));
  h.committer.start();
  EXPECT_EQ(h.submit(pbx_event("NotifyStart"))->emitted, 1u);
  s.fail_commits = 1;
  EXPECT_FALSE(h.submit(pbx_event("NotifyAnswer")));
  auto retry = h.submit(pbx_event("NotifyAnswer"));
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->emitted, 1u) << "the answer was not taken as already known";
  const auto rows = h.outbox();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].event_type, "telephonyCall::updated");
}

TEST(Committer, StopFinishesWhatWasSubmittedAndRefusesTheRest) {
  Harness h(testing::open_memory_store());
  std::promise<result<outbox::Outcome>> p;
  h.committer.submit(webex(testing::webex_seed_bodies()[0]),
                     [&p](result<outbox::Outcome> r) { p.set_value(std::move(r)); });
  h.committer.start();
  h.committer.stop();
  EXPECT_EQ(p.get_future().get()->emitted, 1u);
  std::promise<result<outbox::Outcome>> late;
  h.committer.submit({}, [&late](result<outbox::Outcome> r) { late.set_value(std::move(r)); });
  EXPECT_EQ(late.get_future().get().error(), make_error_code(errc::shutting_down));
}

}  // namespace
}  // namespace callgate
