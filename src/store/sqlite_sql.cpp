#include "sqlite_sql.hpp"

#include <stdexcept>

namespace callgate::store::sqlite {

result<std::optional<core::CallState>> state_from(Statement& s) {
  const int rc = s.step();
  if (rc == SQLITE_DONE) return std::optional<core::CallState>{};
  if (rc != SQLITE_ROW) return unavailable(s.db());
  auto j = nlohmann::json::parse(s.text(0), nullptr, false);
  auto state = core::call_state_from_json(j);
  // A corrupt row: fail loudly rather than invent a new call (the committer names the call).
  if (!state) return make_error_code(errc::corrupt_state);
  return std::optional<core::CallState>{std::move(*state)};
}

result<std::int64_t> count_from(Statement& s) {
  if (s.step() != SQLITE_ROW) return unavailable(s.db());
  return s.int64(0);
}

void migrate(Db& db) {
  for (const char* table : {"outbox", "dead_letters"})
    for (const char* column : {"source", "connector", "owner"}) {
      // A literal: Db::prepare caches statements by their text's address.
      Use s(db.prepare("SELECT COUNT(*) FROM pragma_table_info(?1) WHERE name = ?2"));
      s->bind(1, std::string_view(table)).bind(2, std::string_view(column));
      auto n = count_from(*s);
      if (!n) throw std::runtime_error("cannot read the schema: " + n.error().message());
      if (*n != 0) continue;
      const auto add = "ALTER TABLE " + std::string(table) + " ADD COLUMN " + column +
                       " TEXT NOT NULL DEFAULT ''";
      if (db.exec(add.c_str()) != SQLITE_OK)
        throw std::runtime_error("cannot add " + std::string(table) + "." + column + ": " +
                                 db.last_error());
    }
}

std::unique_ptr<Db> open_wal(const std::string& path, int busy_timeout_ms, const char* pragmas) {
  auto db = std::make_unique<Db>(path, busy_timeout_ms);
  // pragmas first: a new database's page_size is only taken before it is in WAL mode.
  if (db->exec(pragmas) != SQLITE_OK || db->exec("PRAGMA journal_mode=WAL") != SQLITE_OK)
    throw std::runtime_error(std::string("cannot configure SQLite: ") + db->last_error());
  return db;
}

}  // namespace callgate::store::sqlite
