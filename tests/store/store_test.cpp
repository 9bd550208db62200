// The store contract on SQLite and memory, and what only SQLite promises.
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include "pages_contract.hpp"

namespace callgate {
namespace {

INSTANTIATE_TEST_SUITE_P(Stores, StoreContract, ::testing::Values("sqlite", "memory"));

TEST(SqliteStore, StateSurvivesReopening) {
  testing::TempDir dir;
  store::StoreConfig c;
  c.path = (dir / "callgate.db").string();
  {
    auto w = store::open_store(c).writer;
    auto& s = *w;
    ASSERT_TRUE(s.begin());
    core::CallState st;
    st.id = "c1";
    st.source = "webex";
    st.events_emitted = 2;
    ASSERT_TRUE(s.save_call(st, kNow + std::chrono::hours(1)));
    ASSERT_TRUE(s.remember_delivery("d1", kNow + std::chrono::hours(1)));
    ASSERT_TRUE(s.commit());
  }
  auto [s, w] = store::open_store(c);
  auto loaded = s->load_call("c1");
  ASSERT_TRUE(loaded && *loaded);
  EXPECT_EQ((*loaded)->events_emitted, 2);
  ASSERT_TRUE(w->begin());
  EXPECT_FALSE(*w->remember_delivery("d1", kNow));
  w->rollback();
}

TEST(SqliteStore, AStoreFromBeforeSourcesWereKeptGetsTheColumnsAndKeepsItsRows) {
  testing::TempDir dir;
  const auto path = (dir / "callgate.db").string();
  {  // the outbox and dead letters as callgate wrote them before they named their source
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    const char* old = R"sql(
      CREATE TABLE outbox(seq INTEGER PRIMARY KEY AUTOINCREMENT, created_ms INTEGER NOT NULL,
        call_id TEXT NOT NULL, event_type TEXT NOT NULL, idempotency_key TEXT NOT NULL,
        body TEXT NOT NULL, sink TEXT NOT NULL DEFAULT '');
      CREATE TABLE dead_letters(sink TEXT NOT NULL, seq INTEGER NOT NULL,
        created_ms INTEGER NOT NULL, call_id TEXT NOT NULL, event_type TEXT NOT NULL,
        idempotency_key TEXT NOT NULL, body TEXT NOT NULL, reason TEXT NOT NULL,
        attempts INTEGER NOT NULL, dead_ms INTEGER NOT NULL, PRIMARY KEY(sink, seq));
      INSERT INTO outbox(created_ms, call_id, event_type, idempotency_key, body)
        VALUES(1, 'c', 'telephonyCall::created', 'c:1', '{}');)sql";
    ASSERT_EQ(sqlite3_exec(db, old, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  store::StoreConfig c;
  c.path = path;
  auto [s, w] = store::open_store(c);
  ASSERT_TRUE(w->begin());
  ASSERT_TRUE(
      w->append_outbox({core::EventType::updated, "c", "c:2", "{}", "pbx", {"crm", "acme"}}, kNow));
  ASSERT_TRUE(w->commit());
  const auto rows = *s->read_outbox(0, 10);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].idempotency_key, "c:1");
  EXPECT_EQ(rows[0].source, "") << "an old row says no source";
  EXPECT_EQ(rows[1].source, "pbx");
  EXPECT_EQ(rows[1].connector_id, "crm");
  ASSERT_TRUE(s->add_dead_letter("crm", {rows[1], "410 Gone", 1, kNow, ""}));
  EXPECT_EQ((*s->list_dead_letters("crm", 1))[0].row.owner_id, "acme");
}

/** A request log of n records, in stored form, `step` apart from kNow on. */
std::vector<store::StoredRequest> log_records(int n, std::chrono::milliseconds step = {}) {
  std::vector<store::StoredRequest> out;
  for (int i = 0; i < n; ++i) {
    store::RequestRecord r;
    r.at = kNow + i * step;
    r.source = "pbx";
    r.body = std::string(2000, static_cast<char>('a' + i % 26));
    out.push_back(store::stored(r));
  }
  return out;
}

// The request log is written without fsync (its cost per request): a power loss may damage it.
// It is then set aside and begun afresh; the store's calls and events are in another file.
TEST(SqliteStore, ADamagedRequestLogIsSetAsideAndBegunAfreshAndTheCallsStay) {
  testing::TempDir dir;
  store::StoreConfig c;
  c.path = (dir / "callgate.db").string();
  const auto log_path = dir / "callgate.requests.db";
  {
    auto [s, w] = store::open_store(c);
    ASSERT_TRUE(w->begin());
    core::CallState st;
    st.id = "c1";
    st.source = "pbx";
    ASSERT_TRUE(w->save_call(st, kNow + std::chrono::hours(1)));
    ASSERT_TRUE(w->commit());
    auto records = log_records(200);
    ASSERT_TRUE(s->append_requests(records));
  }
  // A damaged page in the middle, and the WAL of a stop that was not clean.
  {
    std::fstream f(log_path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(65536);  // the second 64 KB page's header: a torn write
    const std::string junk(4096, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    std::ofstream(log_path.string() + "-wal");  // empty: SQLite ignores it, callgate checks
  }
  {
    auto [s, w] = store::open_store(c);
    EXPECT_TRUE(std::filesystem::exists(log_path.string() + ".damaged"));
    EXPECT_EQ(s->requests_before(0, 1000)->size(), 0u);
    auto records = log_records(3);
    ASSERT_TRUE(s->append_requests(records));
    EXPECT_EQ(s->requests_before(0, 1000)->size(), 3u);
    auto call = s->load_call("c1");
    ASSERT_TRUE(call && *call);
  }
  // A file that is not a database at all is set aside the same way.
  std::filesystem::remove(log_path.string() + ".damaged");
  std::ofstream(log_path, std::ios::trunc) << std::string(100'000, 'x');
  auto [s, w] = store::open_store(c);
  EXPECT_TRUE(std::filesystem::exists(log_path.string() + ".damaged"));
  EXPECT_EQ(s->requests_before(0, 1000)->size(), 0u);
}

// The oldest records go by age without an index on time, and a trim with no age keeps them.
TEST(SqliteStore, TheRequestLogDropsByAgeFromTheOldestOn) {
  testing::TempDir dir;
  store::StoreConfig c;
  c.path = (dir / "callgate.db").string();
  auto [s, w] = store::open_store(c);
  auto records = log_records(10, std::chrono::seconds(1));
  ASSERT_TRUE(s->append_requests(records));
  EXPECT_EQ(*s->trim_requests(TimePoint{}, 100), 0u);
  EXPECT_EQ(*s->trim_requests(kNow + std::chrono::seconds(4), 100), 4u);
  const auto left = *s->requests_before(0, 100);
  ASSERT_EQ(left.size(), 6u);
  EXPECT_EQ(left.back().at, kNow + std::chrono::seconds(4));
  EXPECT_EQ(*s->trim_requests(kNow + std::chrono::hours(1), 100), 6u);
  EXPECT_EQ(*s->trim_requests(kNow + std::chrono::hours(1), 100), 0u);  // empty: nothing to do
}

}  // namespace
}  // namespace callgate
