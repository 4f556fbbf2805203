// Fault draws: one uniform number per fault kind and request, always all of them.
#include "fault_plan.hpp"

namespace escrowd::processor_sim {

fault_plan::fault_plan(const fault_options& options, std::uint64_t seed)
    : options_(options), request_rng_(seed), webhook_rng_(seed ^ 0x9E3779B97F4A7C15) {}

bool fault_plan::happens(std::mt19937_64& rng, double probability) {
  double uniform = static_cast<double>(rng() >> 11) * 0x1.0p-53;
  return uniform < probability;
}

fault_draw fault_plan::draw() {
  fault_draw out;
  out.rate_limit = happens(request_rng_, options_.rate_limit);
  out.lock_timeout = happens(request_rng_, options_.lock_timeout);
  out.fail_before_effect = happens(request_rng_, options_.fail_before_effect);
  out.fail_after_effect = happens(request_rng_, options_.fail_after_effect);
  out.drop_after_effect = happens(request_rng_, options_.drop_after_effect);
  out.slow = happens(request_rng_, options_.slow);
  return out;
}

bool fault_plan::draw_webhook_duplicate() {
  return happens(webhook_rng_, options_.webhook_duplicate);
}

}  // namespace escrowd::processor_sim
