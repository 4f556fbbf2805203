// http_series: the children of the HTTP request counter and latency histogram, one set per
// route template, found by a lock-free open-addressing lookup on the route string (routes
// are created once, on their first request, under a mutex). Past http_route_labels_max
// distinct routes everything is counted under route="other", so the series count stays
// bounded whatever callers pass. Internal to the telemetry library.
// Thread affinity: thread-safe. Lifetime: within its families (the registry).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "actors/telemetry/metrics.hpp"
#include "actors/telemetry/series_slots.hpp"

namespace escrowd::actors::telemetry {

class http_series {
 public:
  http_series(prometheus::Family<prometheus::Counter>& requests,
              prometheus::Family<prometheus::Histogram>& latency);

  void record(std::string_view route, unsigned status, double seconds);

 private:
  // Statuses 100..599 each have a slot; anything else shares the last one ("invalid").
  static constexpr unsigned status_min = 100;
  static constexpr unsigned status_max = 599;
  static constexpr std::size_t status_slot_count = status_max - status_min + 2;
  // A power of two, at least twice the routes kept, so probes stay short.
  static constexpr std::size_t table_slot_count = 2 * http_route_labels_max;
  static_assert((table_slot_count & (table_slot_count - 1)) == 0);

  struct route_series {
    route_series(std::string name, prometheus::Family<prometheus::Counter>& requests,
                 prometheus::Histogram& duration)
        : route(std::move(name)), latency(duration), by_status(requests) {}
    std::string route;
    prometheus::Histogram& latency;
    series_slots<prometheus::Counter, status_slot_count> by_status;
  };

  route_series& find(std::string_view route);
  route_series& add(std::string_view route);
  std::unique_ptr<route_series> make(std::string route);

  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
  std::array<std::atomic<route_series*>, table_slot_count> table_{};
  std::mutex mutex_;  // guards owned_ and inserts into table_
  std::vector<std::unique_ptr<route_series>> owned_;
  std::unique_ptr<route_series> other_;
};

// Upper bounds of the HTTP latency histogram, in seconds.
const std::vector<double>& http_duration_buckets();

}  // namespace escrowd::actors::telemetry
