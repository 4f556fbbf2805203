// sharing_scheduler: escrowd's CAF scheduler for `scheduler_policy::sharing`: one FIFO of
// runnable actors that every worker thread takes from, idle workers asleep on a condition
// variable. CAF 0.17's own work-sharing coordinator behaves the same, but Debian builds
// CAF with its logger compiled in, and CAF's worker loop then runs a dynamic_cast from
// `resumable` to `abstract_actor` for every actor it resumes, only to tag log lines: about
// a thousand instructions per activation, 5% of a durable transition in the actors
// benchmark. Its queue is also a std::list (an allocation per enqueue); this one is a ring
// that grows and stays.
// Installed through actor_system_config::module_factories (CAF uses a scheduler module
// given there instead of its own). Thread affinity: enqueue from any thread; the rest is
// CAF's (start and stop from the actor system).
#pragma once

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <memory>

namespace escrowd::actors {

// Adds the scheduler to `config`; CAF creates it with the actor system.
void use_sharing_scheduler(caf::actor_system_config& config);

}  // namespace escrowd::actors
