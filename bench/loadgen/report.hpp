// The load generator's output: the live progress line and the final report, as text or JSON.
// Definitions used throughout: a request is one round trip (a batch counts once); an
// operation is one API operation (a batch carries many); "durable writes/s" counts
// state-changing operations answered 2xx, each acknowledged only after its commit was synced
// (api.md), and is the headline number.
// Thread affinity: main thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "bench/loadgen/audit.hpp"
#include "bench/loadgen/options.hpp"
#include "bench/loadgen/setup.hpp"
#include "bench/loadgen/shard.hpp"

namespace escrowd::loadgen {

struct run_report {
  const options& settings;
  std::string run_id;
  std::uint64_t seed = 0;
  std::string target_kind;  // "escrowd" or "postgres"
  std::int64_t funded = 0;
  std::chrono::milliseconds setup_took{0};
  const shard_result& measured;
  std::optional<audit_result> audit;
};

struct throughput {
  double requests_per_s = 0;
  double operations_per_s = 0;
  double writes_per_s = 0;     // state-changing operations answered (2xx or rejection)
  double writes_ok_per_s = 0;  // state-changing operations answered 2xx
  std::uint64_t failed = 0;
};
throughput throughput_of(const shard_result& measured);

// "  12.0s  48211 req/s  failed 0  p50 2.10 ms  p99 8.40 ms  in flight 256"
std::string progress_line(double elapsed_s, double requests_per_s, std::uint64_t failed,
                          const histogram& interval, std::uint64_t in_flight);

void print_text(std::ostream& out, const run_report& report);
void print_json(std::ostream& out, const run_report& report);

}  // namespace escrowd::loadgen
