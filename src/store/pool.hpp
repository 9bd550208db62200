#pragma once
// A fixed set of connections shared by threads: each caller holds one of its own while its Lease
// lives; past the set's size, the next caller waits for one to come back. Private to store/
// (SQLite's read connections, Redis's pool).

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

namespace callgate::store {

template <class Connection>
class Pool {
 public:
  /** Takes the connections it hands out (at least one). */
  explicit Pool(std::vector<std::unique_ptr<Connection>> connections)
      : idle_(std::move(connections)) {}

  /** A connection, back in the pool when this goes out of scope. */
  class Lease {
   public:
    Lease(Pool& pool, std::unique_ptr<Connection> c) : pool_(&pool), c_(std::move(c)) {}
    Lease(Lease&&) = default;
    ~Lease() {
      if (!c_) return;  // moved from
      {
        std::lock_guard lock(pool_->mutex_);
        pool_->idle_.push_back(std::move(c_));
      }
      pool_->returned_.notify_one();
    }
    Connection* operator->() { return c_.get(); }
    Connection& operator*() { return *c_; }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> c_;
  };

  /** An idle connection, once there is one. */
  Lease acquire() {
    std::unique_lock lock(mutex_);
    returned_.wait(lock, [this] { return !idle_.empty(); });
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return Lease(*this, std::move(c));
  }

 private:
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace callgate::store
