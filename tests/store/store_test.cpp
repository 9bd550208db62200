// The store contract on SQLite and memory, and what only SQLite promises.
#include <sqlite3.h>

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

}  // namespace
}  // namespace callgate
