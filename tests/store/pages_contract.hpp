#pragma once
// The store contract, continued: what is kept with a call (its log, its transcript), the request
// log, every list paged by cursor (events newest first, dead letters), and sending one event to
// one sink again. Included after store_contract.hpp by each binary that runs it.
#include <set>

#include "store_contract.hpp"

namespace callgate {
namespace {

TEST_P(StoreContract, KeepsACallsNewestProviderEventsAndPurgesThemWithTheCall) {
  const auto later = kNow + std::chrono::hours(1);
  using Kind = store::CallLogEntry::Kind;
  const auto entry = [](int i) {
    return store::CallLogEntry{i % 2 == 1 ? Kind::duplicate : Kind::received,
                               kNow + std::chrono::milliseconds(i),
                               kNow - std::chrono::seconds(i),
                               "pbx",
                               "ev" + std::to_string(i),
                               "k" + std::to_string(i),
                               0,
                               {}};
  };
  const int n = static_cast<int>(store::kCallLogSize) + 5;
  ASSERT_TRUE(writer->begin());
  for (int i = 0; i < n; ++i) ASSERT_TRUE(writer->append_call_log("c1", entry(i), later));
  ASSERT_TRUE(writer->append_call_log("c2", entry(0), kNow - std::chrono::seconds(1)));
  ASSERT_TRUE(writer->commit());

  auto log = *store->call_log("c1");
  ASSERT_EQ(log.size(), store::kCallLogSize);  // the oldest five were dropped
  EXPECT_EQ(log.front().event_type, "ev5");
  EXPECT_EQ(log.back().event_type, "ev" + std::to_string(n - 1));
  EXPECT_EQ(log.back().source, "pbx");
  EXPECT_EQ(log.back().at, entry(n - 1).at);
  EXPECT_EQ(log.back().event_time, entry(n - 1).event_time);
  EXPECT_EQ(log.back().key, "k" + std::to_string(n - 1));
  EXPECT_EQ(log.front().kind, Kind::duplicate);
  EXPECT_EQ(log[1].kind, Kind::received);

  // An emitted entry names the outbox row it belongs to, whichever store numbers the rows.
  // (the provider event that caused it first, as the committer writes them).
  ASSERT_TRUE(writer->begin());
  ASSERT_TRUE(writer->append_call_log("c3", entry(0), later));
  auto seq = writer->append_outbox(emission("c3", 1), kNow);
  ASSERT_TRUE(seq);
  ASSERT_TRUE(writer->append_call_log(
      "c3", {Kind::emitted, kNow, kNow, "pbx", "telephonyCall::created", "c3:1", *seq, {}}, later));
  ASSERT_TRUE(writer->commit());
  const auto rows = *store->read_outbox(0, 10);
  ASSERT_EQ(rows.size(), 1u);
  const auto c3 = *store->call_log("c3");
  ASSERT_EQ(c3.size(), 2u);
  EXPECT_EQ(c3[0].event_type, "ev0");
  EXPECT_EQ(c3[1].kind, Kind::emitted);
  EXPECT_EQ(c3[1].seq, rows[0].seq);
  EXPECT_EQ(c3[1].key, "c3:1");
  EXPECT_EQ(c3[1].event_type, "telephonyCall::created");
  EXPECT_EQ(c3[1].at, kNow);

  // Sinks' attempts join the log outside any transaction, after what they attempted.
  ASSERT_TRUE(
      store->record_attempts({{"c3",
                               {Kind::attempt, kNow + std::chrono::milliseconds(5), kNow, "crm",
                                "failed", "c3:1", rows[0].seq, "receiver answered 503"}},
                              {"c3",
                               {Kind::attempt, kNow + std::chrono::milliseconds(9), kNow, "crm",
                                "delivered", "c3:1", rows[0].seq, ""}}},
                             later));
  const auto with_attempts = *store->call_log("c3");
  ASSERT_EQ(with_attempts.size(), 4u);
  EXPECT_EQ(with_attempts[2].kind, Kind::attempt);
  EXPECT_EQ(with_attempts[2].source, "crm");
  EXPECT_EQ(with_attempts[2].event_type, "failed");
  EXPECT_EQ(with_attempts[2].detail, "receiver answered 503");
  EXPECT_EQ(with_attempts[2].seq, rows[0].seq);
  EXPECT_EQ(with_attempts[3].event_type, "delivered");

  // What a transaction logged and rolled back is not kept.
  ASSERT_TRUE(writer->begin());
  ASSERT_TRUE(writer->append_call_log("c1", entry(1000), later));
  writer->rollback();
  EXPECT_EQ(store->call_log("c1")->back().event_type, "ev" + std::to_string(n - 1));

  // The log follows retention: an expired one is gone after a purge, a kept one stays.
  ASSERT_TRUE(writer->begin());
  ASSERT_TRUE(writer->purge(kNow, kNow));
  ASSERT_TRUE(writer->commit());
  EXPECT_TRUE(store->call_log("c2")->empty());
  EXPECT_EQ(store->call_log("c1")->size(), store::kCallLogSize);
  EXPECT_TRUE(store->call_log("nobody")->empty());
}

// The committer writes while other threads read (the admin API, the console, the sinks): every
// read answers, sees only committed state, and never gets in the writer's way. This is what
// broke the SQLite file when the admin thread read on the committer's connection.
TEST_P(StoreContract, KeepsACallsTranscriptWithItAndPurgesThemTogether) {
  // A call whose text came first (not announced), with text that is not ASCII.
  core::Observation o;
  o.source = "pbx";
  o.call_key = "k";
  core::Utterance u;
  u.track = "inbound_track";
  u.origin = core::SpeakerOrigin::external;
  u.id = "1";
  u.text = "Grüße, 你好 \"quoted\"";
  o.transcript = core::TranscriptObservation{{u}, false};
  const auto d = core::decide(std::nullopt, o, "tr", kNow);
  ASSERT_EQ(d.events.size(), 1u);
  ASSERT_TRUE(writer->begin());
  ASSERT_TRUE(writer->save_call(d.state, kNow + std::chrono::hours(1)));
  ASSERT_TRUE(writer->append_outbox(d.events[0], kNow));
  EXPECT_EQ(*writer->load_call("tr"), d.state) << "the writer reads its own transaction";
  ASSERT_TRUE(writer->commit());
  auto loaded = store->load_call("tr");
  ASSERT_TRUE(loaded && *loaded);
  EXPECT_EQ(**loaded, d.state);
  EXPECT_EQ((*loaded)->transcript->segments.at(0).text, u.text);
  auto rows = store->read_outbox(0, 10);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->front().event_type, "telephonyCallTranscript::created");
  EXPECT_EQ(rows->front().call_id, "tr");
  EXPECT_EQ(rows->front().idempotency_key, d.state.transcript->id + ":1");
  EXPECT_EQ(rows->front().body, d.events[0].body);

  // Saved again expiring now (as the committer renews it on each change), then purged.
  ASSERT_TRUE(writer->begin());
  ASSERT_TRUE(writer->save_call(d.state, kNow - std::chrono::seconds(1)));
  ASSERT_TRUE(writer->commit());
  ASSERT_TRUE(writer->begin());
  ASSERT_TRUE(writer->purge(kNow, kNow - std::chrono::hours(1)));
  ASSERT_TRUE(writer->commit());
  EXPECT_FALSE(*store->load_call("tr")) << "the transcript goes with its call";
}

store::RequestRecord request(int n, TimePoint at, const std::string& source = "twilio") {
  store::RequestRecord r;
  r.at = at;
  r.source = source;
  r.method = "POST";
  r.target = "/webhooks/" + source;
  r.status = n % 3 == 0 ? 401 : 200;
  r.verdict = n % 3 == 0 ? "refused" : "accepted";
  r.headers = {{"X-Twilio-Signature", "abcd… (28 chars)"}};
  r.sealed_headers = {{"X-Twilio-Signature", "abcdefghijklmnopqrstuvwxyz0="}};
  r.body = "CallSid=CA" + std::to_string(n) + "&CallStatus=ringing";
  r.body_size = static_cast<std::int64_t>(r.body.size());
  r.events = {{"call-" + std::to_string(n), "telephonyCall::created", "k" + std::to_string(n)}};
  return r;
}

std::vector<store::StoredRequest> stored(const std::vector<store::RequestRecord>& records) {
  std::vector<store::StoredRequest> out;
  for (const auto& r : records) out.push_back(store::stored(r));
  return out;
}

TEST_P(StoreContract, TheRequestLogNumbersRecordsAndPagesThemNewestFirst) {
  std::vector<store::RequestRecord> sent;
  for (int n = 1; n <= 30; ++n)
    sent.push_back(request(n, kNow + std::chrono::milliseconds(n), n % 2 ? "twilio" : "pbx"));
  auto batch = stored(sent);
  ASSERT_TRUE(store->append_requests(batch));
  for (std::size_t i = 1; i < batch.size(); ++i) ASSERT_GT(batch[i].id, batch[i - 1].id);

  const auto loaded = *store->load_request(batch[4].id);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->body, sent[4].body);
  EXPECT_EQ(loaded->sealed_headers, sent[4].sealed_headers) << "a replay needs them";
  EXPECT_EQ(loaded->events.size(), 1u);
  EXPECT_EQ(loaded->events[0].idempotency_key, "k5");
  EXPECT_EQ(loaded->at, sent[4].at);
  EXPECT_FALSE(*store->load_request(batch.back().id + 100));

  // Refused twilio requests: n = 3, 9, 15, 21, 27; two a page, newest first.
  store::RequestQuery q;
  q.source = "twilio";
  q.verdict = "refused";
  q.limit = 2;
  auto page = *store::find_requests(*store, q);
  ASSERT_EQ(page.requests.size(), 2u);
  EXPECT_EQ(page.requests[0].body, sent[26].body);
  EXPECT_EQ(page.requests[1].body, sent[20].body);
  std::vector<std::string> seen;
  for (q.before_id = page.next_before; q.before_id != 0; q.before_id = page.next_before) {
    page = *store::find_requests(*store, q);
    for (const auto& r : page.requests) seen.push_back(r.body);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{sent[14].body, sent[8].body, sent[2].body}));

  q = {};
  q.text = "CA1&";  // a text match on the body
  page = *store::find_requests(*store, q);
  ASSERT_EQ(page.requests.size(), 1u);
  EXPECT_EQ(page.requests[0].body, sent[0].body);
  EXPECT_EQ(page.next_before, 0) << "read to the oldest: no next page";

  q = {};
  q.from = kNow + std::chrono::milliseconds(10);
  q.to = kNow + std::chrono::milliseconds(13);
  page = *store::find_requests(*store, q);
  ASSERT_EQ(page.requests.size(), 3u);
  EXPECT_EQ(page.requests[0].body, sent[11].body);

  auto twins = stored({sent[0], sent[0]});  // equal records are two records
  ASSERT_TRUE(store->append_requests(twins));
  EXPECT_GT(twins[1].id, twins[0].id);
  for (const auto& twin : twins) {
    const auto again = *store->load_request(twin.id);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->id, twin.id);
    EXPECT_EQ(again->body, sent[0].body);
  }
}

TEST_P(StoreContract, TheRequestLogIsTrimmedToItsRetentionAndItsCap) {
  std::vector<store::RequestRecord> sent;
  for (int n = 1; n <= 20; ++n)
    sent.push_back(request(n, kNow - std::chrono::hours(2) + std::chrono::minutes(10 * n)));
  auto batch = stored(sent);
  ASSERT_TRUE(store->append_requests(batch));
  EXPECT_EQ(*store->trim_requests(TimePoint{}, 1000), 0u) << "no age given: the cap alone";
  // Older than an hour: n * 10 min < 60 min, so n = 1..5 go.
  EXPECT_EQ(*store->trim_requests(kNow - std::chrono::hours(1), 1000), 5u);
  EXPECT_EQ(*store->trim_requests(kNow - std::chrono::hours(1), 10), 5u);  // then the cap
  const auto left = *store->requests_before(0, 100);
  ASSERT_EQ(left.size(), 10u);
  EXPECT_EQ(left.front().body, sent[19].body);
  EXPECT_EQ(left.back().body, sent[10].body);
  EXPECT_EQ(*store->trim_requests(kNow - std::chrono::hours(1), 10), 0u);
}

TEST_P(StoreContract, EventsArePagedNewestFirstOrOldestFirstAfterACursor) {
  ASSERT_TRUE(writer->begin());
  for (int n = 1; n <= 12; ++n) {
    auto e = emission("c" + std::to_string(n % 3), n);
    if (n % 4 == 0) e.type = core::EventType::created;
    ASSERT_TRUE(writer->append_outbox(e, kNow + std::chrono::seconds(n)));
  }
  ASSERT_TRUE(writer->commit());
  store::EventQuery q;
  q.limit = 5;
  auto page = *store::find_events(*store, q);
  ASSERT_EQ(page.events.size(), 5u);
  EXPECT_EQ(page.events.front().idempotency_key, "c0:12") << "the newest first";
  q.before_seq = page.next;
  page = *store::find_events(*store, q);
  ASSERT_EQ(page.events.size(), 5u);
  EXPECT_EQ(page.events.front().idempotency_key, "c1:7");
  q.before_seq = page.next;
  page = *store::find_events(*store, q);
  ASSERT_EQ(page.events.size(), 2u);
  EXPECT_EQ(page.next, 0);

  q = {};
  q.type = "telephonyCall::created";
  page = *store::find_events(*store, q);
  ASSERT_EQ(page.events.size(), 3u);
  EXPECT_EQ(page.events.back().idempotency_key, "c1:4");

  q = {};
  q.call_id = "c2";
  q.after_seq = page.events.back().seq;  // oldest first, after the 4th
  q.to = kNow + std::chrono::seconds(9);
  page = *store::find_events(*store, q);
  ASSERT_EQ(page.events.size(), 2u);  // c2:5 and c2:8; c2:11 is past `to`
  EXPECT_EQ(page.events[0].idempotency_key, "c2:5");
  EXPECT_EQ(page.events[1].idempotency_key, "c2:8");
}

TEST_P(StoreContract, CallsLiveAndEndedArePagedNewestFirst) {
  ASSERT_TRUE(writer->begin());
  for (int n = 1; n <= 7; ++n) {
    auto c = call("h" + std::to_string(n), n % 2 == 0);  // even ones ended
    c.created_at = kNow + std::chrono::seconds(n / 2);   // pairs share a creation time
    ASSERT_TRUE(writer->save_call(c, kNow + std::chrono::hours(1)));
  }
  ASSERT_TRUE(writer->commit());
  std::vector<std::string> seen;
  store::CallCursor from;
  for (int pages = 0; pages < 10; ++pages) {
    const auto page = *store->calls_before(from, 3, false);
    for (const auto& c : page) seen.push_back(c.id);
    if (page.size() < 3) break;
    from = {to_unix_ms(page.back().created_at), page.back().id};
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"h7", "h6", "h5", "h4", "h3", "h2", "h1"}))
      << "newest first, and within one time by id";
  const auto live = *store->calls_before({}, 10, true);
  ASSERT_EQ(live.size(), 4u);
  EXPECT_EQ(live[0].id, "h7");
  EXPECT_EQ(live[3].id, "h1");
}

TEST_P(StoreContract, DeadLettersPastAPageAreReachedByTheCursor) {
  ASSERT_TRUE(writer->begin());
  for (int n = 1; n <= 7; ++n) ASSERT_TRUE(writer->append_outbox(emission("c", n), kNow));
  ASSERT_TRUE(writer->commit());
  for (const auto& row : *store->read_outbox(0, 10)) {
    ASSERT_TRUE(store->add_dead_letter("crm", {row, "500", 3, kNow, ""}));
    if (row.seq % 2 == 0) {
      ASSERT_TRUE(store->add_dead_letter("audit", {row, "500", 3, kNow, ""}));
    }
  }
  // 7 for crm and 3 for audit: 10 in all, read three at a time from every sink.
  std::vector<std::string> seen;
  store::DeadLetterCursor from;
  for (int pages = 0; pages < 10; ++pages) {
    const auto page = *store->list_dead_letters("", 3, from);
    for (const auto& d : page) seen.push_back(d.sink + ":" + d.row.idempotency_key);
    if (page.size() < 3) break;
    from = {page.back().row.seq, page.back().sink};
  }
  ASSERT_EQ(seen.size(), 10u);
  EXPECT_EQ(seen.front(), "crm:c:7");
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 10u) << "none twice";
  EXPECT_EQ(seen[1], "audit:c:6") << "one seq's sinks in name order";
  EXPECT_EQ(seen[2], "crm:c:6");
}

TEST_P(StoreContract, AnyEventIsSentAgainToOneSinkOnlyWithItsKeyAndOnlyOnce) {
  const auto rows = two_events();
  ASSERT_EQ(rows.size(), 2u);

  EXPECT_TRUE(*store::resend_event(*store, "crm", rows[0].seq, kNow));
  auto again = *store->read_outbox(rows[1].seq, 10);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].idempotency_key, rows[0].idempotency_key);
  EXPECT_EQ(again[0].body, rows[0].body);
  EXPECT_EQ(again[0].sink, "crm");
  EXPECT_TRUE(store->list_dead_letters("crm", 10)->empty()) << "no dead letter is left behind";

  // An event that is a dead letter of that sink already is sent once, not twice.
  ASSERT_TRUE(store->add_dead_letter("crm", {rows[1], "422", 2, kNow, ""}));
  EXPECT_TRUE(*store::resend_event(*store, "crm", rows[1].seq, kNow));
  again = *store->read_outbox(rows[1].seq, 10);
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[1].idempotency_key, rows[1].idempotency_key);
  EXPECT_TRUE(store->list_dead_letters("crm", 10)->empty());

  EXPECT_FALSE(*store::resend_event(*store, "crm", 999'999, kNow)) << "no such event";
}

}  // namespace
}  // namespace callgate
