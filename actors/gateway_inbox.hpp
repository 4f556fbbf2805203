// gateway_inbox: the way a processor port's callbacks, called on the port's own threads,
// get back into the gateway actor. It posts a closure as a gateway_task message; once
// closed (by the facade, before the actor system goes away) it drops whatever a late
// callback posts, so a port that answers after shutdown touches nothing freed.
// Thread affinity: post() from any thread; open() and close() from the facade.
#pragma once

#include <functional>
#include <mutex>

#include "actors/actors.hpp"

namespace escrowd::actors {

class gateway_inbox {
 public:
  void open(gateway_actor target);
  void post(std::function<void()> work);
  void close();

 private:
  std::mutex mutex_;
  gateway_actor target_;  // null when closed
};

}  // namespace escrowd::actors
