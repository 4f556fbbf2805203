// escrowd-loadgen: setup on a control connection, the load on `threads` shards (each with its
// own io_context and connections), a progress line while it runs, then the audit and the
// report. Exit status: 0, or 1 when setup or the audit failed, 2 on a usage error.
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <iostream>
#include <random>
#include <thread>

#include "bench/loadgen/audit.hpp"
#include "bench/loadgen/options.hpp"
#include "bench/loadgen/report.hpp"
#include "bench/loadgen/setup.hpp"
#include "bench/loadgen/shard.hpp"

namespace {

using namespace escrowd::loadgen;

// Setup and audit need answers, not load: a few connections are plenty.
constexpr std::size_t control_connections_max = 16;
constexpr std::size_t control_concurrency = 64;
constexpr std::chrono::milliseconds progress_period{1'000};
constexpr std::chrono::milliseconds progress_poll{50};
constexpr std::chrono::seconds control_drain_max{2};

std::size_t share(std::size_t total, unsigned parts, unsigned index) {
  return total / parts + (index < total % parts ? 1 : 0);
}

std::string random_run_id(std::uint64_t bits) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "lg%08x", static_cast<unsigned>(bits & 0xffffffffu));
  return buffer;
}

std::vector<std::unique_ptr<shard>> make_shards(const options& settings, const plan& run,
                                                const mix& workload, std::uint64_t seed) {
  std::vector<std::unique_ptr<shard>> shards;
  for (unsigned index = 0; index < settings.threads; ++index) {
    shard_config config;
    config.index = index;
    config.open_loop = settings.open_loop;
    config.concurrency = share(settings.concurrency, settings.threads, index);
    config.rate = settings.rate / settings.threads;
    config.warmup = settings.warmup;
    config.duration = settings.duration;
    config.requests_max =
        settings.requests == 0 ? 0 : share(settings.requests, settings.threads, index);
    config.batch_size = settings.mix == "batch" ? settings.batch_size : 0;
    config.seed = seed + index;
    config.workload = workload;
    target_config target;
    target.url = settings.target;
    target.connections =
        std::max<std::size_t>(1, share(settings.connections, settings.threads, index));
    target.pipeline_depth = settings.pipeline;
    target.request_timeout = settings.timeout;
    shards.push_back(std::make_unique<shard>(run, std::move(config), std::move(target)));
  }
  return shards;
}

// Runs the shards on their threads; prints the progress line meanwhile when asked to.
shard_result run_load(std::vector<std::unique_ptr<shard>>& shards, bool progress) {
  std::atomic<unsigned> finished{0};
  std::vector<std::thread> threads;
  for (auto& each : shards) {
    threads.emplace_back([&finished, &each] {
      each->run();
      ++finished;
    });
  }
  const auto started = clock_type::now();
  auto last_print = started;
  std::uint64_t last_requests = 0;
  while (finished < shards.size()) {
    std::this_thread::sleep_for(progress_poll);
    const auto now = clock_type::now();
    if (now - last_print < progress_period) continue;
    histogram interval;
    std::uint64_t requests = 0;
    std::uint64_t failed = 0;
    std::uint64_t in_flight = 0;
    for (auto& each : shards) {
      auto snapshot = each->take_progress();
      interval.merge(snapshot.interval_latency);
      requests += snapshot.requests;
      failed += snapshot.failed;
      in_flight += snapshot.in_flight;
    }
    const double seconds = std::chrono::duration<double>(now - last_print).count();
    if (progress) {
      std::cerr << "\r"
                << progress_line(std::chrono::duration<double>(now - started).count(),
                                 static_cast<double>(requests - last_requests) / seconds, failed,
                                 interval, in_flight)
                << "   " << std::flush;
    }
    last_print = now;
    last_requests = requests;
  }
  for (auto& thread : threads) thread.join();
  if (progress) std::cerr << "\n";
  shard_result merged;
  for (auto& each : shards) merged.merge(each->result());
  return merged;
}

int run(const options& settings) {
  std::random_device device;
  const std::uint64_t seed =
      settings.seed != 0 ? settings.seed : (std::uint64_t{device()} << 32 | device());
  const auto run_id = random_run_id(std::uint64_t{device()} << 32 | device());
  auto workload = *mix_named(settings.mix);
  if (settings.funding == 0) workload = without(std::move(workload), story_kind::topup);
  const bool postgres = is_postgres_url(settings.target);

  boost::asio::io_context control_io;
  target_config control_target;
  control_target.url = settings.target;
  control_target.connections = std::min(settings.connections, control_connections_max);
  control_target.request_timeout = settings.timeout;
  auto control = make_driver(control_io, control_target);

  setup_config setup;
  setup.run_id = run_id;
  setup.admin_key = settings.admin_key;
  setup.accounts = settings.accounts;
  setup.hot_accounts = settings.hot_accounts;
  setup.funding_per_account = settings.funding;
  setup.funding_per_hot_account = settings.hot_funding;
  setup.concurrency = control_concurrency;
  setup.settle_timeout = settings.settle_timeout;
  std::cerr << "escrowd-loadgen: run " << run_id << ", seed " << seed << ": setting up "
            << settings.accounts << " accounts on " << settings.target << "\n";
  const auto prepared = run_setup(control_io, *control, setup);
  if (prepared.keys_remade > 0) {
    std::cerr << "escrowd-loadgen: revoked and remade " << prepared.keys_remade
              << " keys whose retried creation was replayed without the secret\n";
  }
  std::cerr << "escrowd-loadgen: funded " << prepared.funded << " in " << prepared.took.count()
            << " ms; running the " << settings.mix << " mix\n";

  auto shards = make_shards(settings, prepared.run, workload, seed);
  const bool progress = settings.progress.value_or(::isatty(STDERR_FILENO) == 1);
  const auto measured = run_load(shards, progress);
  shards.clear();

  std::optional<audit_result> audit;
  if (settings.audit) {
    std::vector<std::string> topups = prepared.run.setup_topups;
    topups.insert(topups.end(), measured.topups.begin(), measured.topups.end());
    audit_config checks;
    checks.concurrency = control_concurrency;
    checks.settle_timeout = settings.settle_timeout;
    checks.wait_for_withdrawals = !postgres;
    audit = run_audit(control_io, *control, prepared.run, topups, measured.withdrawals, checks);
  }
  control->close();
  control_io.run_for(control_drain_max);

  const run_report report{.settings = settings,
                          .run_id = run_id,
                          .seed = seed,
                          .target_kind = postgres ? "postgres" : "escrowd",
                          .funded = prepared.funded,
                          .setup_took = prepared.took,
                          .measured = measured,
                          .audit = audit};
  print_text(settings.json ? std::cerr : std::cout, report);
  if (settings.json) print_json(std::cout, report);
  return audit && !audit->ok() ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  const auto outcome = parse_options(std::vector<std::string>(argv + 1, argv + argc));
  if (outcome.help) {
    std::cout << usage_text();
    return 0;
  }
  if (!outcome.parsed) {
    std::cerr << "escrowd-loadgen: " << outcome.problem << "\n\n" << usage_text();
    return 2;
  }
  try {
    return run(*outcome.parsed);
  } catch (const std::exception& failure) {
    std::cerr << "escrowd-loadgen: " << failure.what() << "\n";
    return 1;
  }
}
