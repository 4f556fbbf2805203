// A signed-to-be webhook: the serialized Stripe Event, from the api to the webhook sender.
// Values only: no thread affinity.
#pragma once

#include <cstdint>
#include <string>

namespace escrowd::processor_sim {

// Duplicated events (the --webhook-duplicate fault) appear twice, with one event id and two
// delivery numbers: the delivery number names one delivery for the state file, which keeps
// every event not yet delivered so that a restart delivers it after all.
struct webhook_event {
  std::string id;
  std::string type;
  std::string body;
  std::uint64_t delivery = 0;  // unique among undelivered events; 0: not numbered
};

}  // namespace escrowd::processor_sim
