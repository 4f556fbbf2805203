// A target the load generator drives: escrowd over HTTP (http_driver.hpp) or the PostgreSQL
// baseline over libpq (pg_driver.hpp). Both run logical operations (operation.hpp) with the
// same concurrency and answer in the API's terms, so the workload, setup and audit code is
// shared and the comparison is like for like.
// Thread affinity: a driver belongs to the thread running its io_context; completions run
// there. Lifetimes: close() before the io_context stops; destroy before the io_context.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bench/loadgen/operation.hpp"

namespace escrowd::loadgen {

struct driver_stats {
  std::uint64_t connections_opened = 0;
  std::uint64_t retries = 0;
  std::uint64_t timeouts = 0;
};

struct target_config {
  std::string url;  // http://HOST:PORT, or postgres://... / postgresql://... (a libpq URI)
  std::size_t connections = 64;
  std::size_t pipeline_depth = 1;  // HTTP only
  std::chrono::milliseconds request_timeout{10'000};
};

class driver {
 public:
  using completion = std::function<void(op_result)>;
  using batch_completion = std::function<void(op_result batch, std::vector<op_result> each)>;

  virtual ~driver() = default;

  // Runs `op` to its final result (retried as the client library does).
  virtual void execute(const operation& op, completion done) = 0;

  // One round trip for many operations, as `principal` (escrowd's POST /v1/batch).
  [[nodiscard]] virtual bool supports_batch() const { return false; }
  virtual void execute_batch(const std::vector<operation>& ops, const std::string& principal,
                             batch_completion done);

  virtual void close() = 0;
  [[nodiscard]] virtual driver_stats stats() const = 0;
};

[[nodiscard]] bool is_postgres_url(const std::string& url);

// Throws std::runtime_error when the target cannot be reached or understood.
std::unique_ptr<driver> make_driver(boost::asio::io_context& io, const target_config& target);

}  // namespace escrowd::loadgen
