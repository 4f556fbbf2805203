// report: text for people, JSON (built with Boost.JSON) for bench/compare.
#include "bench/loadgen/report.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>

namespace escrowd::loadgen {
namespace {

constexpr std::array percentiles{50.0, 90.0, 99.0, 99.9};

std::string format(const char* pattern, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, pattern, value);
  return buffer;
}

std::string millis(std::int64_t micros) {
  return format("%.2f ms", static_cast<double>(micros) / 1000.0);
}

boost::json::object latency_json(const histogram& measured) {
  boost::json::object out;
  out["count"] = measured.count();
  out["min"] = measured.min();
  out["mean"] = measured.mean();
  out["p50"] = measured.percentile(50);
  out["p90"] = measured.percentile(90);
  out["p99"] = measured.percentile(99);
  out["p999"] = measured.percentile(99.9);
  out["max"] = measured.max();
  return out;
}

void print_latency(std::ostream& out, const char* title, const histogram& measured) {
  out << "  " << title << ":";
  for (double percent : percentiles) {
    out << "  p" << format(percent == 99.9 ? "%.1f" : "%.0f", percent) << " "
        << millis(measured.percentile(percent));
  }
  out << "  max " << millis(measured.max()) << "  mean "
      << millis(static_cast<std::int64_t>(measured.mean())) << "\n";
}

double seconds(std::chrono::nanoseconds span) {
  return std::chrono::duration<double>(span).count();
}

// How long the configured load was scheduled to last: --duration, or in an open loop with
// --requests the time its last slot came due; 0 for a closed loop with --requests.
double scheduled_s(const options& settings) {
  if (settings.requests == 0) return seconds(settings.duration);
  return settings.open_loop ? static_cast<double>(settings.requests) / settings.rate : 0;
}

void print_audit(std::ostream& out, const audit_result& audit) {
  if (!audit.answered) {
    out << "  audit: COULD NOT RUN: the target answered none of the audit's requests\n";
  } else {
    out << "  audit: ledger verify " << (audit.verify_ok ? "ok" : "FAILED") << " ("
        << audit.accounts_checked << " accounts, " << audit.entries_checked << " entries); ";
    if (audit.money_checked) {
      out << "money " << (audit.money_ok ? "conserved" : "NOT CONSERVED") << ": put in "
          << audit.put_in << (audit.money_ok ? " = " : " != ") << "held " << audit.held
          << " + withdrawn " << audit.left;
    } else {
      out << "money NOT CHECKED (see the problems below)";
    }
    out << " (pending: " << audit.topups_pending << " top-ups, " << audit.withdrawals_pending
        << " withdrawals; failed: " << audit.topups_failed << " top-ups, "
        << audit.withdrawals_failed << " withdrawals)\n";
  }
  for (const auto& problem : audit.problems) out << "  audit problem: " << problem << "\n";
}

}  // namespace

throughput throughput_of(const shard_result& measured) {
  throughput rates;
  const double window_s = seconds(measured.window());
  std::uint64_t writes = 0;
  std::uint64_t writes_ok = 0;
  for (std::size_t kind = 0; kind < op_kind_count; ++kind) {
    const auto& counts = measured.by_kind[kind];
    rates.failed += counts.failed;
    if (!is_write(static_cast<op_kind>(kind))) continue;
    writes += counts.ok + counts.rejected;
    writes_ok += counts.ok;
  }
  if (window_s <= 0) return rates;
  rates.requests_per_s = static_cast<double>(measured.requests) / window_s;
  rates.operations_per_s = static_cast<double>(measured.operations) / window_s;
  rates.writes_per_s = static_cast<double>(writes) / window_s;
  rates.writes_ok_per_s = static_cast<double>(writes_ok) / window_s;
  return rates;
}

std::string progress_line(double elapsed_s, double requests_per_s, std::uint64_t failed,
                          const histogram& interval, std::uint64_t in_flight) {
  return format("%6.1fs", elapsed_s) + format("  %8.0f req/s", requests_per_s) + "  failed " +
         std::to_string(failed) + "  p50 " + millis(interval.percentile(50)) + "  p99 " +
         millis(interval.percentile(99)) + "  in flight " + std::to_string(in_flight);
}

void print_text(std::ostream& out, const run_report& report) {
  const auto& settings = report.settings;
  const auto& measured = report.measured;
  const auto rates = throughput_of(measured);
  out << "escrowd-loadgen " << (report.settings.label.empty() ? "" : report.settings.label + " ")
      << "target " << report.target_kind << " (" << settings.target << ")  mix " << settings.mix
      << "  "
      << (settings.open_loop ? format("open loop %.0f req/s", settings.rate) : "closed loop")
      << "  concurrency " << settings.concurrency << "  connections " << settings.connections
      << "  pipeline " << settings.pipeline << "  threads " << settings.threads << "  seed "
      << report.seed << "  run " << report.run_id << "\n";
  out << "  setup: " << settings.accounts << " accounts funded with " << report.funded << " ("
      << settings.accounts - settings.hot_accounts << " x " << settings.funding << ", "
      << settings.hot_accounts << " hot x " << settings.hot_funding << ") in "
      << report.setup_took.count() << " ms\n";
  out << "  window " << format("%.2f s", seconds(measured.window()))
      << " (first counted request sent to last answered; scheduled "
      << format("%.2f s", scheduled_s(settings)) << ", load phase "
      << format("%.2f s", seconds(measured.wall)) << " wall): " << measured.requests
      << " requests, " << measured.operations << " operations";
  if (settings.open_loop) out << ", " << measured.late << " answered after the schedule's end";
  out << "\n";
  out << "  throughput: " << format("%.0f", rates.requests_per_s) << " req/s, "
      << format("%.0f", rates.operations_per_s) << " ops/s, durable writes "
      << format("%.0f", rates.writes_ok_per_s) << "/s ok (" << format("%.0f", rates.writes_per_s)
      << "/s with business rejections)\n";
  print_latency(out, "latency (all)", measured.latency);
  print_latency(out, "latency (writes)", measured.write_latency);
  out << "  by operation (ok / rejected / failed):";
  for (std::size_t kind = 0; kind < op_kind_count; ++kind) {
    const auto& counts = measured.by_kind[kind];
    if (counts.ok + counts.rejected + counts.failed == 0) continue;
    out << "  " << to_string(static_cast<op_kind>(kind)) << " " << counts.ok << "/"
        << counts.rejected << "/" << counts.failed;
  }
  out << "\n  client: " << measured.client.connections_opened << " connections, "
      << measured.client.retries << " retries, " << measured.client.timeouts << " timeouts\n";
  for (const auto& sample : measured.error_samples) out << "  failure: " << sample << "\n";
  if (report.audit) {
    print_audit(out, *report.audit);
  } else {
    out << "  audit: skipped\n";
  }
}

void print_json(std::ostream& out, const run_report& report) {
  const auto& settings = report.settings;
  const auto& measured = report.measured;
  const auto rates = throughput_of(measured);
  boost::json::object root;
  root["label"] = settings.label;
  root["target"] = report.target_kind;
  root["run_id"] = report.run_id;
  root["seed"] = report.seed;
  root["mix"] = settings.mix;
  root["loop"] = settings.open_loop ? "open" : "closed";
  root["rate"] = settings.rate;
  root["concurrency"] = settings.concurrency;
  root["connections"] = settings.connections;
  root["pipeline"] = settings.pipeline;
  root["threads"] = settings.threads;
  root["accounts"] = settings.accounts;
  root["batch_size"] = settings.mix == "batch" ? settings.batch_size : 0;
  root["funded"] = report.funded;
  root["setup_ms"] = report.setup_took.count();
  root["window_s"] = seconds(measured.window());
  root["scheduled_s"] = scheduled_s(settings);
  root["wall_s"] = seconds(measured.wall);
  root["late"] = measured.late;
  root["requests"] = measured.requests;
  root["operations"] = measured.operations;
  root["requests_per_s"] = rates.requests_per_s;
  root["operations_per_s"] = rates.operations_per_s;
  root["writes_per_s"] = rates.writes_per_s;
  root["writes_ok_per_s"] = rates.writes_ok_per_s;
  root["failed"] = rates.failed;
  root["latency_us"] = latency_json(measured.latency);
  root["write_latency_us"] = latency_json(measured.write_latency);
  boost::json::object kinds;
  for (std::size_t kind = 0; kind < op_kind_count; ++kind) {
    const auto& counts = measured.by_kind[kind];
    if (counts.ok + counts.rejected + counts.failed == 0) continue;
    kinds[to_string(static_cast<op_kind>(kind))] = {
        {"ok", counts.ok}, {"rejected", counts.rejected}, {"failed", counts.failed}};
  }
  root["by_operation"] = std::move(kinds);
  root["client"] = {{"connections_opened", measured.client.connections_opened},
                    {"retries", measured.client.retries},
                    {"timeouts", measured.client.timeouts},
                    {"in_flight_peak", measured.in_flight_peak}};
  boost::json::array samples;
  for (const auto& sample : measured.error_samples) samples.emplace_back(sample);
  root["failure_samples"] = std::move(samples);
  if (report.audit) {
    const auto& audit = *report.audit;
    boost::json::array problems;
    for (const auto& problem : audit.problems) problems.emplace_back(problem);
    root["audit"] = {{"ok", audit.ok()},
                     {"ran", audit.answered},
                     {"money_checked", audit.money_checked},
                     {"verify_ok", audit.verify_ok},
                     {"accounts_checked", audit.accounts_checked},
                     {"entries_checked", audit.entries_checked},
                     {"money_ok", audit.money_ok},
                     {"put_in", audit.put_in},
                     {"held", audit.held},
                     {"withdrawn", audit.left},
                     {"topups_pending", audit.topups_pending},
                     {"topups_failed", audit.topups_failed},
                     {"withdrawals_pending", audit.withdrawals_pending},
                     {"withdrawals_failed", audit.withdrawals_failed},
                     {"problems", std::move(problems)}};
  }
  out << boost::json::serialize(root) << "\n";
}

}  // namespace escrowd::loadgen
