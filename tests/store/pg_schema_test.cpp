// The PostgreSQL store's schema on a real server: created at start, left alone when current,
// and a database migrated by a newer callgate refused with a clear message.
#include <gtest/gtest.h>

#include <store/pg_connection.hpp>
#include <support/postgres.hpp>

namespace callgate::testing {
namespace {

TEST(PostgresSchema, IsCreatedOnceAndANewerOneIsRefused) {
  PostgresServer server;
  store::pg::Connection c(server.url(), std::chrono::milliseconds(100));
  store::pg::migrate(c);
  EXPECT_EQ(server.psql("SELECT version FROM callgate_schema"),
            std::to_string(store::pg::kSchemaVersion) + "\n");
  EXPECT_EQ(server.psql("SELECT count(*) FROM information_schema.tables WHERE table_name IN "
                        "('calls', 'outbox', 'deliveries', 'requests', 'leases')"),
            "5\n");

  // Current: nothing to do, and a row written stays.
  EXPECT_EQ(server.psql("INSERT INTO leases VALUES ('s', 'r1', 1)"), "INSERT 0 1\n");
  store::pg::migrate(c);
  EXPECT_EQ(server.psql("SELECT holder FROM leases"), "r1\n");
  EXPECT_EQ(server.psql("SELECT count(*) FROM callgate_schema"), "1\n");

  // Written by a newer callgate: this one must not touch it.
  server.psql("UPDATE callgate_schema SET version = 99");
  try {
    store::pg::migrate(c);
    ADD_FAILURE() << "a newer schema was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("version 99, newer than this callgate knows"),
              std::string::npos)
        << e.what();
  }

  // Parameters travel as text, NULL as NULL; a statement's error says its SQLSTATE.
  auto r = c.exec("SELECT $1::text, $2::text IS NULL", {std::string("a'b"), std::nullopt});
  ASSERT_TRUE(r);
  EXPECT_EQ(store::pg::text(r->get(), 0, 0), "a'b");
  EXPECT_EQ(store::pg::text(r->get(), 0, 1), "t");
  EXPECT_FALSE(c.exec("SELECT * FROM no_such_table"));
  EXPECT_EQ(c.last_error().substr(0, 5), "42P01");

  // The server gone: unavailable at once (503), not a hang.
  server.kill9();
  auto gone = c.exec("SELECT 1");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error(), make_error_code(errc::store_unavailable));
}

}  // namespace
}  // namespace callgate::testing
