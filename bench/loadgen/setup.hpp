// Prepares a run: an arbiter key, the accounts with a key each, and their funding through
// top-ups (POST /v1/accounts/{id}/topups), waiting until every top-up has settled at the
// processor, so the load starts on funded payers. A key creation replayed without its secret
// (a retry after a timeout) is revoked and made again. Fundings of 0 make no top-ups at all.
// Thread affinity: the caller's thread, which runs the driver's io_context meanwhile.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "bench/loadgen/driver.hpp"
#include "bench/loadgen/plan.hpp"

namespace escrowd::loadgen {

// The simulator takes amounts up to 99,999,999 (tools/processor_sim/README.md): larger
// fundings are split into several top-ups.
inline constexpr std::int64_t topup_amount_max = 99'999'999;

struct setup_config {
  std::string run_id;
  std::string admin_key;
  std::size_t accounts = 1'000;
  std::size_t hot_accounts = 4;
  std::int64_t funding_per_account = 20'000'000;
  std::int64_t funding_per_hot_account = 500'000'000;
  std::size_t concurrency = 64;
  std::chrono::milliseconds settle_timeout{60'000};  // longest wait without a settlement
};

struct setup_outcome {
  plan run;
  std::int64_t funded = 0;      // sum of the top-ups that succeeded
  std::size_t keys_remade = 0;  // key creations replayed without their secret, made again
  std::chrono::milliseconds took{0};
};

// Throws std::runtime_error with the first failure (a refused account, a failed top-up,
// top-ups pending with none settling for settle_timeout, or key creations replayed without
// their secret round after round).
setup_outcome run_setup(boost::asio::io_context& io, driver& target, const setup_config& config);

}  // namespace escrowd::loadgen
