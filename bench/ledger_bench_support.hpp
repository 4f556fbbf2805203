// What the in-process ledger benchmarks (actors_benchmark, telemetry_benchmark) share: a
// response renderer as small as an HTTP answer, request contexts for the principals they
// act as, and the process's own CPU and disk counters (every thread: actors, writer, clock).
#pragma once

#include <ctime>
#include <fstream>
#include <string>
#include <variant>

#include "actors/ledger.hpp"
#include "actors/wall_clock.hpp"

namespace escrowd::bench_support {

// What an HTTP response would carry at least: the status and the object's id and state.
inline actors::rendered_response render(const actors::operation_result& result) {
  if (!result.outcome.ok()) {
    const auto described = describe(result.outcome.code());
    return {described.http_status, std::string(described.code), false, {}, {}};
  }
  if (const auto* row = std::get_if<task>(&result.object))
    return {200, row->id + " " + std::string(to_string(row->state)), false, {}, {}};
  return {200, "ok", false, {}, {}};
}

inline actors::request_context context_for(principal who) {
  actors::request_context context;
  context.actor = who.actor_name();
  context.principal = std::move(who);
  context.now = actors::unix_now();
  context.render = render;
  return context;
}

inline principal admin() {
  return {principal_role::admin, "key_admin", {}};
}

inline principal account_key(const std::string& account_id) {
  return {principal_role::account, "key_" + account_id, account_id};
}

inline currency usd() {
  return *currency::parse("usd");
}

// CPU seconds of every thread of this process, not only the benchmark's own thread that
// Google Benchmark's CPU column measures.
inline double process_cpu_seconds() {
  timespec now{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return double(now.tv_sec) + double(now.tv_nsec) / 1e9;
}

// Bytes this process has passed to write calls so far (Linux /proc/self/io "wchar"), for
// the disk side of a durable transition: in a process whose only writer is LMDB, the pages
// its commits write. Not "write_bytes": this VM's kernel counts a whole large folio there
// for each 4 KiB page dirtied, about 13 times what reaches the device (measured against
// /proc/diskstats, bench/RESULTS.md). 0 where unavailable.
inline double process_written_bytes() {
  std::ifstream io("/proc/self/io");
  std::string field;
  double value = 0;
  while (io >> field >> value)
    if (field == "wchar:") return value;
  return 0;
}

}  // namespace escrowd::bench_support
