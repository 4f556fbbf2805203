// What a load-generator run works on, fixed before the load starts and shared read-only by
// every shard: the run's id prefix, the principals' credentials and the accounts.
// Thread affinity: written by setup on the main thread, then only read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace escrowd::loadgen {

struct plan {
  std::string run_id;  // prefix of every id this run creates: runs never collide
  std::string admin_key;
  std::string arbiter_key;
  std::vector<std::string> accounts;  // account ids; the first hot_accounts are the hot payers
  std::vector<std::string> keys;      // keys[i] acts as accounts[i]
  std::size_t hot_accounts = 0;
  std::vector<std::string> setup_topups;  // ids of the top-ups that funded the accounts
};

}  // namespace escrowd::loadgen
