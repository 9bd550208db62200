#include <callgate/store/memory_store.hpp>
#include <callgate/store/redis_store.hpp>
#include <callgate/store/sqlite_store.hpp>
#include <stdexcept>

namespace callgate::store {

std::unique_ptr<Store> open_store(const StoreConfig& config) {
  if (config.type == "sqlite") return std::make_unique<SqliteStore>(config);
  if (config.type == "memory") return std::make_unique<MemoryStore>();
  if (config.type == "redis") return std::make_unique<RedisStore>(config);
  throw std::runtime_error("unknown store type " + config.type);
}

}  // namespace callgate::store
