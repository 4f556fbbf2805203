#include "actors/telemetry/http_series.hpp"

#include <functional>

namespace escrowd::actors::telemetry {

const std::vector<double>& http_duration_buckets() {
  // 250 us (a durable write's floor is one fsync, ~200 us) up to 10 s.
  static const std::vector<double> buckets{0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                           0.1,     0.25,   0.5,   1,      2.5,   5,    10};
  return buckets;
}

http_series::http_series(prometheus::Family<prometheus::Counter>& requests,
                         prometheus::Family<prometheus::Histogram>& latency)
    : requests_(requests), latency_(latency), other_(make("other")) {}

std::unique_ptr<http_series::route_series> http_series::make(std::string route) {
  auto& duration = latency_.Add({{"route", route}}, http_duration_buckets());
  return std::make_unique<route_series>(std::move(route), requests_, duration);
}

void http_series::record(std::string_view route, unsigned status, double seconds) {
  auto& series = find(route);
  const bool valid = status >= status_min && status <= status_max;
  const std::size_t slot = valid ? status - status_min : status_slot_count - 1;
  series.by_status
      .at(slot,
          [&] {
            return prometheus::Labels{{"route", series.route},
                                      {"status", valid ? std::to_string(status) : "invalid"}};
          })
      .Increment();
  series.latency.Observe(seconds);
}

http_series::route_series& http_series::find(std::string_view route) {
  const std::size_t hash = std::hash<std::string_view>{}(route);
  for (std::size_t probe = 0; probe < table_slot_count; ++probe) {
    auto* series = table_[(hash + probe) & (table_slot_count - 1)].load(std::memory_order_acquire);
    if (series == nullptr) break;
    if (series->route == route) return *series;
  }
  return add(route);
}

http_series::route_series& http_series::add(std::string_view route) {
  std::lock_guard lock(mutex_);
  const std::size_t hash = std::hash<std::string_view>{}(route);
  for (std::size_t probe = 0; probe < table_slot_count; ++probe) {
    auto& slot = table_[(hash + probe) & (table_slot_count - 1)];
    auto* series = slot.load(std::memory_order_relaxed);
    if (series != nullptr) {
      if (series->route == route) return *series;
      continue;
    }
    if (owned_.size() >= http_route_labels_max) break;
    owned_.push_back(make(std::string(route)));
    slot.store(owned_.back().get(), std::memory_order_release);
    return *owned_.back();
  }
  return *other_;
}

}  // namespace escrowd::actors::telemetry
