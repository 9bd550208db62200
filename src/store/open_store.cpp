#include <callgate/store/memory_store.hpp>
#include <callgate/store/redis_store.hpp>
#include <callgate/store/sqlite_store.hpp>
#include <stdexcept>

namespace callgate::store {

std::unique_ptr<Store> open_store(const StoreConfig& config) {
  std::unique_ptr<Store> store;
  if (config.type == "sqlite")
    store = std::make_unique<SqliteStore>(config);
  else if (config.type == "memory")
    store = std::make_unique<MemoryStore>();
  else if (config.type == "redis")
    store = std::make_unique<RedisStore>(config);
  else
    throw std::runtime_error("unknown store type " + config.type);
  store->keep_call_log(config.call_log);
  return store;
}

}  // namespace callgate::store
