// The store contract on SQLite and memory, and what only SQLite promises.
#include "store_contract.hpp"

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

}  // namespace
}  // namespace callgate
