// The open connections of one server, and their owner: a session stays alive from accept
// until it closes its socket, whether or not an operation is pending (a connection waiting
// for its handler's answers has none). Counted for the connection cap, listed so stop() can
// ask each to drain and then close, and awaited by stop().
// Thread affinity: any thread (one mutex; touched once per connection open and close, by
// stop(), and by the listener at the cap; never per request). Lifetimes: owned by the server;
// clear() it after the I/O threads stopped and before the io_context is destroyed, so no session
// outlives it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace escrowd::http {

class session;

// The steady clock in nanoseconds: when a connection began to wait for a request.
[[nodiscard]] inline std::int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

class connection_registry {
 public:
  enum class kind : std::uint8_t { served, rejected };

  // Registers (and owns) a connection of `kind`; returns its key for remove().
  std::uint64_t add(kind connection_kind, std::shared_ptr<session> connection);
  // Releases the connection; called by the session when it closes.
  void remove(std::uint64_t key);
  // Releases every connection still registered (sessions whose close never ran).
  void clear();

  std::size_t count(kind connection_kind) const;

  // The open sessions, for stop() to drain or close.
  std::vector<std::shared_ptr<session>> snapshot() const;

  // The served connection that has waited longest for a request with nothing owed, if it
  // began waiting at or before `since_ns` (steady clock), claimed for eviction so that no
  // later call picks it again; a scan of every connection, made only when the cap is reached.
  [[nodiscard]] std::shared_ptr<session> longest_waiting(std::int64_t since_ns) const;

  // true if every connection is gone before the deadline.
  bool wait_until_empty(std::chrono::steady_clock::time_point deadline);

 private:
  struct entry {
    kind connection_kind;
    std::shared_ptr<session> connection;
  };

  mutable std::mutex mutex_;
  std::condition_variable emptied_;
  std::unordered_map<std::uint64_t, entry> entries_;  // guarded by mutex_
  std::uint64_t next_key_ = 0;                        // guarded by mutex_
  std::size_t served_count_ = 0;                      // guarded by mutex_
  std::size_t rejected_count_ = 0;                    // guarded by mutex_
};

}  // namespace escrowd::http
