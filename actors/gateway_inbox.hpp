// gateway_inbox: the way a processor port's callbacks, called on the port's own threads,
// get back into the gateway actor. It posts a closure as a gateway_task message; once
// closed (by the facade, before the actor system goes away) it drops whatever a late
// callback posts, so a port that answers after shutdown touches nothing freed.
// The gateway opens its own inbox as it starts, before it can call a port: a port may
// answer within the call, and an answer posted to an inbox not yet open would be lost.
// Thread affinity: any thread; open() after close() does nothing.
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
  gateway_actor target_;  // null until opened and once closed
  bool closed_ = false;
};

}  // namespace escrowd::actors
