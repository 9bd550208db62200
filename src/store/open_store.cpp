#include <stdexcept>

#include "memory_store.hpp"
#include "pg_store.hpp"
#include "redis_store.hpp"
#include "sqlite_store.hpp"
#include "sqlite_writer.hpp"

namespace callgate::store {

Opened open_store(const StoreConfig& config) {
  Opened opened;
  if (config.type == "sqlite") {
    opened.writer = std::make_unique<SqliteWriter>(config);  // creates the file and its schema
    opened.store = std::make_unique<SqliteStore>(config);
  } else if (config.type == "memory") {
    auto store = std::make_unique<MemoryStore>();
    opened.writer = std::make_unique<MemoryWriter>(*store);
    opened.store = std::move(store);
  } else if (config.type == "redis") {
    auto store = std::make_unique<RedisStore>(config);
    store->refuse_older_default_prefix();
    opened.writer = std::make_unique<RedisWriter>(config, *store);
    opened.store = std::move(store);
  } else if (config.type == "postgres") {
    opened.store = std::make_unique<PostgresStore>(config);  // creates or migrates the schema
    opened.writer = std::make_unique<PostgresWriter>(config);
  } else {
    throw std::runtime_error("unknown store type " + config.type);
  }
  opened.store->keep_call_log(config.call_log);
  opened.writer->keep_call_log(config.call_log);
  return opened;
}

}  // namespace callgate::store
