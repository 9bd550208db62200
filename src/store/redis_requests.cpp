// The Redis store's request log: one sorted set, requests, scored by id, each member a stored
// record (which carries its id, so equal records stay apart); ids come from requests:seq, so
// replicas sharing the store number their requests in one sequence.
#include "pool.hpp"
#include "redis_connection.hpp"
#include "redis_store.hpp"

namespace callgate::store {
namespace {

using redis::text;

std::vector<RequestRecord> records_of(const redisReply* r) {
  std::vector<RequestRecord> out;
  for (std::size_t i = 0; i < r->elements; ++i)
    if (auto rec = from_stored(text(r->element[i]))) out.push_back(std::move(*rec));
  return out;
}

}  // namespace

result<void> RedisStore::append_requests(std::vector<StoredRequest>& records) {
  if (records.empty()) return {};
  auto conn = pool_->acquire();
  auto last = conn->command({"INCRBY", key("requests:seq"), std::to_string(records.size())});
  if (!last) return last.error();
  auto id = (*last)->integer - static_cast<std::int64_t>(records.size());
  std::vector<std::string> add{"ZADD", key("requests")};
  for (auto& r : records) {
    r.id = ++id;
    add.push_back(std::to_string(r.id));
    add.push_back(with_id(r.text, r.id));
  }
  auto ok = conn->command(add);
  if (!ok) return ok.error();
  return {};
}

result<std::vector<RequestRecord>> RedisStore::requests_before(std::int64_t before_id,
                                                               std::size_t n) {
  auto conn = pool_->acquire();
  auto r = conn->command({"ZRANGE", key("requests"),
                          before_id == 0 ? "+inf" : "(" + std::to_string(before_id), "-inf",
                          "BYSCORE", "REV", "LIMIT", "0", std::to_string(n)});
  if (!r) return r.error();
  return records_of(r->get());
}

result<std::optional<RequestRecord>> RedisStore::load_request(std::int64_t id) {
  auto conn = pool_->acquire();
  const auto score = std::to_string(id);
  auto r = conn->command({"ZRANGE", key("requests"), score, score, "BYSCORE"});
  if (!r) return r.error();
  auto records = records_of(r->get());
  if (records.empty()) return std::optional<RequestRecord>{};
  return std::optional<RequestRecord>{std::move(records.front())};
}

result<std::size_t> RedisStore::trim_requests(TimePoint before, std::size_t keep) {
  auto conn = pool_->acquire();
  auto many = conn->command(
      {"ZREMRANGEBYRANK", key("requests"), "0", std::to_string(-static_cast<long long>(keep) - 1)});
  if (!many) return many.error();
  auto dropped = static_cast<std::size_t>((*many)->integer);
  // Ids grow with time: drop from the oldest while they are older than `before`.
  while (before > TimePoint{}) {
    auto oldest = conn->command({"ZRANGE", key("requests"), "0", "99"});
    if (!oldest) return oldest.error();
    std::int64_t last_old = 0;
    for (const auto& r : records_of(oldest->get())) {
      if (r.at >= before) break;
      last_old = r.id;
    }
    if (last_old == 0) return dropped;
    auto gone =
        conn->command({"ZREMRANGEBYSCORE", key("requests"), "-inf", std::to_string(last_old)});
    if (!gone) return gone.error();
    dropped += static_cast<std::size_t>((*gone)->integer);
  }
  return dropped;
}

}  // namespace callgate::store
